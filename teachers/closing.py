"""What closing an account asks of the teachers app (`members.closing`): connected in `TeachersConfig.ready()`."""

from django.utils import timezone
from django.utils.translation import gettext as _

from teachers import selectors, services


def roster_blockers(sender, *, member, **kwargs) -> list[str]:
    """A place on the roster of a session still to come blocks the closing: the committee must fill
    or cancel it first (closing would otherwise leave a session with a nameless teacher). One query."""
    return [
        _("You are on the roster of “%(title)s” on %(date)s: ask the committee to take you off it first.")
        % {"title": entry.session.title, "date": timezone.localtime(entry.session.starts_at).strftime("%-d %B %Y")}
        for entry in selectors.upcoming_roster_entries(teacher=member)
    ]


def forget_teaching(sender, *, member, **kwargs) -> None:
    services.forget_member(member=member)
