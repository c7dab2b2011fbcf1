"""Rows for the coding tests, written straight to the tables (no submission service, no seeded
codebook): each test names the comments and codes it needs."""

import datetime as dt
import itertools

from django.utils import timezone

from events.enums import SessionStatus
from feedback.enums import FormPurpose, QuestionKind, YearBand
from feedback.models import Answer, Code, Coding, Form, Question, Response, Survey, Theme
from tests.events.factories import SessionFactory

_family = itertools.count()


def text_question(*, purpose: str = FormPurpose.SESSION, text: str = "What went well?") -> Question:
    form = Form.objects.create(family=f"form-{next(_family)}", purpose=purpose, title="Feedback", is_current=True)
    return Question.objects.create(form=form, position=1, kind=QuestionKind.TEXT, text=text, is_required=False)


def past_session(title: str = "Renal physiology", *, days_ago: int = 3):
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate() - dt.timedelta(days=days_ago), dt.time(18)))
    return SessionFactory(
        title=title, status=SessionStatus.COMPLETED, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )


def survey(title: str = "Annual society survey") -> Survey:
    form = text_question(purpose=FormPurpose.SURVEY, text="What does the society give you?").form
    now = timezone.now()
    return Survey.objects.create(title=title, form=form, opens_at=now - dt.timedelta(days=10), closes_at=now)


def session_comment(text: str, *, session=None, question: Question | None = None, **fields) -> Answer:
    question = question or text_question()
    response = Response.objects.create(form=question.form, session=session or past_session())
    return Answer.objects.create(response=response, question=question, text=text, **fields)


def survey_comment(text: str, *, of: Survey | None = None, band: str = YearBand.YEARS_1_2, **fields) -> Answer:
    of = of or survey()
    response = Response.objects.create(form=of.form, survey=of, year_band=band)
    return Answer.objects.create(response=response, question=of.form.questions.get(), text=text, **fields)


def codes(**themes: list[str]) -> dict[str, Code]:
    """codes(Academic=["Exam preparation", "Clinical skills"], ...) -> {"Exam preparation": Code, ...}"""
    found = {}
    for position, (theme_name, names) in enumerate(themes.items()):
        theme = Theme.objects.create(name=theme_name, position=position)
        for code_position, name in enumerate(names):
            found[name] = Code.objects.create(theme=theme, name=name, position=code_position)
    return found


def empty_codebook() -> None:
    """Remove the seeded codebook, so each test's codes are the only ones (and their keys known)."""
    Coding.objects.all().delete()
    Code.objects.all().delete()
    Theme.objects.all().delete()
