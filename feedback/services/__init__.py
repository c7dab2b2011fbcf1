"""Writes for feedback, by sub-domain: forms and their versions (`forms`), surveys (`surveys`),
anonymous responses, their release and moderation (`responses`). The names other apps and the
views use are imported here, so `feedback.services.submit_response` reads as before."""

from feedback.errors import FeedbackError
from feedback.services.forms import (
    METRIC_KINDS,
    QuestionSpec,
    choose_session_form,
    create_form,
    form_for_session,
    make_default,
    new_version,
    specs_for,
    update_form,
)
from feedback.services.responses import (
    check_can_respond_to_session,
    release_due,
    release_survey,
    set_held_back,
    submit_response,
)
from feedback.services.surveys import check_can_respond_to_survey, create_survey

__all__ = [
    "METRIC_KINDS",
    "FeedbackError",
    "QuestionSpec",
    "check_can_respond_to_session",
    "check_can_respond_to_survey",
    "choose_session_form",
    "create_form",
    "create_survey",
    "form_for_session",
    "make_default",
    "new_version",
    "release_due",
    "release_survey",
    "set_held_back",
    "specs_for",
    "submit_response",
    "update_form",
]
