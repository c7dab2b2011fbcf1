"""What the attendance app adds to the session page (`events.session_page`): connected in `AttendanceConfig.ready()`."""

from attendance import services


def waitlist_place(sender, *, registration, **kwargs) -> dict:
    """The viewer's position on the waiting list (1 = first in line), or None when not waiting."""
    return {"waitlist_position": None if registration is None else services.waitlist_position(registration)}
