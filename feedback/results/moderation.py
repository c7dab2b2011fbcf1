"""The lists behind the committee's moderation of written comments on sessions."""

from django.db.models import Exists, OuterRef, QuerySet

from events.models import Session
from feedback.enums import QuestionKind
from feedback.models import Answer


def comments_for_moderation(*, session_id: int | None = None) -> QuerySet[Answer]:
    """Released free-text answers to session feedback, newest sessions first; within a session by the
    answers' random keys (not by arrival)."""
    answers = Answer.objects.filter(question__kind=QuestionKind.TEXT, response__session__isnull=False).exclude(text="")
    if session_id:
        answers = answers.filter(response__session_id=session_id)
    return answers.select_related("question", "response__session").order_by(
        "-response__session__starts_at", "-response__session_id", "pk"
    )


def sessions_with_comments() -> QuerySet[Session]:
    """Sessions whose released feedback has written comments, newest first (the moderation filter)."""
    comments = Answer.objects.filter(response__session=OuterRef("pk"), question__kind=QuestionKind.TEXT).exclude(
        text=""
    )
    return Session.objects.filter(Exists(comments)).order_by("-starts_at", "-pk")
