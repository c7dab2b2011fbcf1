"""Reads the dashboard needs beside the metrics document: the years there is data for, the
choices of its filters, and the sessions table."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from analytics.metrics import Period, pct
from attendance.enums import RegistrationState
from attendance.models import Registration
from attendance.selectors import ATTENDED, ATTENDED_ONLINE, counted_registrations, sessions_with_attendance
from events.enums import SessionStatus
from events.models import Series, Session
from feedback.enums import MetricKey
from feedback.models import Response, Survey
from feedback.results import mean_of, minimum_responses
from members.academic_year import AcademicYear


def years_with_data() -> list[AcademicYear]:
    """Every academic year from the first session or survey to the current year (or the last
    session, if later), latest first. Two queries."""
    sessions = Session.objects.aggregate(first=Min("starts_at"), last=Max("starts_at"))
    surveys = Survey.objects.aggregate(first=Min("opens_at"), last=Max("opens_at"))
    current = AcademicYear.current()
    starts = [AcademicYear.containing(timezone.localdate(when)) for when in sessions.values() if when] + [
        AcademicYear.containing(timezone.localdate(when)) for when in surveys.values() if when
    ]
    first = min([*starts, current])
    last = max([*starts, current])
    return [AcademicYear(year) for year in range(last.start_year, first.start_year - 1, -1)]


def series_choices() -> QuerySet[Series]:
    return Series.objects.order_by("title")


def topic_choices() -> list[str]:
    """Every topic sessions have, once each, in alphabetical order."""
    return list(Session.objects.exclude(topic="").order_by("topic").values_list("topic", flat=True).distinct())


@dataclass
class SessionRow:
    """One session of the year with its attendance and feedback, for the dashboard's table."""

    session: Session
    places: int  # registered places (not waitlisted or cancelled), register or not
    is_recorded: bool  # attendance recorded (register taken or a report imported)
    registered: int  # the registrations the rate counts
    attended: int
    online: int
    in_person: int
    responses: int  # released feedback responses
    overall_mean: float | None  # mean of the overall rating; None below the minimum

    @property
    def rate_pct(self) -> float | None:
        return pct(self.attended, self.registered) if self.is_recorded else None

    @property
    def feedback_shown(self) -> bool:
        return self.responses >= minimum_responses()


SORTS = {
    "date": lambda row: (row.session.starts_at, row.session.pk),
    "title": lambda row: (row.session.title.casefold(), row.session.pk),
    "registered": lambda row: (row.places, row.session.starts_at),
    "attended": lambda row: (row.attended if row.is_recorded else -1, row.session.starts_at),
    "rate": lambda row: (row.rate_pct if row.rate_pct is not None else -1, row.session.starts_at),
    "feedback": lambda row: (row.overall_mean if row.overall_mean is not None else -1, row.responses),
}


def sessions_table(period: Period, *, now: dt.datetime | None = None, sort: str = "date") -> list[SessionRow]:
    """The period's held sessions (published or completed) with their figures, sorted by `sort`
    (a key of SORTS, "-" first for descending). Six queries whatever the number of sessions:
    the sessions, their target years, those with attendance recorded, and one grouped query
    each for places, attendance and feedback."""
    now = now or timezone.now()
    sessions = period.sessions().filter(status__in=SessionStatus.held)
    listed = list(sessions.prefetch_related("target_years").order_by("starts_at", "pk"))
    recorded = set(sessions_with_attendance(sessions, now=now).values_list("pk", flat=True))
    ids = sessions.values("pk")
    places = dict(
        Registration.objects.filter(session__in=ids, state=RegistrationState.REGISTERED)
        .values_list("session_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counted = {
        row["session_id"]: row
        for row in counted_registrations(sessions, now=now)
        .values("session_id")
        .annotate(
            registered=Count("pk"),
            attended=Count("pk", filter=ATTENDED),
            online=Count("pk", filter=ATTENDED_ONLINE),
        )
        .order_by()
    }
    feedback = _feedback_by_session(ids)
    rows = []
    for session in listed:
        figures = counted.get(session.pk, {})
        responses, mean = feedback.get(session.pk, (0, None))
        rows.append(
            SessionRow(
                session=session,
                places=places.get(session.pk, 0),
                is_recorded=session.pk in recorded,
                registered=figures.get("registered", 0),
                attended=figures.get("attended", 0),
                online=figures.get("online", 0),
                in_person=figures.get("attended", 0) - figures.get("online", 0),
                responses=responses,
                overall_mean=mean,
            )
        )
    key = sort.removeprefix("-")
    rows.sort(key=SORTS.get(key, SORTS["date"]), reverse=sort.startswith("-"))
    return rows


def _feedback_by_session(ids: QuerySet) -> dict[int, tuple[int, float | None]]:
    """Released responses per session, with the mean overall rating (rounded half up, as on the
    session's results page) where at least the minimum number answered it: one grouped query."""
    minimum = minimum_responses()
    released = Response.objects.filter(session__in=ids)
    overall = Q(answers__question__metric_key=MetricKey.OVERALL, answers__number__isnull=False)
    found = {}
    for row in (
        released.values("session_id")
        .annotate(
            n=Count("pk", distinct=True),
            answered=Count("answers", filter=overall),
            total=Sum("answers__number", filter=overall),
        )
        .order_by()
    ):
        mean = None
        if row["answered"] >= minimum:
            mean = float(mean_of(row["total"], row["answered"]))
        found[row["session_id"]] = (row["n"], mean)
    return found
