"""Reading feedback back: anonymous, aggregated results for one session, for all of a teacher's
sessions and for a survey (by year band), the survey's research export, and the lists behind
moderation and the survey pages.

Everything is counted in the database — one GROUP BY per kind of figure, by question and value and,
for a breakdown, by session or year band — never a query per question. Python only adds groups up
and applies the rules below.

The minimum-N rule (N = settings.FEEDBACK_MIN_RESPONSES, 5 by default)
---------------------------------------------------------------------
1. A session's results are shown only once it has at least N responses; below that its page says
   "n responses, not enough to show" (n is a count of people, not what they said).
2. In results that are shown, a question answered by fewer than N people (an optional question)
   shows how many answered and nothing else: no distribution, mean or agreement.
3. No figure lets a hidden group be worked out by subtraction:
   - A teacher's results across their sessions add up exactly the figures shown on the sessions'
     own pages: a session counts only if it has N responses, and each of its questions only if that
     session's answers to it reach N. Otherwise "all my sessions" minus the sessions shown would
     give away a small session, or a small optional question within one.
   - A survey question is broken down by year band only when every band with answers — the group
     whose year was not recorded included — reaches N. Otherwise only the overall column is shown
     (if it reaches N), because overall minus one band would give the other.
   - The survey's research export has no rows until the survey has N responses, and writes the
     band only when every band with responses reaches N (a lone band could single someone out).
4. Free-text comments are single answers, not aggregates: they come with results that pass rule 1,
   in the order of their random key (which says nothing about when they arrived). Teachers never
   see comments the committee has held back.

Percentages are of the people who answered the question (so a multiple-choice question's can add
up to more than 100), to one decimal place; `agree_pct` is the share answering 4 or 5 on a Likert
question, as on the dashboard.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.enums import SessionStatus
from events.models import Session
from feedback.enums import AGREE_VALUES, LIKERT_LABELS, RATING_LABELS, SCALE_VALUES, QuestionKind, YearBand
from feedback.models import Answer, Question, Response, Survey

# The columns of a survey's breakdown; "" holds responses whose year of study was not recorded.
BANDS = (YearBand.YEARS_1_2, YearBand.YEARS_3_6)
NO_BAND_LABEL = _("Year not recorded")


def minimum_responses() -> int:
    return settings.FEEDBACK_MIN_RESPONSES


def _pct(part: int, whole: int) -> Decimal:
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Bar:
    """One value of a question (a point of the scale, or an option) with how many chose it."""

    value: int | str
    label: str
    count: int
    pct: Decimal


@dataclass(frozen=True)
class Figures:
    """One question's numbers in one column (a session, all sessions, a band or overall).

    With `is_shown` false only `n` may be displayed.
    """

    n: int
    is_shown: bool
    bars: tuple[Bar, ...] = ()
    mean: Decimal | None = None
    agree_pct: Decimal | None = None


@dataclass(frozen=True)
class Comment:
    id: str
    text: str
    is_held_back: bool


@dataclass
class QuestionResult:
    """A question — or, across form versions, the questions that mean the same (same metric key,
    or same wording in the same form family) — with its figures and comments."""

    text: str
    help_text: str
    kind: str
    metric_key: str
    versions: int
    figures: Figures
    # Survey results: (label, figures) per band, shown only when `is_broken_down`.
    bands: list[tuple[str, Figures]] = field(default_factory=list)
    is_broken_down: bool = False
    comments: list[Comment] = field(default_factory=list)

    @property
    def is_text(self) -> bool:
        return self.kind == QuestionKind.TEXT

    @property
    def is_scale(self) -> bool:
        return QuestionKind(self.kind).is_scale

    @property
    def is_likert(self) -> bool:
        return self.kind == QuestionKind.LIKERT

    @property
    def kind_label(self) -> str:
        return QuestionKind(self.kind).label

    @property
    def band_rows(self) -> list[tuple[Bar, list[Bar | None]]]:
        """For the survey table: each overall bar with the same value's bar in each band shown
        (None for a band without answers); no band bars unless the question is broken down."""
        bands = [{bar.value: bar for bar in figures.bars} for _label, figures in self.bands]
        return [
            (bar, [band.get(bar.value) for band in bands] if self.is_broken_down else []) for bar in self.figures.bars
        ]


@dataclass
class Results:
    """Results for a set of responses; with `is_shown` false only `responses` may be displayed."""

    responses: int
    is_shown: bool
    minimum: int
    questions: list[QuestionResult] = field(default_factory=list)


@dataclass(frozen=True)
class SessionCount:
    session: Session
    responses: int
    is_counted: bool


@dataclass
class TeacherResults(Results):
    sessions: list[SessionCount] = field(default_factory=list)


@dataclass
class SurveyResults(Results):
    # (label, responses) per band column.
    band_responses: list[tuple[str, int]] = field(default_factory=list)


# --- Counting ------------------------------------------------------------------------------------


@dataclass
class _Tally:
    n: int = 0
    total: int = 0
    agreeing: int = 0
    counts: Counter = field(default_factory=Counter)

    def add(self, other: "_Tally") -> None:
        self.n += other.n
        self.total += other.total
        self.agreeing += other.agreeing
        self.counts.update(other.counts)


def _answered(responses: QuerySet[Response]) -> QuerySet[Answer]:
    # An optional question left blank should have no row; an empty one is not counted either way.
    return Answer.objects.filter(response__in=responses).filter(
        Q(number__isnull=False) | Q(option__isnull=False) | ~Q(text="")
    )


def _tallies(responses: QuerySet[Response], *, by: str | None) -> dict[tuple[int, object], _Tally]:
    """Per (question id, stratum): people answering, sum of scale values, agreeing, and counts per
    value — two grouped queries. The stratum is the `by` field of the response (or None)."""
    strata = [by] if by else []
    tallies: dict[tuple[int, object], _Tally] = {}
    per_question = (
        _answered(responses)
        .values("question_id", *strata)
        .annotate(
            n=Count("response", distinct=True),  # multiple choice has a row per option ticked
            total=Sum("number"),
            agreeing=Count("pk", filter=Q(number__in=AGREE_VALUES)),
        )
        .order_by()
    )
    for row in per_question:
        key = (row["question_id"], row[by] if by else None)
        tallies[key] = _Tally(n=row["n"], total=row["total"] or 0, agreeing=row["agreeing"])
    per_value = (
        _answered(responses)
        .filter(Q(number__isnull=False) | Q(option__isnull=False))
        .values("question_id", *strata, "number", "option__value")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in per_value:
        key = (row["question_id"], row[by] if by else None)
        value = row["number"] if row["number"] is not None else row["option__value"]
        tallies[key].counts[value] += row["count"]
    return tallies


def _questions(responses: QuerySet[Response]) -> list[Question]:
    """The questions of every form version answered in `responses`, the newest version first."""
    return list(
        Question.objects.filter(form_id__in=responses.values("form_id"))
        .select_related("form")
        .prefetch_related("options")
        .order_by("-form__is_current", "-form_id", "position")
    )


def _comments(
    responses: QuerySet[Response], *, include_held_back: bool, by: str | None = None
) -> list[tuple[int, object, Comment]]:
    answers = Answer.objects.filter(response__in=responses, question__kind=QuestionKind.TEXT).exclude(text="")
    if not include_held_back:
        answers = answers.filter(is_held_back=False)
    fields = ["pk", "question_id", "text", "is_held_back", *([by] if by else [])]
    # By the answer's random key: the order says nothing about who wrote first.
    return [
        (row["question_id"], row[by] if by else None, Comment(str(row["pk"]), row["text"], row["is_held_back"]))
        for row in answers.values(*fields).order_by("pk")
    ]


def _group_key(question: Question) -> tuple:
    """Questions that mean the same across versions: the same metric key, or (untagged) the same
    wording in the same form family; always of the same kind."""
    if question.metric_key:
        return ("metric", question.metric_key, question.kind)
    return ("wording", question.form.family, question.kind, " ".join(question.text.split()).casefold())


@dataclass
class _Group:
    questions: list[Question]
    cells: dict[object, _Tally] = field(default_factory=dict)
    comments: list[tuple[object, Comment]] = field(default_factory=list)

    @property
    def first(self) -> Question:
        return self.questions[0]

    def tally(self, strata: Iterable[object] | None = None) -> _Tally:
        total = _Tally()
        for stratum, cell in self.cells.items():
            if strata is None or stratum in strata:
                total.add(cell)
        return total


def _groups(questions: list[Question], tallies, comments) -> list[_Group]:
    groups: dict[tuple, _Group] = {}
    group_of: dict[int, _Group] = {}
    for question in questions:
        group = groups.setdefault(_group_key(question), _Group(questions=[]))
        group.questions.append(question)
        group_of[question.pk] = group
    for (question_id, stratum), cell in tallies.items():
        group_of[question_id].cells.setdefault(stratum, _Tally()).add(cell)
    for question_id, stratum, comment in comments:
        group_of[question_id].comments.append((stratum, comment))
    return list(groups.values())


def _bars(group: _Group, tally: _Tally) -> tuple[Bar, ...]:
    kind = group.first.kind
    if QuestionKind(kind).is_scale:
        labels = LIKERT_LABELS if kind == QuestionKind.LIKERT else RATING_LABELS
        choices = [(value, str(labels[value])) for value in SCALE_VALUES]
    elif QuestionKind(kind).has_options:
        # Options by their stable value, labelled as in the newest version that has them.
        seen: dict[str, str] = {}
        for question in group.questions:
            for option in question.options.all():
                seen.setdefault(option.value, option.label)
        choices = list(seen.items())
    else:
        return ()
    return tuple(Bar(value, label, tally.counts[value], _pct(tally.counts[value], tally.n)) for value, label in choices)


def _figures(group: _Group, tally: _Tally, *, minimum: int) -> Figures:
    if tally.n < minimum or group.first.kind == QuestionKind.TEXT:
        return Figures(n=tally.n, is_shown=tally.n >= minimum)
    kind = QuestionKind(group.first.kind)
    return Figures(
        n=tally.n,
        is_shown=True,
        bars=_bars(group, tally),
        mean=(Decimal(tally.total) / tally.n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if kind.is_scale
        else None,
        agree_pct=_pct(tally.agreeing, tally.n) if kind == QuestionKind.LIKERT else None,
    )


def _result(group: _Group, figures: Figures, comments: list[Comment]) -> QuestionResult:
    first = group.first
    return QuestionResult(
        text=first.text,
        help_text=first.help_text,
        kind=first.kind,
        metric_key=first.metric_key,
        versions=len(group.questions),
        figures=figures,
        comments=comments,
    )


# --- Sessions ------------------------------------------------------------------------------------


def session_results(*, session: Session, include_held_back: bool = False) -> Results:
    """One session's results under the minimum-N rule (see the module docstring).

    `include_held_back` is for the committee, who see held-back comments marked as such.
    """
    minimum = minimum_responses()
    responses = Response.objects.filter(session=session)
    count = responses.count()
    if count < minimum:
        return Results(responses=count, is_shown=False, minimum=minimum)
    groups = _groups(
        _questions(responses),
        _tallies(responses, by=None),
        _comments(responses, include_held_back=include_held_back),
    )
    return Results(
        responses=count,
        is_shown=True,
        minimum=minimum,
        questions=[
            _result(group, _figures(group, group.tally(), minimum=minimum), [c for _s, c in group.comments])
            for group in groups
        ],
    )


def sessions_with_feedback_taught_by(*, teacher, now=None) -> QuerySet[Session]:
    """The sessions a member teaches (any role) that have ended, newest first, with how many
    feedback responses each has (`responses_count`)."""
    now = now or timezone.now()
    return (
        Session.objects.filter(
            pk__in=Session.objects.filter(roster__teacher=teacher).values("pk"),
            status__in=(SessionStatus.PUBLISHED, SessionStatus.COMPLETED),
            ends_at__lte=now,
        )
        .annotate(responses_count=Count("feedback_responses"))
        .order_by("-starts_at", "-pk")
    )


def teacher_results(*, teacher, include_held_back: bool = False) -> TeacherResults:
    """A teacher's results across their sessions: only what the sessions' own pages show is added
    up (rule 3 of the module docstring), so no total reveals a hidden session or question."""
    minimum = minimum_responses()
    sessions = list(sessions_with_feedback_taught_by(teacher=teacher))
    counted = {session.pk for session in sessions if session.responses_count >= minimum}
    listing = [SessionCount(s, s.responses_count, s.pk in counted) for s in sessions]
    count = sum(s.responses_count for s in sessions if s.pk in counted)
    if not counted:
        return TeacherResults(responses=0, is_shown=False, minimum=minimum, sessions=listing)
    by = "response__session_id"
    responses = Response.objects.filter(session_id__in=counted)
    groups = _groups(
        _questions(responses),
        _tallies(responses, by=by),
        _comments(responses, include_held_back=include_held_back, by=by),
    )
    questions = []
    for group in groups:
        # A session's answers to this question count only if that session's page shows them.
        shown = [session_id for session_id, cell in group.cells.items() if cell.n >= minimum]
        questions.append(
            _result(group, _figures(group, group.tally(shown), minimum=minimum), [c for _s, c in group.comments])
        )
    return TeacherResults(responses=count, is_shown=True, minimum=minimum, questions=questions, sessions=listing)


# --- Surveys -------------------------------------------------------------------------------------


def _band_label(band: str) -> str:
    return YearBand(band).label if band else NO_BAND_LABEL


def survey_results(*, survey: Survey) -> SurveyResults:
    """A survey's results, overall and by year band, under the minimum-N rule: a question's bands
    are shown only when every band with answers reaches N (rule 3 of the module docstring)."""
    minimum = minimum_responses()
    responses = Response.objects.filter(survey=survey)
    per_band = dict(responses.values_list("year_band").annotate(count=Count("pk")).order_by())
    count = sum(per_band.values())
    columns = [*BANDS, *([""] if per_band.get("") else [])]
    band_responses = [(_band_label(band), per_band.get(band, 0)) for band in columns]
    if count < minimum:
        return SurveyResults(responses=count, is_shown=False, minimum=minimum, band_responses=band_responses)
    by = "response__year_band"
    groups = _groups(
        _questions(responses),
        _tallies(responses, by=by),
        _comments(responses, include_held_back=True, by=by),
    )
    questions = []
    for group in groups:
        overall = _figures(group, group.tally(), minimum=minimum)
        result = _result(group, overall, [c for _s, c in group.comments])
        cells = {band: group.cells.get(band, _Tally()) for band in columns}
        result.is_broken_down = overall.is_shown and all(cell.n == 0 or cell.n >= minimum for cell in cells.values())
        result.bands = [
            (
                _band_label(band),
                _figures(group, cell, minimum=minimum) if result.is_broken_down else Figures(n=cell.n, is_shown=False),
            )
            for band, cell in cells.items()
        ]
        questions.append(result)
    return SurveyResults(
        responses=count, is_shown=True, minimum=minimum, questions=questions, band_responses=band_responses
    )


def survey_export(*, survey: Survey) -> tuple[list[str], list[list]]:
    """The survey's anonymous answers for research: a header, then one row per response in the order
    of the responses' random keys. Scales as 1–5, choices as the option's stable value (several
    joined by ";"), free text as written. No rows below N responses; the band is left blank unless
    every band with responses reaches N (see the module docstring)."""
    minimum = minimum_responses()
    questions = list(survey.form.questions.order_by("position"))
    header = [str(_("Year band")), *(f"{question.position}. {question.text}" for question in questions)]
    responses = Response.objects.filter(survey=survey)
    bands = dict(responses.values_list("id", "year_band").order_by())
    per_band = Counter(bands.values())
    if len(bands) < minimum:
        return header, []
    with_band = all(n >= minimum for n in per_band.values())
    cells: dict[tuple, list[str]] = {}
    answers = (
        Answer.objects.filter(response__survey=survey)
        .values_list("response_id", "question_id", "number", "option__value", "text")
        .order_by("option__position", "pk")
    )
    for response_id, question_id, number, option_value, text in answers:
        value = str(number) if number is not None else option_value if option_value is not None else text
        cells.setdefault((response_id, question_id), []).append(value)
    rows = [
        [
            band if with_band else "",
            *(";".join(cells.get((response_id, question.pk), [])) for question in questions),
        ]
        for response_id, band in sorted(bands.items())
    ]
    return header, rows


def survey_status(survey: Survey, *, now=None) -> str:
    """Whether the survey is "upcoming", "open" or "closed" at `now`."""
    now = now or timezone.now()
    if now < survey.opens_at:
        return "upcoming"
    return "open" if now < survey.closes_at else "closed"


SURVEY_STATUS_LABELS = {"upcoming": _("Upcoming"), "open": _("Open"), "closed": _("Closed")}


def surveys_for_committee() -> QuerySet[Survey]:
    """Every survey, latest opening first, with its form, audience and `responses_count`."""
    return (
        Survey.objects.select_related("form")
        .prefetch_related("audience_years")
        .annotate(responses_count=Count("responses"))
        .order_by("-opens_at", "-pk")
    )


# --- Moderation ----------------------------------------------------------------------------------


def comments_for_moderation(*, session_id: int | None = None) -> QuerySet[Answer]:
    """Free-text answers to session feedback, newest sessions first; within a session by the
    answers' random keys (not by arrival)."""
    answers = Answer.objects.filter(question__kind=QuestionKind.TEXT, response__session__isnull=False).exclude(text="")
    if session_id:
        answers = answers.filter(response__session_id=session_id)
    return answers.select_related("question", "response__session").order_by(
        "-response__session__starts_at", "-response__session_id", "pk"
    )


def sessions_with_comments() -> QuerySet[Session]:
    """Sessions whose feedback has written comments, newest first (the moderation filter)."""
    comments = Answer.objects.filter(response__session=OuterRef("pk"), question__kind=QuestionKind.TEXT).exclude(
        text=""
    )
    return Session.objects.filter(Exists(comments)).order_by("-starts_at", "-pk")
