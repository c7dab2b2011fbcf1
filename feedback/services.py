"""Writes for feedback: forms and their versions, surveys, anonymous responses and moderation.

Anonymity (see `feedback.anonymity`): a response is written with no member, no time and a random
key; the member's `Receipt` is written in the same transaction, and the scope's receipts are then
rewritten in member order so that their physical order does not follow the order of arrival.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from events.models import Session
from feedback.enums import FormPurpose, QuestionKind
from feedback.models import Answer, Form, Survey, SurveyYear


class FeedbackError(Exception):
    """The feedback action is refused; the message says why, in words fit for the member."""


def form_for_session(session: Session) -> Form:
    """The form a session's feedback uses: its own choice, else the current default session form.

    Reads `session.feedback_form_choice` (select it with the session to save a query). Raises
    FeedbackError when no default session form exists.
    """
    try:
        return session.feedback_form_choice.form
    except Session.feedback_form_choice.RelatedObjectDoesNotExist:
        pass
    form = Form.objects.filter(purpose=FormPurpose.SESSION, is_default=True, is_current=True).first()
    if form is None:
        raise FeedbackError(_("No feedback form is set up for sessions yet."))
    return form


def create_survey(*, form: Form, title: str, opens_at, closes_at, years: Iterable[int] = (), by) -> Survey:
    """Send `form` (a survey form) to members of `years` (none: every member) between the two times.

    Writes the survey and its audience in one transaction. Raises FeedbackError when the form is
    not a survey form or the survey would close before it opens.
    """
    if form.purpose != FormPurpose.SURVEY:
        raise FeedbackError(_("Choose a survey form; this one is for feedback after sessions."))
    if closes_at <= opens_at:
        raise FeedbackError(_("The survey must close after it opens."))
    with transaction.atomic():
        survey = Survey.objects.create(
            form=form, title=title, opens_at=opens_at, closes_at=closes_at, created_by=by if by else None
        )
        SurveyYear.objects.bulk_create(SurveyYear(survey=survey, year=year) for year in sorted(set(years)))
    return survey


def set_held_back(*, answer: Answer, held_back: bool, by) -> Answer:
    """Hold a free-text answer back from teachers (moderation), or release it.

    Only free-text answers can be held back; raises FeedbackError otherwise. `by` is the
    moderator; it is not stored next to the answer, as that would date it.
    """
    if answer.question.kind != QuestionKind.TEXT:
        raise FeedbackError(_("Only written comments can be held back."))
    Answer.objects.filter(pk=answer.pk).update(is_held_back=held_back)
    answer.is_held_back = held_back
    return answer
