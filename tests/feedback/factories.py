"""Sessions, registrations and answers for the feedback tests. Registrations are written straight
to the table by tests/attendance/factories.py (the registration service rightly refuses sessions
that have started); responses always go through `feedback.services.submit_response`, and are read
back either sealed (`sealed_answers`, what a pending response holds) or released
(`close_and_release` for a survey; a session's are released at FEEDBACK_MIN_RESPONSES)."""

import datetime as dt

from django.db import connection
from django.utils import timezone

from attendance.enums import AttendanceStatus, Mode
from events.enums import SessionStatus
from feedback.enums import FormPurpose, QuestionKind
from feedback.models import Answer, Form, Option, PendingResponse, Question, Response, Survey
from feedback.sealing import unseal
from feedback.services import create_survey, release_survey
from tests.attendance.factories import RegisterTakenFactory, RegistrationFactory
from tests.events.factories import SessionFactory


def session_form() -> Form:
    """The default session feedback form the app ships with (a data migration)."""
    return Form.objects.get(family="session-feedback", is_current=True)


def survey_form() -> Form:
    return Form.objects.get(family="society-survey", is_current=True)


def ended_session(
    *,
    hours_ago: float = 2,
    status: str = SessionStatus.COMPLETED,
    register_taken: bool = False,
    attended_by=(),
    **kw,
):
    """A session that ended `hours_ago` (negative: ends in the future), an hour long, that the
    members `attended_by` attended in person."""
    ends_at = timezone.now() - dt.timedelta(hours=hours_ago)
    session = SessionFactory(status=status, starts_at=ends_at - dt.timedelta(hours=1), ends_at=ends_at, **kw)
    if register_taken:
        RegisterTakenFactory(session=session)
    for member in attended_by:
        attend(session, member)
    return session


def attend(session, member, *, attendance: str = AttendanceStatus.PRESENT, walk_in: bool = False, **kw):
    """A place in person at `session` with `attendance` taken (present unless told)."""
    attended_mode = Mode.IN_PERSON if attendance in AttendanceStatus.attended else ""
    return RegistrationFactory(
        session=session,
        member=member,
        **({"attendance": attendance, "attended_mode": attended_mode, "is_walk_in": walk_in} | kw),
    )


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


# --- Released responses, written straight to the tables (results, surveys, portfolios) -------------


def past_session(*, lead=None, days_ago: int = 2, **kwargs):
    """A completed session, an hour long, that started `days_ago` days ago."""
    start = timezone.now() - dt.timedelta(days=days_ago)
    return SessionFactory(
        status=SessionStatus.COMPLETED, starts_at=start, ends_at=start + dt.timedelta(hours=1), lead=lead, **kwargs
    )


def make_form(*questions, family: str = "custom", version: int = 1, purpose: str = FormPurpose.SESSION) -> Form:
    """A form from (kind, text, metric key, required, options) tuples."""
    Form.objects.filter(family=family, is_current=True).update(is_current=False)
    form = Form.objects.create(family=family, version=version, purpose=purpose, title=family.title())
    for position, (kind, text, metric_key, required, options) in enumerate(questions, 1):
        question = Question.objects.create(
            form=form, position=position, kind=kind, text=text, metric_key=metric_key, is_required=required
        )
        for index, value in enumerate(options, 1):
            Option.objects.create(question=question, position=index, value=value, label=value.replace("_", " ").title())
    return form


def respond(*, form: Form, session=None, survey=None, band: str = "", **answers) -> Response:
    """One anonymous response. Keyword names are metric keys, or `q<position>` for untagged
    questions; values are 1–5, an option value, a list of option values, or text."""
    response = Response.objects.create(form=form, session=session, survey=survey, year_band=band)
    questions = {q.metric_key or f"q{q.position}": q for q in form.questions.prefetch_related("options")}
    for name, value in answers.items():
        question = questions[name]
        if question.kind in (QuestionKind.LIKERT, QuestionKind.RATING):
            Answer.objects.create(response=response, question=question, number=value)
        elif question.kind == QuestionKind.TEXT:
            Answer.objects.create(response=response, question=question, text=value)
        else:
            options = {option.value: option for option in question.options.all()}
            for chosen in value if isinstance(value, list) else [value]:
                Answer.objects.create(response=response, question=question, option=options[chosen])
    return response


def respond_many(count: int, *, form: Form, session=None, **answers) -> list[Response]:
    return [respond(form=form, session=session, **answers) for _ in range(count)]


def a_survey(*, form=None, opens_in_days: float = -7, closes_in_days: float = 7, years=(), title="Annual survey"):
    """A survey of the society form (open for a week either side of now unless told), made
    through `create_survey` as the committee's page makes it."""
    now = timezone.now()
    return create_survey(
        form=form or survey_form(),
        title=title,
        opens_at=now + dt.timedelta(days=opens_in_days),
        closes_at=now + dt.timedelta(days=closes_in_days),
        years=years,
        by=None,
    )


def closed_survey(**kwargs):
    """A survey that closed yesterday: its responses are released, and its results shown."""
    return a_survey(opens_in_days=-14, closes_in_days=-1, **kwargs)


def answer(survey, band, count=1, **answers):
    """`count` released responses to `survey` from `band`, as `respond` writes them."""
    return [respond(form=survey.form, survey=survey, band=band, **answers) for _ in range(count)]
