"""A survey's results by year band, its research export, and the committee's list of surveys
(see `feedback.results` for the rules)."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.enums import MetricKey, QuestionKind, SurveyStatus, YearBand
from feedback.models import Answer, PendingResponse, Response, Survey
from feedback.results.counting import (
    Figures,
    Results,
    Tally,
    comments_in,
    figures_for,
    groups_of,
    may_break_down,
    minimum_responses,
    questions_answered,
    responses_counted,
    result_for,
    tallies,
)

# The columns of a survey's breakdown; "" holds responses whose year of study was not recorded.
BANDS = (YearBand.YEARS_1_2, YearBand.YEARS_3_6)
NO_BAND_LABEL = _("Year not recorded")


@dataclass
class SurveyResults(Results):
    # (label, responses) per band column.
    band_responses: list[tuple[str, int]] = field(default_factory=list)
    # Released responses per band value ("" for a year not recorded), for the dashboard.
    band_counts: dict[str, int] = field(default_factory=dict)
    # While a survey is open only how many have answered is shown (overall and by band).
    is_open: bool = False


def _band_label(band: str) -> str:
    return YearBand(band).label if band else NO_BAND_LABEL


def survey_results(*, survey: Survey, with_comments: bool = True, now=None) -> SurveyResults:
    """A survey's results, overall and by year band, under the minimum-N rule: a question's bands
    are shown only when every band with answers reaches N (rule 3 of the module docstring).

    While the survey is open only how many have answered is given, overall and by band: its
    answers are sealed until it closes, and released then all at once (`services.release_survey`:
    beat within minutes of the close, or the survey's pages first), so every response counts and
    nothing can be compared before and after. Six queries; five without the comments (the
    dashboard reads figures only)."""
    minimum = minimum_responses()
    responses = Response.objects.filter(survey=survey)
    if survey_status(survey, now=now) != SurveyStatus.CLOSED:
        # Only the number of people is shown while answers come in, by band too: a band's count
        # says nothing about what anyone answered.
        answered = Counter()
        for model in (Response, PendingResponse):
            rows = model.objects.filter(survey=survey).values_list("year_band").annotate(n=Count("pk")).order_by()
            answered.update(dict(rows))
        columns = [*BANDS, *([""] if answered.get("") else [])]
        return SurveyResults(
            responses=sum(answered.values()),
            is_shown=False,
            minimum=minimum,
            band_responses=[(_band_label(band), answered.get(band, 0)) for band in columns],
            is_open=True,
        )
    released = Counter(dict(responses.values_list("year_band").annotate(n=Count("pk")).order_by()))
    count = sum(released.values())
    columns = [*BANDS, *([""] if released.get("") else [])]
    band_responses = [(_band_label(band), released.get(band, 0)) for band in columns] if count else []
    band_counts = {band: released.get(band, 0) for band in columns}
    if count < minimum:
        return SurveyResults(
            responses=count, is_shown=False, minimum=minimum, band_responses=band_responses, band_counts=band_counts
        )
    by = "response__year_band"
    groups = groups_of(
        questions_answered(responses),
        tallies(responses, by=by),
        comments_in(responses, include_held_back=True, by=by) if with_comments else [],
    )
    questions = []
    for group in groups:
        overall = figures_for(group, group.tally(), minimum=minimum)
        result = result_for(group, overall, [c for _s, c in group.comments])
        cells = {band: group.cells.get(band, Tally()) for band in columns}
        result.is_broken_down = overall.is_shown and may_break_down(
            (cell.n for cell in cells.values()), minimum=minimum
        )
        result.bands = [
            (
                _band_label(band),
                figures_for(group, cell, minimum=minimum)
                if result.is_broken_down
                else Figures(n=cell.n, is_shown=False),
            )
            for band, cell in cells.items()
        ]
        questions.append(result)
    return SurveyResults(
        responses=count,
        is_shown=True,
        minimum=minimum,
        questions=questions,
        band_responses=band_responses,
        band_counts=band_counts,
    )


def surveys_showing_bands() -> QuerySet[Survey]:
    """Surveys whose comments may be shown, filtered or exported with their year band: every band
    with released responses (the group whose year was not recorded included) reaches N. Elsewhere
    a band beside a comment could single out the one member of a small band."""
    small_bands = (
        Response.objects.filter(survey__isnull=False)
        .values("survey_id", "year_band")
        .annotate(n=Count("pk"))
        .filter(n__lt=minimum_responses())
        .values("survey_id")
    )
    return Survey.objects.exclude(pk__in=small_bands)


def survey_export(*, survey: Survey) -> tuple[list[str], list[list]]:
    """The survey's anonymous released answers for research: a header, then one row per response in
    the order of the responses' random keys. Scales as 1–5, choices as the option's stable value
    (several joined by ";"). Free text is left out (see `survey_comments_export`): a comment is
    often unique, and beside the other answers it would be a key to join them on. No rows below N
    responses; the band is written only when every band × role-in-society group and every band ×
    "answered the questions for teachers" group with responses reaches N — otherwise it is left
    blank on every row, since a band narrowed by the other columns could single someone out.
    Nothing while the survey is open."""
    minimum = minimum_responses()
    every_question = list(survey.form.questions.order_by("position"))
    questions = [question for question in every_question if question.kind != QuestionKind.TEXT]
    header = [str(_("Year band")), *(f"{question.position}. {question.text}" for question in questions)]
    if survey_status(survey) != SurveyStatus.CLOSED:
        return header, []  # nothing is read from a survey until it closes
    responses = Response.objects.filter(survey=survey)
    bands = dict(responses.values_list("id", "year_band").order_by())
    if len(bands) < minimum:
        return header, []
    role = next((q.pk for q in every_question if q.metric_key == MetricKey.SOCIETY_ROLE), None)
    for_teachers = {question.pk for question in every_question if question.is_for_teachers_only}
    cells: dict[tuple, list[str]] = {}
    teaching: set = set()  # responses that answered a question for teachers, in words too
    answers = (
        Answer.objects.filter(response__in=responses)
        .exclude(question__kind=QuestionKind.TEXT, text="")
        .values_list("response_id", "question_id", "number", "option__value")
        .order_by("option__position", "pk")
    )
    for response_id, question_id, number, option_value in answers:
        if question_id in for_teachers:
            teaching.add(response_id)
        if number is not None or option_value is not None:
            value = str(number) if number is not None else option_value
            cells.setdefault((response_id, question_id), []).append(value)
    # As on the results page: a question answered by fewer than N is not shown (its cells stay
    # empty and its heading says why), and the band is written only where every question written
    # could be shown by band there.
    answered = Counter(question_id for _response_id, question_id in cells)
    answered_by_band = Counter((bands[response_id], question_id) for response_id, question_id in cells)
    shown = [question for question in questions if answered[question.pk] >= minimum]
    for index, question in enumerate(questions, 1):
        if question not in shown:
            header[index] += " " + str(
                _("(not exported: %(n)s answered, fewer than %(minimum)s)")
                % {"n": answered[question.pk], "minimum": minimum}
            )
    band_values = set(bands.values())
    by_role = Counter((band, tuple(cells.get((pk, role), []))) for pk, band in bands.items())
    by_teaching = Counter((band, pk in teaching) for pk, band in bands.items())
    with_band = all(n >= minimum for n in [*by_role.values(), *by_teaching.values()]) and all(
        may_break_down((answered_by_band[(band, question.pk)] for band in band_values), minimum=minimum)
        for question in shown
    )
    rows = [
        [
            band if with_band else "",
            *(
                ";".join(cells.get((response_id, question.pk), [])) if question in shown else ""
                for question in questions
            ),
        ]
        for response_id, band in sorted(bands.items())
    ]
    return header, rows


def survey_comments_export(*, survey: Survey) -> tuple[list[str], list[list]]:
    """The survey's released written answers for research, apart from the other answers: each
    comment with its question only, grouped by question and within it in the order of the
    answers' random keys — no band, no response key, nothing to join it to a row of
    `survey_export`. No rows below N responses, nor while the survey is open."""
    header = [str(_("Question")), str(_("Comment"))]
    responses = Response.objects.filter(survey=survey)
    if survey_status(survey) != SurveyStatus.CLOSED or responses.count() < minimum_responses():
        return header, []
    comments = (
        Answer.objects.filter(response__in=responses, question__kind=QuestionKind.TEXT)
        .exclude(text="")
        .order_by("question__position", "pk")
        .values_list("question__position", "question__text", "text")
    )
    return header, [[f"{position}. {question}", text] for position, question, text in comments]


def survey_status(survey: Survey, *, now=None) -> SurveyStatus:
    """Whether the survey is upcoming, open or closed at `now`."""
    now = now or timezone.now()
    if now < survey.opens_at:
        return SurveyStatus.UPCOMING
    return SurveyStatus.OPEN if now < survey.closes_at else SurveyStatus.CLOSED


def surveys_for_committee() -> QuerySet[Survey]:
    """Every survey, latest opening first, with its form, audience and `responses_count` (released
    or still sealed: everyone who has answered)."""
    return (
        Survey.objects.select_related("form")
        .prefetch_related("audience_years")
        .annotate(responses_count=responses_counted(survey=OuterRef("pk")))
        .order_by("-opens_at", "-pk")
    )
