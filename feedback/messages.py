"""What members are asked for their feedback (registered with `notifications.registry` by
`FeedbackConfig.ready()`): the request after a session and its reminder, and an invitation to
answer a survey. The sweep that writes them is `feedback.asking` (its own beat task)."""

from django.utils import timezone

from events.feedback_window import feedback_closes_at
from events.messages import session_context
from events.models import Session
from feedback.models import Receipt, Survey
from meded.links import absolute_url
from notifications import registry
from notifications.enums import Category, MessageKind
from notifications.registry import Batch, NotWanted


def _feedback(message, session: Session, batch: Batch) -> dict:
    if Receipt.objects.filter(session=session, member_id=message.recipient_id).exists():
        raise NotWanted("The recipient has already given feedback.")
    if timezone.now() >= feedback_closes_at(session):
        raise NotWanted("Feedback on the session has closed.")
    return session_context(session, feedback_url=absolute_url(message.context.get("path", "/")))


def _survey_invitation(message, survey: Survey, batch: Batch) -> dict:
    if Receipt.objects.filter(survey=survey, member_id=message.recipient_id).exists():
        raise NotWanted("The recipient has already answered.")
    if not survey.opens_at <= timezone.now() < survey.closes_at:
        raise NotWanted("The survey is not open.")
    return {"survey": survey, "survey_url": absolute_url(message.context.get("path", "/"))}


registry.register_kind(MessageKind.FEEDBACK_REQUEST, _feedback, category=Category.FEEDBACK)
registry.register_kind(MessageKind.FEEDBACK_REMINDER, _feedback, category=Category.FEEDBACK)
registry.register_kind(MessageKind.SURVEY_INVITATION, _survey_invitation, category=Category.FEEDBACK)
