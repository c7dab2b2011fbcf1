"""Reads for registrations."""

import datetime as dt

from django.conf import settings
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from attendance.enums import AttendanceSource, AttendanceStatus, Mode, RegistrationState
from attendance.feedback import feedback_due
from attendance.models import AttendanceChange, RegisterTaken, Registration
from events.enums import SessionStatus
from events.feedback_window import feedback_not_closed
from events.models import Session
from events.permissions import on_roster
from members.academic_year import AcademicYear


def certificate_waits_for_feedback(*, now: dt.datetime | None = None):
    """Whether a registration's certificate of attendance waits for its holder's feedback: with
    FEEDBACK_REQUIRED_FOR_CERTIFICATES, while feedback on the session has not closed
    (`events.feedback_window`) and they have not given it (the feedback app's receipt, read through
    its relation: it says only that they responded). Once feedback has closed it can no longer be
    given, and the certificate is not held back for ever. My sessions and the certificate ask it."""
    if not settings.FEEDBACK_REQUIRED_FOR_CERTIFICATES:
        return Value(False, output_field=BooleanField())
    receipt = Session.objects.filter(pk=OuterRef("session_id"), feedback_receipts__member=OuterRef("member_id"))
    return ExpressionWrapper(
        feedback_not_closed(now=now, prefix="session__") & Q(~Exists(receipt)), output_field=BooleanField()
    )


def registrations_for_member(*, member, now: dt.datetime | None = None) -> QuerySet[Registration]:
    """The member's current registrations and queue places, with their sessions' listing joins,
    `feedback_due` (the feedback app's rule, `attendance.feedback`) and
    `certificate_waits_for_feedback`."""
    now = now or timezone.now()
    return (
        Registration.objects.filter(member=member)
        .exclude(state=RegistrationState.CANCELLED)
        .annotate(
            feedback_due=feedback_due(now=now),
            certificate_waits_for_feedback=certificate_waits_for_feedback(now=now),
        )
        .select_related("session", "session__series", "session__register_taken")
        .prefetch_related("session__target_years", "session__roster__teacher")
        .order_by("session__starts_at", "pk")
    )


