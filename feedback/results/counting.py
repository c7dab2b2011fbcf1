"""The counting behind every results page: figures per question grouped in SQL, and the
dataclasses the pages read. The rules that decide what may be shown are in `feedback.results`."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, IntegerField, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from feedback.enums import AGREE_VALUES, SCALE_VALUES, QuestionKind, scale_labels
from feedback.models import Answer, PendingResponse, Question, Response


def minimum_responses() -> int:
    return settings.FEEDBACK_MIN_RESPONSES


def may_break_down(band_counts: Iterable[int], *, minimum: int) -> bool:
    """Whether a figure may be shown by year band: every band with answers reaches the minimum
    (rule 3 of `feedback.results`; otherwise the overall figure minus one band gives another)."""
    return all(n == 0 or n >= minimum for n in band_counts)


def mean_of(total: int, n: int) -> Decimal:
    """A mean on the 1–5 scales as every page shows it: two decimals, rounded half up."""
    return (Decimal(total) / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


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
    # The session it was written about, in a teacher's results across sessions (None elsewhere).
    session_id: int | None = None


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
    # A teacher's results: each counted session's own figures, as that session's page shows them.
    by_session: dict[int, Figures] = field(default_factory=dict)

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
    # Responses given but not yet released to results (fewer than `minimum`); counted, never shown.
    pending: int = 0


@dataclass
class Tally:
    """What was counted for a question in one stratum (or several added up)."""

    n: int = 0
    total: int = 0
    agreeing: int = 0
    counts: Counter = field(default_factory=Counter)

    def add(self, other: "Tally") -> None:
        self.n += other.n
        self.total += other.total
        self.agreeing += other.agreeing
        self.counts.update(other.counts)


def _answered(responses: QuerySet[Response]) -> QuerySet[Answer]:
    # An optional question left blank should have no row; an empty one is not counted either way.
    return Answer.objects.filter(response__in=responses).filter(
        Q(number__isnull=False) | Q(option__isnull=False) | ~Q(text="")
    )


def tallies(responses: QuerySet[Response], *, by: str | None) -> dict[tuple[int, object], Tally]:
    """Per (question id, stratum): people answering, sum of scale values, agreeing, and counts per
    value — two grouped queries. The stratum is the `by` field of the response (or None)."""
    strata = [by] if by else []
    found: dict[tuple[int, object], Tally] = {}
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
        found[key] = Tally(n=row["n"], total=row["total"] or 0, agreeing=row["agreeing"])
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
        found[key].counts[value] += row["count"]
    return found


def questions_answered(responses: QuerySet[Response]) -> list[Question]:
    """The questions of every form version answered in `responses`, the newest version first."""
    return list(
        Question.objects.filter(form_id__in=responses.values("form_id"))
        .select_related("form")
        .prefetch_related("options")
        .order_by("-form__is_current", "-form_id", "position")
    )


def comments_in(
    responses: QuerySet[Response], *, include_held_back: bool, by: str | None = None
) -> list[tuple[int, object, Comment]]:
    """Written answers as (question id, stratum, comment), held-back ones only if asked for."""
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
class Group:
    """The questions reported as one, with what was counted per stratum (a session, a band)."""

    questions: list[Question]
    cells: dict[object, Tally] = field(default_factory=dict)
    comments: list[tuple[object, Comment]] = field(default_factory=list)

    @property
    def first(self) -> Question:
        return self.questions[0]

    def tally(self, strata: Iterable[object] | None = None) -> Tally:
        total = Tally()
        for stratum, cell in self.cells.items():
            if strata is None or stratum in strata:
                total.add(cell)
        return total


def groups_of(
    questions: list[Question],
    counted: dict[tuple[int, object], Tally],
    comments: list[tuple[int, object, Comment]],
) -> list[Group]:
    """The questions grouped as they are reported, in the newest form's order, with their
    tallies and comments per stratum."""
    groups: dict[tuple, Group] = {}
    group_of: dict[int, Group] = {}
    for question in questions:
        group = groups.setdefault(_group_key(question), Group(questions=[]))
        group.questions.append(question)
        group_of[question.pk] = group
    for (question_id, stratum), cell in counted.items():
        group_of[question_id].cells.setdefault(stratum, Tally()).add(cell)
    for question_id, stratum, comment in comments:
        group_of[question_id].comments.append((stratum, comment))
    return list(groups.values())


def _bars(group: Group, tally: Tally) -> tuple[Bar, ...]:
    kind = group.first.kind
    if QuestionKind(kind).is_scale:
        labels = scale_labels(kind=kind, metric_key=group.first.metric_key)
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


def figures_for(group: Group, tally: Tally, *, minimum: int) -> Figures:
    if tally.n < minimum or group.first.kind == QuestionKind.TEXT:
        return Figures(n=tally.n, is_shown=tally.n >= minimum)
    kind = QuestionKind(group.first.kind)
    return Figures(
        n=tally.n,
        is_shown=True,
        bars=_bars(group, tally),
        mean=mean_of(tally.total, tally.n) if kind.is_scale else None,
        agree_pct=_pct(tally.agreeing, tally.n) if kind == QuestionKind.LIKERT else None,
    )


def result_for(group: Group, figures: Figures, comments: list[Comment]) -> QuestionResult:
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


def rows_counted(model, **filters) -> Coalesce:
    """How many rows of `model` match `filters` (one lookup, usually an OuterRef), as a subquery
    to annotate with: 0 where none."""
    (lookup,) = filters
    rows = model.objects.filter(**filters).order_by().values(lookup).annotate(n=Count("*")).values("n")[:1]
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def responses_counted(**filters):
    """Responses matching `filters`, released or still sealed: everyone who has answered."""
    return rows_counted(Response, **filters) + rows_counted(PendingResponse, **filters)
