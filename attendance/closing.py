"""What closing an account asks of the attendance app (`members.closing`): connected in `AttendanceConfig.ready()`."""

from attendance import services


def cancel_upcoming_places(sender, *, member, **kwargs) -> None:
    """Places and queue places at sessions still to come are cancelled, each freed place going to the first in line."""
    services.cancel_upcoming_registrations(member=member)
