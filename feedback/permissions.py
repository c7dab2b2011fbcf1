"""Who may see and manage feedback. Roster checks read `session.roster` (prefetched by the
selectors), so a predicate adds no query on a prefetched session."""

from events.models import Session
from events.permissions import leads, on_roster, teaches
from members.permissions import is_committee


def can_view_session_results(user, session: Session) -> bool:
    """The session's teachers and the committee see its aggregated, anonymous feedback."""
    return is_committee(user) or teaches(user, session)


def can_choose_session_form(user, session: Session) -> bool:
    """The committee, or the session's lead teacher, picks a form other than the default."""
    return is_committee(user) or leads(user, session)


def can_manage_forms(user) -> bool:
    return is_committee(user)


def can_manage_surveys(user) -> bool:
    return is_committee(user)


def can_moderate(user) -> bool:
    return is_committee(user)


def can_see_held_back_comments(user, session: Session) -> bool:
    """The committee sees a session's held-back comments, except a committee member who taught
    it: they read their own session's feedback as its other teachers do."""
    return can_moderate(user) and not teaches(user, session)


def sessions_taught_by(member):
    """The sessions `member` teaches, as a subquery: those whose comments they do not moderate,
    nor see when held back (`can_see_held_back_comments` for many sessions at once)."""
    return Session.objects.filter(on_roster(member=member)).values("pk")


def can_code(user) -> bool:
    return is_committee(user)
