"""Who may see and manage feedback. Roster checks read `session.roster` (prefetched by the
selectors), so a predicate adds no query on a prefetched session."""

from events.models import Session
from members.permissions import is_committee


def _on_roster(user, session: Session) -> bool:
    return user.is_authenticated and any(entry.teacher_id == user.pk for entry in session.roster.all())


def can_view_session_results(user, session: Session) -> bool:
    """The session's teachers and the committee see its aggregated, anonymous feedback."""
    return is_committee(user) or _on_roster(user, session)


def can_choose_session_form(user, session: Session) -> bool:
    """The committee, or the session's lead teacher, picks a form other than the default."""
    from teachers.enums import TeachingRole

    if is_committee(user):
        return True
    return user.is_authenticated and any(
        entry.teacher_id == user.pk and entry.role == TeachingRole.LEAD for entry in session.roster.all()
    )


def can_manage_forms(user) -> bool:
    return is_committee(user)


def can_manage_surveys(user) -> bool:
    return is_committee(user)


def can_moderate(user) -> bool:
    return is_committee(user)


def can_see_held_back_comments(user, session: Session) -> bool:
    """The committee sees a session's held-back comments, except a committee member who taught
    it: they read their own session's feedback as its other teachers do."""
    return can_moderate(user) and not _on_roster(user, session)


def sessions_taught_by(member):
    """The sessions `member` teaches, as a subquery: those whose comments they do not moderate,
    nor see when held back (`can_see_held_back_comments` for many sessions at once)."""
    return Session.objects.filter(roster__teacher=member).values("pk")


def can_code(user) -> bool:
    return is_committee(user)
