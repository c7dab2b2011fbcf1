"""The committee's metrics for one academic year: one document, read by the dashboard page, its
JSON (`/analytics/metrics.json`) and the `metrics` command, so the three can never disagree.

`for_year` returns plain JSON types only (dicts, lists, str, int, float, None). The top-level
keys are a contract others script against: `academic_year`, `period`, `participants`,
`attendance`, `format`, `teaching`, `feedback`, `survey`, `themes`, `interviews`.

Definitions (docs/metrics.md has them with examples):
- Period: the academic year (ACADEMIC_YEAR_START_MONTH/DAY, 1 August by default) in London time;
  a session belongs to the year of its start. `Filters` narrow the sessions (format, series, topic,
  target year, term dates); the survey and the applications are the year's whatever the filters.
- Participants: distinct members with a registration (registered, not waitlisted or cancelled)
  for a session that was not cancelled, or on the roster of a session that was not cancelled.
  Their year is the highest year of study recorded on those rows in the period; none is `unknown`.
- Attendance: registrations (registered) for held sessions that have ended and have a register
  taken or attendance imported; excused ones are left out, walk-ins count, and a member on the
  session's roster is never its attendee. Attended = `AttendanceStatus.attended`; by the year
  recorded on the registration. Ended held sessions without a register are only counted.
- Format: attended registrations by the mode attended.
- Teaching: members on rosters of sessions not cancelled; completed sessions and their hours;
  motivations ticked on approved applications made in the period.
- Feedback: released responses to the period's sessions; per metric-keyed scale question, n, mean
  and agree_pct (4 or 5) over the sessions whose own results show that question (at least
  FEEDBACK_MIN_RESPONSES answers), or only n where none does.
- Survey: the society survey (on the society survey instrument) opening in the period and closed
  (the latest), under the survey results page's
  own rule (`feedback.results.survey_results`).
- Themes: coded comments on the period's sessions and surveys, per theme, with up to three quotes
  not held back (`feedback.coding.theme_summary`); apart from them, the coded excerpts of the
  academic year's interviews and how many interviewees they come from. Interviews: the year's,
  by the interviewee's role.

Percentages are rounded half up to one decimal; a band's `pct` is its share of the bands it is
compared with (years 1–2 and 3–6 of the two; each year of years 1–6; `unknown` of the total).

Queries: twelve at most, whatever the data (tests assert it); everything is counted in SQL, one
grouped query per section, and Python only adds up the groups.
"""

import datetime as dt
from dataclasses import asdict, dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.text import slugify

from attendance.enums import RegistrationState
from attendance.models import Registration
from attendance.selectors import (
    ATTENDED,
    ATTENDED_IN_PERSON,
    ATTENDED_ONLINE,
    attendance_taken,
    counted_registrations,
)
from events.enums import SessionStatus
from events.models import Session, SessionTargetYear
from feedback.coding import CommentFilters, theme_summary
from feedback.enums import (
    AGREE_VALUES,
    REGULAR_LECTURE_ATTENDANCE,
    SOCIETY_SURVEY_FAMILY,
    MetricKey,
    QuestionKind,
    YearBand,
)
from feedback.models import Answer, Interview, Response, Survey
from feedback.results import mean_of, minimum_responses, survey_results
from members.academic_year import AcademicYear
from teachers.enums import ApplicationStatus
from teachers.models import ApplicationMotivation, RosterEntry

BANDS = tuple(YearBand.values)  # years_1_2, years_3_6
YEARS = tuple(range(1, 7))
# The survey's agreement questions the study reports as what attendees gained.
BENEFITS = (MetricKey.KNOWLEDGE, MetricKey.MOTIVATION, MetricKey.COMMUNITY, MetricKey.CONFIDENCE)


def band_of(year: int) -> str:
    return str(YearBand.for_year(year))


