"""What closing an account asks of the events app (`members.closing`): connected in `EventsConfig.ready()`."""

from events import services


def revoke_calendar(sender, *, member, **kwargs) -> None:
    services.revoke_calendar_token(member=member)
