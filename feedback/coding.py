"""Thematic coding of free-text answers: the codebook, each coder's codes, agreement between two
coders, the agreed resolutions, and theme counts. Services (writes) and selectors (reads) share
one module because they share the rules below.

Coding. Each coder codes a comment on their own: one `Coding` row per coder and comment, which
saving again replaces. When two coders disagree, a committee member records the agreed codes as
a separate row marked `is_agreed` (its `coder` is whoever resolved it).

Which codes a comment has (theme counts, example quotes, the CSV export):
- where an agreed row exists, exactly its codes;
- otherwise the codes ticked by every coder who coded the comment. A comment coded by a single
  coder therefore has that coder's codes; a code on which coders disagree does not count until the
  disagreement is resolved.
A comment is coded once it has any coding, even one with no code ticked (no code fits it).

Agreement. Over the comments both coders coded, each code is present or absent for each coder;
per code, percent agreement and Cohen's kappa (`cohens_kappa`) come from that 2×2 table, and the
overall figures from the tables of every code added together (pooled kappa).

The order comments are offered in is their random key: it says nothing about when a response came
in (see `feedback.anonymity`), and it mixes sources, which keeps a coder from settling into one
session's comments.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.db.models import Case, Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import Session
from feedback.enums import InterviewRole, QuestionKind
from feedback.models import Answer, Code, Coding, Interview, Theme
from feedback.permissions import sessions_taught_by
from feedback.results.surveys import surveys_showing_bands

# Keyboard shortcuts for the codes on the coding screen, in codebook order.
SHORTCUT_KEYS = "123456789abcdefghijklmnopqrstuvwxyz"
EXAMPLE_QUOTES = 3
_CodeLink = Coding.codes.through  # one row per (coding, code) ticked


class CodingError(Exception):
    """The coding action is refused; the message says why, in words fit for the committee."""


class CommentSource(models.TextChoices):
    """Where a comment came from. Kept here, not in `enums`, as only coding filters by it."""

    SESSIONS = "sessions", gettext_lazy("Feedback after sessions")
    SURVEYS = "surveys", gettext_lazy("Surveys")
    INTERVIEWS = "interviews", gettext_lazy("Interviews")


@dataclass(frozen=True)
class CommentFilters:
    """Which comments a coding screen, theme count or export covers. Bands exist on survey
    responses only, so choosing a band leaves out every session's comments; and it narrows only
    surveys whose bands may be shown (`surveys_showing_bands`)."""

    source: str = ""
    session_id: int | None = None
    band: str = ""
    # The dashboard's period: comments on these sessions or these surveys, and excerpts of these
    # interviews, only (None: any).
    sessions: QuerySet | None = None
    surveys: QuerySet | None = None
    interviews: QuerySet | None = None
    # Who is looking: held-back comments on sessions they teach are left out (`comments`).
    viewer: object = None

    def apply(self, answers: QuerySet[Answer], *, prefix: str = "") -> QuerySet[Answer]:
        """Narrow `answers` (or another queryset that reaches the answer through `prefix`)."""
        if self.sessions is not None or self.surveys is not None or self.interviews is not None:
            within = Q()
            if self.sessions is not None:
                within |= Q(**{f"{prefix}response__session__in": self.sessions.values("pk")})
            if self.surveys is not None:
                within |= Q(**{f"{prefix}response__survey__in": self.surveys.values("pk")})
            if self.interviews is not None:
                within |= Q(**{f"{prefix}response__interview__in": self.interviews.values("pk")})
            answers = answers.filter(within)
        if self.source == CommentSource.SESSIONS:
            answers = answers.filter(**{f"{prefix}response__session__isnull": False})
        elif self.source == CommentSource.SURVEYS:
            answers = answers.filter(**{f"{prefix}response__survey__isnull": False})
        elif self.source == CommentSource.INTERVIEWS:
            answers = answers.filter(**{f"{prefix}response__interview__isnull": False})
        if self.session_id is not None:
            answers = answers.filter(**{f"{prefix}response__session_id": self.session_id})
        if self.viewer is not None:
            # Held back from the teachers of a session the viewer teaches: not theirs to read or count.
            answers = answers.exclude(
                **{f"{prefix}is_held_back": True, f"{prefix}response__session__in": sessions_taught_by(self.viewer)}
            )
        if self.band:
            # A band filters a survey's comments only where its bands may be shown; elsewhere the
            # filter is ignored, so what it leaves out cannot reveal a small band's comments.
            shown = surveys_showing_bands().values("pk")
            survey = f"{prefix}response__survey"
            answers = answers.filter(
                Q(**{f"{survey}__in": shown, f"{prefix}response__year_band": self.band})
                | (Q(**{f"{survey}__isnull": False}) & ~Q(**{f"{survey}__in": shown}))
            )
        return answers


# Selectors: the codebook and the comments to code


def codebook() -> list[Theme]:
    """Every theme with its codes in `theme.codes.all()`, each code carrying its keyboard
    `shortcut` ("" past the 35th). Two queries."""
    themes = list(Theme.objects.prefetch_related(Prefetch("codes", queryset=Code.objects.order_by("position", "name"))))
    keys = iter(SHORTCUT_KEYS)
    for theme in themes:
        for code in theme.codes.all():
            code.shortcut = next(keys, "")
    return themes


def comments(*, viewer=None) -> QuerySet[Answer]:
    """Every written free-text answer released to results, with its question and its source
    joined, and `shown_band`: its year band where the survey's bands may be shown, else "".
    Answers waiting for release are sealed (`feedback.sealing`), so they are not here to offer.

    With a `viewer`, the comments held back from the teachers of a session the viewer teaches are
    left out: a committee member who taught a session reads its feedback as its other teachers
    do, and another committee member codes those comments."""
    answers = (
        Answer.objects.filter(question__kind=QuestionKind.TEXT)
        .exclude(text="")
        .select_related("question", "response__session", "response__survey", "response__interview")
        .annotate(
            shown_band=Case(
                When(response__survey__in=surveys_showing_bands().values("pk"), then=F("response__year_band")),
                default=Value(""),
            )
        )
    )
    if viewer is not None:
        answers = answers.exclude(is_held_back=True, response__session__in=sessions_taught_by(viewer))
    return answers


def _coded_by(coder) -> Exists:
    return Exists(Coding.objects.filter(answer=OuterRef("pk"), coder=coder, is_agreed=False))


def comments_for_coder(*, coder, filters: CommentFilters, only_uncoded: bool = True) -> QuerySet[Answer]:
    """The comments `coder` may code next under `filters`, in the order they are offered; with
    `only_uncoded`, those the coder has not coded yet."""
    answers = filters.apply(comments())
    if only_uncoded:
        answers = answers.filter(~_coded_by(coder))
    return answers.order_by("id")


def next_comment(*, candidates: QuerySet[Answer], after: uuid.UUID | None = None) -> Answer | None:
    """The comment after `after` among `candidates`, wrapping round to the first (a skipped
    comment comes back once the rest are done). One query, two when wrapping."""
    if after is not None:
        following = candidates.filter(id__gt=after).first()
        if following is not None:
            return following
    return candidates.first()


def coding_progress(*, coder, filters: CommentFilters) -> tuple[int, int]:
    """(coded by `coder`, all comments) under `filters`, in one query."""
    totals = filters.apply(comments()).aggregate(total=Count("pk"), coded=Count("pk", filter=_coded_by(coder)))
    return totals["coded"], totals["total"]


def codes_of(*, answer: Answer, coder) -> set[int]:
    """The ids of the codes `coder` ticked for `answer` (never anyone else's)."""
    return set(
        _CodeLink.objects.filter(coding__answer=answer, coding__coder=coder, coding__is_agreed=False).values_list(
            "code_id", flat=True
        )
    )


def sessions_with_comments() -> list[tuple[int, str, object]]:
    """(id, title, starts_at) of every session that has a written comment, latest first."""
    return list(
        Session.objects.filter(Exists(comments().filter(response__session=OuterRef("pk"))))
        .order_by("-starts_at", "pk")
        .values_list("pk", "title", "starts_at")
    )


# Services: coding, resolving, the codebook


def _check_codable(answer: Answer, codes: Iterable[Code]) -> list[Code]:
    if answer.question.kind != QuestionKind.TEXT or not answer.text:
        raise CodingError(_("Only written comments can be coded."))
    return list(codes)


def save_coding(*, answer: Answer, coder, codes: Iterable[Code]) -> Coding:
    """Record `coder`'s own codes for a comment, replacing what they saved before (an empty set
    says no code fits it).

    Locks the coder's row for the comment (`update_or_create` selects it for update), so two saves
    at once leave one row with the later codes; the unique constraint is the backstop. Raises
    CodingError when the answer is not a released written comment. Reads `answer.question` and
    `answer.response`.
    """
    codes = _check_codable(answer, codes)
    with transaction.atomic():
        coding, _created = Coding.objects.update_or_create(answer=answer, coder=coder, is_agreed=False)
        coding.codes.set(codes)
    return coding


def resolve_coding(*, answer: Answer, resolver, codes: Iterable[Code]) -> Coding:
    """Record the codes agreed for a comment, replacing an earlier resolution; `resolver` (a
    committee member) is stored as its coder. Theme counts use these codes from now on.

    Locks the comment's agreed row as `save_coding` does. Raises CodingError when the answer is
    not a released written comment.
    """
    codes = _check_codable(answer, codes)
    with transaction.atomic():
        coding, _created = Coding.objects.update_or_create(answer=answer, is_agreed=True, defaults={"coder": resolver})
        coding.codes.set(codes)
    return coding


def add_theme(*, name: str, description: str = "") -> Theme:
    """Add a theme at the end of the codebook. Raises CodingError when the name is taken."""
    name = name.strip()
    if Theme.objects.filter(name__iexact=name).exists():
        raise CodingError(_("There is already a theme called “%s”.") % name)
    try:
        with transaction.atomic():
            last = Theme.objects.aggregate(last=Max("position"))["last"]
            return Theme.objects.create(name=name, description=description, position=(last or 0) + 1)
    except IntegrityError:  # added by someone else a moment ago
        raise CodingError(_("There is already a theme called “%s”.") % name) from None


def update_theme(*, theme: Theme, name: str, description: str) -> Theme:
    """Change a theme's name and description. Raises CodingError when another theme has the name."""
    name = name.strip()
    if Theme.objects.filter(name__iexact=name).exclude(pk=theme.pk).exists():
        raise CodingError(_("There is already a theme called “%s”.") % name)
    try:
        with transaction.atomic():
            Theme.objects.filter(pk=theme.pk).update(name=name, description=description)
    except IntegrityError:
        raise CodingError(_("There is already a theme called “%s”.") % name) from None
    theme.name, theme.description = name, description
    return theme


def add_code(*, theme: Theme, name: str, description: str = "") -> Code:
    """Add a code at the end of a theme's codes. Raises CodingError when the theme has one of
    that name."""
    name = name.strip()
    if Code.objects.filter(theme=theme, name__iexact=name).exists():
        raise CodingError(_("“%(theme)s” already has a code called “%(name)s”.") % {"theme": theme, "name": name})
    try:
        with transaction.atomic():
            last = Code.objects.filter(theme=theme).aggregate(last=Max("position"))["last"]
            return Code.objects.create(theme=theme, name=name, description=description, position=(last or 0) + 1)
    except IntegrityError:
        raise CodingError(
            _("“%(theme)s” already has a code called “%(name)s”.") % {"theme": theme, "name": name}
        ) from None


def update_code(*, code: Code, name: str, description: str) -> Code:
    """Change a code's name and description; comments coded with it keep it. Raises CodingError
    when its theme has another code of that name."""
    name = name.strip()
    if Code.objects.filter(theme_id=code.theme_id, name__iexact=name).exclude(pk=code.pk).exists():
        raise CodingError(_("Its theme already has a code called “%s”.") % name)
    try:
        with transaction.atomic():
            Code.objects.filter(pk=code.pk).update(name=name, description=description)
    except IntegrityError:
        raise CodingError(_("Its theme already has a code called “%s”.") % name) from None
    code.name, code.description = name, description
    return code


# Agreement


def cohens_kappa(*, both: int, only_a: int, only_b: int, neither: int) -> Fraction | None:
    """Cohen's kappa for one present/absent judgement made by two coders on the same items.

    po is the share of items they agree on; pe the agreement expected by chance from each coder's
    own rate of saying "present": pa·pb + (1 − pa)(1 − pb). kappa = (po − pe) / (1 − pe). When
    pe = 1 (both coders gave the same answer to every item) kappa is undefined: None. Exact
    fractions, so "pe = 1" is tested exactly.
    """
    n = both + only_a + only_b + neither
    if n == 0:
        return None
    observed = Fraction(both + neither, n)
    rate_a, rate_b = Fraction(both + only_a, n), Fraction(both + only_b, n)
    expected = rate_a * rate_b + (1 - rate_a) * (1 - rate_b)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


@dataclass
class AgreementRow:
    """Two coders' 2×2 table for one code (or, with `code` None, every code pooled)."""

    code: Code | None
    both: int = 0
    only_a: int = 0
    only_b: int = 0
    neither: int = 0

    @property
    def n(self) -> int:
        return self.both + self.only_a + self.only_b + self.neither

    @property
    def percent(self) -> float | None:
        return float(Fraction(100 * (self.both + self.neither), self.n)) if self.n else None

    @property
    def kappa(self) -> float | None:
        kappa = cohens_kappa(both=self.both, only_a=self.only_a, only_b=self.only_b, neither=self.neither)
        return None if kappa is None else float(kappa)


@dataclass
class Disagreement:
    answer_id: uuid.UUID
    codes_a: set[int]
    codes_b: set[int]
    agreed: set[int] | None  # None: not resolved yet
    answer: Answer | None = None  # filled for the page shown


@dataclass
class Agreement:
    comments: int = 0
    identical: int = 0
    rows: list[AgreementRow] = field(default_factory=list)
    overall: AgreementRow = field(default_factory=lambda: AgreementRow(code=None))
    disagreements: list[Disagreement] = field(default_factory=list)


def coders() -> list:
    """Members who have coded, with `coded` (their own codings), most first."""
    return list(
        get_user_model()
        .objects.annotate(coded=Count("codings", filter=Q(codings__is_agreed=False)))
        .filter(coded__gt=0)
        .order_by("-coded", "last_name", "first_name", "pk")
    )


def agreement(*, coder_a, coder_b, codes: list[Code]) -> Agreement:
    """How far two coders agree over the comments both coded, per code in `codes` and overall,
    and where their code sets differ (unresolved first), from one query's rows."""
    rows = (
        Coding.objects.filter(Q(coder__in=[coder_a, coder_b], is_agreed=False) | Q(is_agreed=True))
        .filter(answer__in=Coding.objects.filter(coder=coder_a, is_agreed=False).values("answer"))
        .filter(answer__in=Coding.objects.filter(coder=coder_b, is_agreed=False).values("answer"))
        .values_list("answer_id", "coder_id", "is_agreed", "codes")
    )
    own: dict[uuid.UUID, dict[int, set[int]]] = defaultdict(lambda: {coder_a.pk: set(), coder_b.pk: set()})
    agreed: dict[uuid.UUID, set[int]] = {}
    for answer_id, coder_id, is_agreed, code_id in rows:
        codes_of_row = agreed.setdefault(answer_id, set()) if is_agreed else own[answer_id][coder_id]
        if code_id is not None:
            codes_of_row.add(code_id)
    result = Agreement(comments=len(own))
    result.rows = [AgreementRow(code=code) for code in codes]
    for answer_id, by_coder in sorted(own.items()):
        codes_a, codes_b = by_coder[coder_a.pk], by_coder[coder_b.pk]
        if codes_a == codes_b:
            result.identical += 1
        else:
            result.disagreements.append(Disagreement(answer_id, codes_a, codes_b, agreed.get(answer_id)))
        for row in result.rows:
            in_a, in_b = row.code.pk in codes_a, row.code.pk in codes_b
            if in_a and in_b:
                row.both += 1
            elif in_a:
                row.only_a += 1
            elif in_b:
                row.only_b += 1
            else:
                row.neither += 1
    for row in result.rows:
        result.overall.both += row.both
        result.overall.only_a += row.only_a
        result.overall.only_b += row.only_b
        result.overall.neither += row.neither
    result.disagreements.sort(key=lambda d: d.agreed is not None)  # stable: unresolved first, then by key
    return result


def attach_answers(disagreements: list[Disagreement], *, viewer=None) -> None:
    """Fill `answer` (with question and source) on the disagreements about to be shown, None for
    one `viewer` may not read (`comments`); one query."""
    answers = comments(viewer=viewer).in_bulk([d.answer_id for d in disagreements])
    for disagreement in disagreements:
        disagreement.answer = answers.get(disagreement.answer_id)


# Theme counts, examples and the export


def _counted_links() -> QuerySet:
    """Rows of the coding–code table that count under the module's rule. A comment's code can
    appear on several rows (one per coder who ticked it), so count distinct answers."""
    agreed = Coding.objects.filter(answer=OuterRef("coding__answer"), is_agreed=True)
    coder_without_code = Coding.objects.filter(answer=OuterRef("coding__answer"), is_agreed=False).filter(
        ~Exists(_CodeLink.objects.filter(coding=OuterRef("pk"), code=OuterRef(OuterRef("code"))))
    )
    return _CodeLink.objects.filter(
        Q(coding__is_agreed=True) | (Q(coding__is_agreed=False) & ~Exists(agreed) & ~Exists(coder_without_code))
    )


def _count_comments(links: QuerySet, *, group_by: str, excerpts: bool = False) -> Coalesce:
    """Coded comments (or, with `excerpts`, interview excerpts) among `links`, per `group_by`."""
    links = links.filter(coding__answer__response__interview__isnull=not excerpts)
    counted = links.order_by().values(group_by).annotate(n=Count("coding__answer", distinct=True)).values("n")
    return Coalesce(Subquery(counted), 0)


def _count_interviewees(links: QuerySet, *, group_by: str) -> Coalesce:
    """Interviews with at least one excerpt among `links`, per `group_by`."""
    counted = (
        links.filter(coding__answer__response__interview__isnull=False)
        .order_by()
        .values(group_by)
        .annotate(n=Count("coding__answer__response__interview", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def coded_comments(*, filters: CommentFilters) -> QuerySet[Answer]:
    """Comments with at least one coding (any coder's, or an agreed one)."""
    return filters.apply(comments()).filter(Exists(Coding.objects.filter(answer=OuterRef("pk"))))


def _themes_with_examples(filters: CommentFilters, *, value: str) -> QuerySet[Theme]:
    """Themes annotated with `comments` (coded comments with at least one of their codes),
    `excerpts` (coded interview excerpts, likewise), `interviewees` (the interviews those excerpts
    come from) and `example_0`… (the `value` field of up to three such comments or excerpts not
    held back: the first by random key, an arbitrary but stable choice)."""
    links = filters.apply(_counted_links(), prefix="coding__answer__")
    # The example slots reach up two levels: link → comment (the example) → theme. The links are
    # already narrowed by the filters, so the comments need not be narrowed again.
    example = (
        comments()
        .filter(
            is_held_back=False,
            pk__in=links.filter(code__theme=OuterRef(OuterRef("pk"))).values("coding__answer"),
        )
        .order_by("id")
        .values(value)
    )
    per_theme = links.filter(code__theme=OuterRef("pk"))
    return Theme.objects.annotate(
        comments=_count_comments(per_theme, group_by="code__theme"),
        excerpts=_count_comments(per_theme, group_by="code__theme", excerpts=True),
        interviewees=_count_interviewees(per_theme, group_by="code__theme"),
        **{f"example_{n}": Subquery(example[n : n + 1]) for n in range(EXAMPLE_QUOTES)},
    )


def theme_counts(*, filters: CommentFilters) -> tuple[list[Theme], int]:
    """Every theme with `comments`, `excerpts`, `interviewees`, `examples` (up to three comments or
    excerpts not held back, with their sources) and its codes with `comments` and `excerpts`
    each; and the number of coded comments (excerpts apart). Four queries whatever the data."""
    links = filters.apply(_counted_links(), prefix="coding__answer__")
    themes = list(
        _themes_with_examples(filters, value="pk").prefetch_related(
            Prefetch(
                "codes",
                queryset=Code.objects.annotate(
                    comments=_count_comments(links.filter(code=OuterRef("pk")), group_by="code"),
                    excerpts=_count_comments(links.filter(code=OuterRef("pk")), group_by="code", excerpts=True),
                ).order_by("position", "name"),
            )
        )
    )
    wanted = {getattr(theme, f"example_{n}") for theme in themes for n in range(EXAMPLE_QUOTES)} - {None}
    examples = comments().in_bulk(wanted)
    for theme in themes:
        slots = (getattr(theme, f"example_{n}") for n in range(EXAMPLE_QUOTES))
        theme.examples = [examples[pk] for pk in slots if pk in examples]
    return themes, coded_comments(filters=filters).filter(response__interview__isnull=True).count()


def interviews_in(*, filters: CommentFilters) -> QuerySet[Interview]:
    """The interviews whose excerpts `filters` cover: those of its period, or every one; none
    when it narrows to sessions, surveys, a session or a band (which interviews do not have)."""
    if filters.source in (CommentSource.SESSIONS, CommentSource.SURVEYS) or filters.session_id or filters.band:
        return Interview.objects.none()
    return filters.interviews if filters.interviews is not None else Interview.objects.all()


def interview_counts(*, filters: CommentFilters) -> dict[str, int]:
    """How many interviews `filters` covers, in all (`total`) and by the interviewee's role. One query."""
    by_role = dict(interviews_in(filters=filters).order_by().values_list("role").annotate(n=Count("pk")))
    return {"total": sum(by_role.values())} | {role: by_role.get(role, 0) for role in InterviewRole.values}


def theme_summary(*, filters: CommentFilters) -> tuple[list[Theme], dict[str, int]]:
    """Every theme with `comments`, `excerpts`, `interviewees` and `quotes` (the texts of the
    examples `theme_counts` would give); and `interview_counts` for the same filters. One query,
    for the dashboard, which needs neither the codes nor the sources: the interviews are counted
    by role in subqueries beside the themes (the codebook is never empty in practice; without a
    theme there is nothing to show them beside)."""
    interviews = interviews_in(filters=filters).order_by()
    by_role = {
        f"interviewed_{role}": Coalesce(
            Subquery(
                interviews.filter(role=role).values("role").annotate(n=Count("pk")).values("n")[:1],
                output_field=models.IntegerField(),
            ),
            0,
        )
        for role in InterviewRole.values
    }
    themes = list(_themes_with_examples(filters, value="text").annotate(**by_role))
    for theme in themes:
        theme.quotes = [text for n in range(EXAMPLE_QUOTES) if (text := getattr(theme, f"example_{n}")) is not None]
    counts = {role: getattr(themes[0], f"interviewed_{role}") if themes else 0 for role in InterviewRole.values}
    return themes, {"total": sum(counts.values())} | counts


@dataclass(frozen=True)
class CodedComment:
    answer: Answer
    codes: list[Code]  # the codes it has, under the module's rule
    coders: list  # the members who coded it independently
    is_resolved: bool  # whether `codes` are an agreed resolution


def coded_comments_for_export(*, filters: CommentFilters) -> list[CodedComment]:
    """Each coded comment with its codes, coders and whether it was resolved. Four queries."""
    answers = list(coded_comments(filters=filters).order_by("id"))
    counted: dict[uuid.UUID, set[int]] = defaultdict(set)
    for answer_id, code_id in filters.apply(_counted_links(), prefix="coding__answer__").values_list(
        "coding__answer_id", "code_id"
    ):
        counted[answer_id].add(code_id)
    by_answer: dict[uuid.UUID, list] = defaultdict(list)
    resolved: set[uuid.UUID] = set()
    for coding in filters.apply(Coding.objects.select_related("coder"), prefix="answer__").order_by(
        "coder__last_name", "coder__first_name", "coder_id"
    ):
        if coding.is_agreed:
            resolved.add(coding.answer_id)
        else:
            by_answer[coding.answer_id].append(coding.coder)
    codes = list(Code.objects.select_related("theme"))
    return [
        CodedComment(
            answer=answer,
            codes=[code for code in codes if code.pk in counted[answer.pk]],
            coders=by_answer[answer.pk],
            is_resolved=answer.pk in resolved,
        )
        for answer in answers
    ]