def pct(part: int, whole: int) -> float | None:
    """`part` of `whole` as a percentage, one decimal, rounded half up; None of nothing."""
    if not whole:
        return None
    return float((Decimal(100 * part) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Filters:
    """What the committee narrows the year's sessions to. Term dates are London dates."""

    format: str = ""
    series_id: int | None = None
    topic: str = ""
    target_year: int | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None

    @property
    def is_set(self) -> bool:
        return any(value not in ("", None) for value in asdict(self).values())

    def a_year_earlier(self, *, until: dt.date | None = None) -> "Filters":
        """The same filters for the year before: term dates a year earlier (29 February becomes
        the 28th), and the last day at most `until` (a year earlier too) if given."""

        def earlier(day: dt.date | None) -> dt.date | None:
            if day is None:
                return None
            return day.replace(year=day.year - 1, day=min(day.day, 28 if day.month == 2 else day.day))

        ends_on = earlier(self.ends_on)
        if until is not None:
            ends_on = min(filter(None, (ends_on, earlier(until))))
        return replace(self, starts_on=earlier(self.starts_on), ends_on=ends_on)

    def as_dict(self) -> dict:
        return {
            key: value.isoformat() if isinstance(value, dt.date) else value
            for key, value in asdict(self).items()
            if value not in ("", None)
        }


def _london(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


@dataclass(frozen=True)
class Period:
    year: AcademicYear
    filters: Filters

    @property
    def days(self) -> tuple[dt.date, dt.date]:
        """The first and last London day of the year, narrowed by term dates."""
        first, last = self.year.starts_on, self.year.ends_on
        if self.filters.starts_on:
            first = max(first, self.filters.starts_on)
        if self.filters.ends_on:
            last = min(last, self.filters.ends_on)
        return first, last

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes: London midnight at each end of `days`."""
        first, last = self.days
        return _london(first), _london(last + dt.timedelta(days=1))

    def sessions(self) -> QuerySet[Session]:
        """The period's sessions under the filters, any status."""
        start, end = self.bounds
        sessions = Session.objects.filter(starts_at__gte=start, starts_at__lt=end)
        f = self.filters
        if f.format:
            sessions = sessions.filter(format=f.format)
        if f.series_id:
            sessions = sessions.filter(series_id=f.series_id)
        if f.topic:
            sessions = sessions.filter(topic__iexact=f.topic)
        if f.target_year:
            sessions = sessions.filter(pk__in=SessionTargetYear.objects.filter(year=f.target_year).values("session"))
        return sessions

    def year_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The whole academic year, for what the session filters do not narrow (survey, applications)."""
        return _london(self.year.starts_on), _london(self.year.ends_on + dt.timedelta(days=1))

    def surveys(self) -> QuerySet[Survey]:
        start, end = self.year_bounds()
        return Survey.objects.filter(opens_at__gte=start, opens_at__lt=end)


def for_year(academic_year: AcademicYear, *, filters: Filters | None = None, now: dt.datetime | None = None) -> dict:
    """The metrics document for `academic_year` (see the module docstring). Twelve queries."""
    period = Period(academic_year, filters or Filters())
    now = now or timezone.now()
    sessions = period.sessions()
    participants, teachers = _participants(sessions)
    totals = _session_totals(sessions, now=now)
    # The year's survey is its latest closed one on the society survey instrument: an open survey's
    # answers are sealed until it closes, and a survey on another form (a short pulse check) asks
    # none of the study's questions.
    survey = (
        period.surveys()
        .filter(form__family=SOCIETY_SURVEY_FAMILY, closes_at__lte=now)
        .select_related("form")
        .order_by("-opens_at", "-pk")
        .first()
    )
    return {
        "academic_year": academic_year.label,
        "period": {
            "start": academic_year.starts_on.isoformat(),
            "end": academic_year.ends_on.isoformat(),
            "filters": period.filters.as_dict(),
        },
        "participants": participants,
        **_attendance_and_format(sessions, totals=totals, now=now),
        "teaching": _teaching(period, totals=totals, teachers=teachers),
        "feedback": _feedback(sessions, responses=totals["responses"] or 0),
        "survey": _survey(survey, now=now) if survey else None,
        **_themes(sessions, period),
    }


def _participants(sessions: QuerySet[Session]) -> tuple[dict, int]:
    """Participants by the highest year recorded for each, and how many of them taught. One query:
    the ORM writes the two halves (registrations, roster) and their UNION; the two levels of
    grouping around them (per member, then per year) are the one thing it cannot express."""
    not_cancelled = sessions.exclude(status=SessionStatus.CANCELLED).values("pk")
    places = (
        Registration.objects.filter(session__in=not_cancelled, state=RegistrationState.REGISTERED)
        .annotate(person=F("member_id"), year=Coalesce("year_of_study", 0), teaching=Value(0))
        .values_list("person", "year", "teaching")
        .order_by()
    )
    roster = (
        RosterEntry.objects.filter(session__in=not_cancelled)
        .annotate(person=F("teacher_id"), year=Coalesce("year_of_study", 0), teaching=Value(1))
        .values_list("person", "year", "teaching")
        .order_by()
    )
    rows, params = places.union(roster, all=True).order_by().query.sql_with_params()
    # Only SQL compiled by the ORM is interpolated; every value is a bound parameter.
    sql = (
        "SELECT year, COUNT(*), SUM(teaching) FROM ("  # noqa: S608
        f"SELECT person, MAX(year) AS year, MAX(teaching) AS teaching FROM ({rows}) AS taking_part "
        "GROUP BY person) AS participant GROUP BY year"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counted = {year: (n, teaching) for year, n, teaching in cursor.fetchall()}
    by_year = {year: counted.get(year, (0, 0))[0] for year in YEARS}
    unknown = counted.get(0, (0, 0))[0]
    total = sum(by_year.values()) + unknown
    band_n = {band: sum(n for year, n in by_year.items() if band_of(year) == band) for band in BANDS}
    in_years = sum(by_year.values())
    document = {
        "total": total,
        "bands": {band: {"n": n, "pct": pct(n, in_years)} for band, n in band_n.items()},
        "years": {str(year): {"n": n, "pct": pct(n, in_years)} for year, n in by_year.items()},
        "unknown": {"n": unknown, "pct": pct(unknown, total)},
    }
    return document, sum(int(teaching or 0) for _n, teaching in counted.values())


def _rate(registered: int, attended: int) -> dict:
    return {"registered": registered, "attended": attended, "rate_pct": pct(attended, registered)}


def _formats(online: int, in_person: int) -> dict:
    return {"online": online, "in_person": in_person, "online_pct": pct(online, online + in_person)}


def _session_totals(sessions: QuerySet[Session], *, now: dt.datetime) -> dict:
    """One query over the period's sessions: held sessions that ended with and without their
    attendance recorded, completed sessions and their length, and the released feedback
    responses to held sessions."""
    length = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    released = Response.objects.filter(session=OuterRef("pk")).values("session").annotate(n=Count("*")).values("n")
    ended = Q(status__in=SessionStatus.held, ends_at__lte=now)
    # Both subqueries are annotations: aggregating over annotations wraps the query in another,
    # and a condition written in the aggregate's filter could no longer reach the session row.
    return sessions.annotate(
        released=Coalesce(Subquery(released, output_field=IntegerField()), 0),
        is_recorded=ExpressionWrapper(attendance_taken(), output_field=BooleanField()),
    ).aggregate(
        counted=Count("pk", filter=ended & Q(is_recorded=True)),
        without_register=Count("pk", filter=ended & Q(is_recorded=False)),
        completed=Count("pk", filter=Q(status=SessionStatus.COMPLETED)),
        length=Sum(length, filter=Q(status=SessionStatus.COMPLETED)),
        responses=Sum("released", filter=Q(status__in=SessionStatus.held)),
    )


def _attendance_and_format(sessions: QuerySet[Session], *, totals: dict, now: dt.datetime) -> dict:
    """Attendance and format by year of study and month, in one grouped query."""
    # Counted by the session key, not the primary key, so the covering index answers on its own.
    rows = (
        counted_registrations(sessions, now=now)
        .annotate(month=TruncMonth("session__starts_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
        .values("year_of_study", "month")
        .annotate(
            registered=Count("*"),
            attended=Count("session", filter=ATTENDED),
            online=Count("session", filter=ATTENDED_ONLINE),
            in_person=Count("session", filter=ATTENDED_IN_PERSON),
        )
        .order_by()
    )
    keys = ("registered", "attended", "online", "in_person")
    overall = dict.fromkeys(keys, 0)
    by_year = {year: dict.fromkeys(keys, 0) for year in YEARS}
    by_month: dict[str, dict] = {}
    for row in rows:
        month = timezone.localtime(row["month"]).strftime("%Y-%m") if row["month"] else ""
        for key in keys:
            overall[key] += row[key]
            if row["year_of_study"] in by_year:
                by_year[row["year_of_study"]][key] += row[key]
            by_month.setdefault(month, dict.fromkeys(keys, 0))[key] += row[key]
    by_band = {
        band: {key: sum(by_year[year][key] for year in YEARS if band_of(year) == band) for key in keys}
        for band in BANDS
    }
    return {
        "attendance": {
            "overall": _rate(overall["registered"], overall["attended"]),
            "bands": {band: _rate(c["registered"], c["attended"]) for band, c in by_band.items()},
            "years": {str(year): _rate(c["registered"], c["attended"]) for year, c in by_year.items()},
            "unknown": _rate(
                overall["registered"] - sum(c["registered"] for c in by_year.values()),
                overall["attended"] - sum(c["attended"] for c in by_year.values()),
            ),
            "months": {month: _rate(c["registered"], c["attended"]) for month, c in sorted(by_month.items())},
            "sessions_counted": totals["counted"],
            "sessions_without_register": totals["without_register"],
        },
        "format": {
            "overall": _formats(overall["online"], overall["in_person"]),
            "bands": {band: _formats(c["online"], c["in_person"]) for band, c in by_band.items()},
        },
    }


def _teaching(period: Period, *, totals: dict, teachers: int) -> dict:
    """Teachers (counted with the participants), completed sessions and hours (from the session
    totals), and the motivations on approved applications made in the year: one grouped query."""
    start, end = period.year_bounds()
    motivations = dict(
        ApplicationMotivation.objects.filter(
            application__status=ApplicationStatus.APPROVED,
            application__created_at__gte=start,
            application__created_at__lt=end,
        )
        .values_list("motivation")
        .annotate(n=Count("pk"))
        .order_by()
    )
    hours = Decimal((totals["length"] or dt.timedelta()).total_seconds()) / 3600
    return {
        "teachers": teachers,
        "sessions": totals["completed"],
        "hours": float(hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
        "motivations": {key: motivations[key] for key in sorted(motivations, key=lambda k: (-motivations[k], k))},
    }


def _feedback(sessions: QuerySet[Session], *, responses: int) -> dict:
    """Per metric-keyed scale question, over the released responses to the period's held
    sessions: one query grouped by session and metric. As in a teacher's results across their
    sessions (`feedback.results`, rule 3), a session's answers to a question count only where
    that session's own results show them (the minimum number of answers); otherwise two
    overlapping filters could be subtracted to reveal a small group's answers. A scale question
    has one answer per response, so counting answers counts people."""
    minimum = minimum_responses()
    rows = (
        Answer.objects.filter(
            response__session__in=sessions.filter(status__in=SessionStatus.held).values("pk"),
            question__kind__in=(QuestionKind.LIKERT, QuestionKind.RATING),
            number__isnull=False,
        )
        .exclude(question__metric_key="")
        .values("response__session_id", "question__metric_key")
        .annotate(n=Count("pk"), total=Sum("number"), agreeing=Count("pk", filter=Q(number__in=AGREE_VALUES)))
        .order_by()
    )
    answered: dict[str, int] = {}  # everyone who answered, shown or not
    shown: dict[str, list[int]] = {}  # [n, total, agreeing] over the sessions that show it
    for row in rows:
        key = row["question__metric_key"]
        answered[key] = answered.get(key, 0) + row["n"]
        if row["n"] >= minimum:
            counted = shown.setdefault(key, [0, 0, 0])
            counted[0] += row["n"]
            counted[1] += row["total"]
            counted[2] += row["agreeing"]
    metrics = {}
    for key in (key for key in MetricKey.values if key in answered):
        if key not in shown:
            metrics[key] = _suppressed(answered[key])
            continue
        n, total, agreeing = shown[key]
        metrics[key] = {"n": n, "mean": float(mean_of(total, n)), "agree_pct": pct(agreeing, n)}
    return {"responses": responses, "minimum": minimum, "metrics": metrics}


def _suppressed(n: int) -> dict:
    return {"n": n, "suppressed": True}


def _survey(survey: Survey, *, now: dt.datetime) -> dict:
    """The survey's figures as its results page shows them, read from `survey_results` so the
    page and the document share one suppression rule: a question below the minimum shows its n
    only, and its bands only when every band with answers reaches the minimum. Five queries."""
    results = survey_results(survey=survey, with_comments=False, now=now)
    bands_n = {band: results.band_counts.get(band, 0) for band in BANDS}
    in_bands = sum(bands_n.values())
    document = {
        "id": survey.pk,
        "title": survey.title,
        "opens_on": timezone.localdate(survey.opens_at).isoformat(),
        "closes_on": timezone.localdate(survey.closes_at).isoformat(),
        "minimum": results.minimum,
        "is_shown": results.is_shown,
        "respondents": {
            "total": sum(results.band_counts.values()),
            "bands": {band: {"n": n, "pct": pct(n, in_bands)} for band, n in bands_n.items()},
            "unknown": {"n": results.band_counts.get("", 0)},
        },
        "lecture_attendance": None,
        "format_preference": None,
        "benefits": {},
        "teaching_motivations": None,
        "roles": None,
        # The words of each choice, by metric key then stable value, as the survey's form puts them.
        "labels": {
            question.metric_key: {str(bar.value): bar.label for bar in question.figures.bars}
            for question in results.questions
            if question.metric_key and question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
        },
    }
    questions = {question.metric_key: question for question in results.questions if question.metric_key}

    def by_band(question) -> dict:
        return dict(zip(results.band_counts, (figures for _label, figures in question.bands), strict=True))

    if question := questions.get(MetricKey.LECTURE_ATTENDANCE):

        def regular(figures) -> dict:
            if not figures.is_shown:
                return _suppressed(figures.n)
            n = sum(bar.count for bar in figures.bars if bar.value in REGULAR_LECTURE_ATTENDANCE)
            return {"n": figures.n, "regular": n, "pct": pct(n, figures.n)}

        bands = by_band(question)
        document["lecture_attendance"] = {
            "overall": regular(question.figures),
            "bands": {band: regular(bands[band]) for band in BANDS if band in bands},
        }
    if question := questions.get(MetricKey.FORMAT_PREFERENCE):

        def choices(figures) -> dict:
            if not figures.is_shown:
                return _suppressed(figures.n)
            return {"n": figures.n, **{str(bar.value): {"n": bar.count, "pct": float(bar.pct)} for bar in figures.bars}}

        bands = by_band(question)
        document["format_preference"] = {
            "overall": choices(question.figures),
            "bands": {band: choices(bands[band]) for band in BANDS if band in bands},
        }
    for key in BENEFITS:
        if question := questions.get(key):
            figures = question.figures
            document["benefits"][key.value] = (
                {"n": figures.n, "agree_pct": float(figures.agree_pct) if figures.agree_pct is not None else None}
                if figures.is_shown
                else _suppressed(figures.n)
            )
    if question := questions.get(MetricKey.TEACHING_MOTIVATIONS):
        figures = question.figures
        document["teaching_motivations"] = (
            {str(bar.value): {"n": bar.count, "pct": float(bar.pct)} for bar in figures.bars}
            if figures.is_shown
            else _suppressed(figures.n)
        )
    if question := questions.get(MetricKey.SOCIETY_ROLE):
        figures = question.figures
        document["roles"] = (
            {str(bar.value): bar.count for bar in figures.bars} if figures.is_shown else _suppressed(figures.n)
        )
    return document


def _themes(sessions: QuerySet[Session], period: Period) -> dict:
    """Coded comments on the period's sessions and surveys, and coded excerpts of the year's
    interviews, per theme; and the interviews by the interviewee's role. One query."""
    interviews = Interview.objects.filter(academic_year=period.year.label)
    filters = CommentFilters(sessions=sessions, surveys=period.surveys(), interviews=interviews)
    themes, interviewed = theme_summary(filters=filters)
    return {
        "themes": [
            {
                "key": slugify(theme.name),
                "name": theme.name,
                "comments": theme.comments,
                "quotes": theme.quotes,
                "excerpts": theme.excerpts,
                "interviewees": theme.interviewees,
            }
            for theme in themes
        ],
        "interviews": interviewed,
    }
