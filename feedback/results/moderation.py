"""The lists behind the committee's moderation of written comments on sessions.

A committee member who teaches a session does not moderate its comments, nor see those held back
from its teachers: another committee member does (`viewer`)."""

from django.db.models import Exists, OuterRef, QuerySet

from events.models import Session
from feedback.enums import QuestionKind
from feedback.models import Answer
from feedback.permissions import sessions_taught_by
from teachers.models import RosterEntry


def comments_for_moderation(*, viewer, session_id: int | None = None) -> QuerySet[Answer]:
    """Released free-text answers to session feedback that `viewer` moderates (not on sessions
    they teach), newest sessions first; within a session by the answers' random keys (not by
    arrival)."""
    answers = (
        Answer.objects.filter(question__kind=QuestionKind.TEXT, response__session__isnull=False)
        .exclude(text="")
        .exclude(response__session__in=sessions_taught_by(viewer))
    )
    if session_id:
        answers = answers.filter(response__session_id=session_id)
    return answers.select_related("question", "response__session").order_by(
        "-response__session__starts_at", "-response__session_id", "pk"
    )


def sessions_with_comments(*, viewer) -> tuple[list[Session], bool]:
    """Sessions `viewer` moderates whose released feedback has written comments, newest first
    (the moderation filter), and whether sessions they teach were left out. One query."""
    comments = Answer.objects.filter(response__session=OuterRef("pk"), question__kind=QuestionKind.TEXT).exclude(
        text=""
    )
    sessions = list(
        Session.objects.filter(Exists(comments))
        .annotate(is_taught=Exists(RosterEntry.objects.filter(session=OuterRef("pk"), teacher=viewer)))
        .order_by("-starts_at", "-pk")
    )
    return [session for session in sessions if not session.is_taught], any(session.is_taught for session in sessions)