def upcoming_registrations_for(*, member, now: dt.datetime | None = None) -> QuerySet[Registration]:
    """The member's places and waiting-list places at sessions that have not ended and are not
    cancelled, soonest first, with each session's roster (which `sees_meeting_link` reads)."""
    now = now or timezone.now()
    return (
        Registration.objects.filter(
            member=member,
            state__in=[RegistrationState.REGISTERED, RegistrationState.WAITLISTED],
            session__ends_at__gt=now,
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session")
        .prefetch_related("session__roster")
        .order_by("session__starts_at", "pk")
    )


def split_by_time(registrations, *, now: dt.datetime | None = None) -> dict[str, list[Registration]]:
    now = now or timezone.now()
    groups = {"upcoming": [], "waitlisted": [], "past": []}
    for registration in registrations:
        if registration.session.ends_at <= now:
            if registration.state == RegistrationState.REGISTERED:
                groups["past"].append(registration)
        elif registration.state == RegistrationState.WAITLISTED:
            groups["waitlisted"].append(registration)
        else:
            groups["upcoming"].append(registration)
    groups["past"].reverse()
    return groups


def register_sheet(*, session) -> QuerySet[Registration]:
    """Everyone with a place at the session (walk-ins included), by name."""
    return (
        Registration.objects.filter(session=session, state=RegistrationState.REGISTERED)
        .select_related("member")
        .order_by("member__last_name", "member__first_name", "pk")
    )


def checked_in_count(*, session) -> int:
    """Members checked in and holding a place: a cancelled row's check-in is not counted."""
    return Registration.objects.filter(
        session=session, state=RegistrationState.REGISTERED, checked_in_at__isnull=False
    ).count()


def waitlist_positions(registrations) -> dict[int, int]:
    """Queue positions for several waitlisted registrations in one query (1 = first in line)."""
    if not registrations:
        return {}
    keys = {(r.session_id, r.mode) for r in registrations}
    queue = (
        Registration.objects.filter(session_id__in={session for session, _ in keys}, state=RegistrationState.WAITLISTED)
        .order_by("session_id", "mode", "queued_at", "pk")
        .values_list("pk", "session_id", "mode")
    )
    positions, counters = {}, {}
    for pk, session_id, mode in queue:
        counters[(session_id, mode)] = counters.get((session_id, mode), 0) + 1
        positions[pk] = counters[(session_id, mode)]
    return {r.pk: positions[r.pk] for r in registrations}


# Attendance as rates count it (the committee's dashboard). `ATTENDED` is the SQL form of
# `AttendanceStatus.attended`; tests check the two agree on every status.
ATTENDED = Q(attendance__in=AttendanceStatus.attended)
# The mode attended, or (for rows written before it was recorded) the mode registered for.
_ONLINE = Q(attended_mode=Mode.ONLINE) | Q(attended_mode="", mode=Mode.ONLINE)
ATTENDED_ONLINE = ATTENDED & _ONLINE
ATTENDED_IN_PERSON = ATTENDED & ~_ONLINE


def attendees_by_session(*, session_ids) -> dict[int, int]:
    """Members who attended (`ATTENDED`) each of the sessions that had any, in one grouped query."""
    return dict(
        Registration.objects.filter(ATTENDED, session_id__in=session_ids)
        .values("session_id")
        .annotate(n=Count("pk"))
        .values_list("session_id", "n")
    )


def attendance_taken() -> Q:
    """A session whose attendance was recorded: its register taken or a report imported."""
    return Q(Exists(RegisterTaken.objects.filter(session=OuterRef("pk")))) | Q(
        Exists(Registration.objects.filter(session=OuterRef("pk"), attendance_source=AttendanceSource.IMPORT))
    )


def sessions_with_attendance(sessions: QuerySet[Session], *, now: dt.datetime) -> QuerySet[Session]:
    """Of `sessions`, those held that have ended with their attendance recorded: the only ones
    an attendance rate reads."""
    return sessions.filter(status__in=SessionStatus.held, ends_at__lte=now).filter(attendance_taken())


def sessions_without_register(*, now: dt.datetime | None = None) -> QuerySet[Session]:
    """Sessions of the current academic year that were held and have ended with no attendance
    recorded (`attendance_taken`): those the committee's dashboard lists as "no register"."""
    now = now or timezone.now()
    year = AcademicYear.containing(timezone.localdate(now))
    starts = timezone.make_aware(dt.datetime.combine(year.starts_on, dt.time()))
    return (
        Session.objects.filter(status__in=SessionStatus.held, starts_at__gte=starts, ends_at__lte=now)
        .exclude(attendance_taken())
        .order_by("starts_at", "pk")
    )


def counted_registrations(sessions: QuerySet[Session], *, now: dt.datetime) -> QuerySet[Registration]:
    """The places an attendance rate counts at `sessions_with_attendance(sessions)`: registered
    (walk-ins included), not excused, and not held by one of the session's own teachers (read
    through the session's roster relation)."""
    teaching = on_roster(member=OuterRef("member_id"), session=OuterRef("session_id"))
    return (
        Registration.objects.filter(
            session__in=sessions_with_attendance(sessions, now=now).values("pk"),
            state=RegistrationState.REGISTERED,
        )
        .exclude(attendance=AttendanceStatus.EXCUSED)
        .exclude(teaching)
    )


def with_attendee_counts(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """`sessions` with `registered_count` (places held: registered, walk-ins included) and
    `attended_count` (of those, present or late), neither counting the session's own teachers;
    one subquery each."""
    teaching = on_roster(member=OuterRef("member_id"), session=OuterRef("session_id"))
    places = (
        Registration.objects.filter(session=OuterRef("pk"), state=RegistrationState.REGISTERED)
        .exclude(teaching)
        .order_by()
        .values("session")
    )
    return sessions.annotate(
        registered_count=Coalesce(Subquery(places.annotate(n=Count("pk")).values("n")[:1]), 0),
        attended_count=Coalesce(Subquery(places.filter(ATTENDED).annotate(n=Count("pk")).values("n")[:1]), 0),
    )


def register_history(*, session: Session) -> QuerySet[AttendanceChange]:
    """Every change to the session's attendance statuses, newest first, with who it was about and
    who made it."""
    return (
        AttendanceChange.objects.filter(registration__session=session)
        .select_related("registration__member", "changed_by")
        .order_by("-changed_at", "-pk")
    )
