"""Sessions, registrations and answers for the feedback tests. Registrations are written straight
to the table (the registration service rightly refuses sessions that have started); responses
always go through `feedback.services.submit_response`, and are read back either sealed
(`sealed_answers`, what a pending response holds) or released (`close_and_release` for a survey;
a session's are released at FEEDBACK_MIN_RESPONSES)."""

import datetime as dt

from django.db import connection
from django.utils import timezone

from attendance.enums import AttendanceStatus, Mode, RegistrationState
from attendance.models import RegisterTaken, Registration
from events.enums import SessionStatus
from feedback.enums import QuestionKind
from feedback.models import Answer, Form, PendingResponse, Survey
from feedback.sealing import unseal
from feedback.services import release_survey
from tests.events.factories import SessionFactory


def session_form() -> Form:
    """The default session feedback form the app ships with (a data migration)."""
    return Form.objects.get(family="session-feedback", is_current=True)


def survey_form() -> Form:
    return Form.objects.get(family="society-survey", is_current=True)


def ended_session(*, hours_ago: float = 2, status: str = SessionStatus.COMPLETED, register_taken: bool = False, **kw):
    """A session that ended `hours_ago` (negative: ends in the future), an hour long."""
    ends_at = timezone.now() - dt.timedelta(hours=hours_ago)
    session = SessionFactory(status=status, starts_at=ends_at - dt.timedelta(hours=1), ends_at=ends_at, **kw)
    if register_taken:
        RegisterTaken.objects.create(session=session)
    return session


def attend(session, member, *, attendance: str = AttendanceStatus.PRESENT, walk_in: bool = False, **kw):
    fields = {
        "mode": Mode.IN_PERSON,
        "state": RegistrationState.REGISTERED,
        "year_of_study": member.year_of_study,
        "attendance": attendance,
        "attended_mode": Mode.IN_PERSON if attendance in AttendanceStatus.attended else "",
        "is_walk_in": walk_in,
    }
    return Registration.objects.create(session=session, member=member, **(fields | kw))


def answers_for(form: Form, *, scale: int = 4, text: str = "Clear and well paced.", **by_metric) -> dict:
    """Answers to every question a non-teacher sees: `scale` for scales, the first option for
    choices, `text` for free text; `by_metric` overrides by metric key (an option's value for choices)."""
    answers = {}
    for question in form.questions.prefetch_related("options"):
        if question.is_for_teachers_only:
            continue
        options = {option.value: option.pk for option in question.options.all()}
        value = by_metric.get(question.metric_key)
        if question.kind in (QuestionKind.LIKERT, QuestionKind.RATING):
            answers[question.pk] = scale if value is None else value
        elif question.kind == QuestionKind.SINGLE:
            answers[question.pk] = options[value] if value else next(iter(options.values()))
        elif question.kind == QuestionKind.MULTIPLE:
            answers[question.pk] = [options[v] for v in value] if value else [next(iter(options.values()))]
        else:
            answers[question.pk] = text if value is None else value
    return answers


def post_data(answers: dict) -> dict:
    """The answers as the feedback page's form posts them."""
    return {f"q{pk}": value for pk, value in answers.items()}


def physical_order(table: str, column: str) -> list:
    """A column in the order a copy of the database holds the rows (SQLite's rowid, PostgreSQL's
    ctid), not an order the app asks for nor the one an index would give."""
    position = {"sqlite": "rowid", "postgresql": "ctid"}[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY {position}")  # noqa: S608 -- fixed names
        return [row[0] for row in cursor.fetchall()]


def sealed_answers(pending: PendingResponse) -> list[Answer]:
    """The answers sealed in `pending` as the database holds it (re-read by its key), opened as a
    release opens them: unsaved `Answer`s with no response, so `.question` and `.option` can be
    followed. For tests only; the app opens envelopes only to release them."""
    stored = PendingResponse.objects.get(pk=pending.pk)
    payload = unseal(bytes(stored.envelope), scope=stored.scope_label)
    return [
        Answer(question_id=question, number=number, option_id=option, text=text)
        for question, number, option, text in payload["answers"]
    ]


def close_and_release(survey: Survey) -> int:
    """Close `survey` now and release its answers, as beat does after a close; returns how many."""
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now())
    survey.refresh_from_db()
    return release_survey(survey)
