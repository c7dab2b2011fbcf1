"""Messages that fall due with time: reminders before a session, the teachers' details check and
“take the register”, and the committee's weekly digest.

Each function looks at a window around now and writes the messages due in it through
`notify_many`, so running it twice, or late after an outage, writes nothing twice: the
occurrence of each message names the moment it belongs to (e.g. the 24-hour reminder for the
session's current start time). A message whose moment passed while nothing ran is still written
as long as it makes sense (a reminder before the session starts, not after).
"""

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.utils import timezone

from attendance.enums import RegistrationState
from attendance.models import Registration
from events.enums import SessionStatus
from events.models import Session
from members.enums import Role
from members.models import Member
from notifications.enums import MessageKind
from notifications.services import moment, notify_many

DETAILS_CHECK_BEFORE = dt.timedelta(days=2)
DIGEST_WEEKDAY, DIGEST_HOUR = 0, 8  # Monday, 08:00 London time


def reminder_window(hours: int) -> tuple[dt.timedelta, dt.timedelta]:
    """How long before a session's start its reminder of this lead time is due: more than the
    first, at most the second (the lead). The window closes halfway to the next shorter lead in
    REMINDER_HOURS_BEFORE (at the start, for the shortest): nearer than that, the next reminder is
    the nearer one and replaces it. So a sweep that was down and first sees a session 1 h 2 min
    ahead writes nothing then and the 1-hour reminder two minutes later, not both; one that first
    sees it 13 hours ahead still writes the 24-hour one. The sweep's filter and
    `reminder_replaced` both read this."""
    lead = dt.timedelta(hours=hours)
    shorter = [h for h in settings.REMINDER_HOURS_BEFORE if h < hours]
    return ((lead + dt.timedelta(hours=max(shorter))) / 2 if shorter else dt.timedelta(0)), lead


def reminder_replaced(*, hours: int, until_start: dt.timedelta) -> bool:
    """Whether a reminder of this lead is no longer wanted because the session is now nearer the
    next reminder's moment (asked when it is sent, possibly late after a mail server outage)."""
    return until_start <= reminder_window(hours)[0]


def session_reminders(*, now: dt.datetime) -> int:
    """For each lead time (REMINDER_HOURS_BEFORE): registrants of published sessions inside its
    `reminder_window`, who registered before the reminder's moment (a later registrant has just
    had a confirmation). The windows do not overlap, so a session moved close, or a sweep that was
    down, gives the nearest reminder alone. One insert per session and lead time."""
    written = 0
    for hours in sorted(set(settings.REMINDER_HOURS_BEFORE)):
        replaced_within, lead = reminder_window(hours)
        registrations = Registration.objects.filter(
            state=RegistrationState.REGISTERED,
            session__status=SessionStatus.PUBLISHED,
            session__starts_at__gt=now + replaced_within,
            session__starts_at__lte=now + lead,
        ).values_list("session_id", "member_id", "session__starts_at", "queued_at", "promoted_at")
        due = defaultdict(list)
        for session_id, member_id, starts_at, queued_at, promoted_at in registrations:
            if (promoted_at or queued_at) <= starts_at - lead:
                due[session_id, starts_at].append(member_id)
        for (session_id, starts_at), members in due.items():
            written += notify_many(
                kind=MessageKind.SESSION_REMINDER,
                recipients=members,
                subject=Session(pk=session_id),
                occurrence=f"{hours}h-{moment(starts_at)}",
                context={"hours": hours},
            )
    return written


def details_checks(*, now: dt.datetime) -> int:
    """Teachers of a published session are asked to check its details two days before."""
    sessions = Session.objects.filter(
        status=SessionStatus.PUBLISHED, starts_at__gt=now, starts_at__lte=now + DETAILS_CHECK_BEFORE
    ).prefetch_related("roster")
    return sum(
        notify_many(
            kind=MessageKind.DETAILS_CHECK,
            recipients=[entry.teacher_id for entry in session.roster.all()],
            subject=session,
            occurrence=moment(session.starts_at),
        )
        for session in sessions
    )


def register_requests(*, now: dt.datetime) -> int:
    """After a session ends without a register, its teachers are asked to take it (while they still can)."""
    sessions = Session.objects.filter(
        status__in=SessionStatus.held,
        ends_at__lte=now,
        ends_at__gt=now - dt.timedelta(days=settings.REGISTER_EDIT_DAYS),
        register_taken__isnull=True,
    ).prefetch_related("roster")
    return sum(
        notify_many(
            kind=MessageKind.TAKE_REGISTER,
            recipients=[entry.teacher_id for entry in session.roster.all()],
            subject=session,
        )
        for session in sessions
    )


def committee_digest(*, now: dt.datetime) -> int:
    """Once a week, from Monday 08:00 London time: one digest per committee member."""
    local = timezone.localtime(now)
    monday = (local - dt.timedelta(days=local.weekday())).replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if local < monday:
        return 0
    year, week, _ = local.isocalendar()
    committee = Member.objects.filter(is_active=True, groups__name=Role.COMMITTEE.group_name).values_list(
        "pk", flat=True
    )
    return notify_many(kind=MessageKind.COMMITTEE_DIGEST, recipients=committee, occurrence=f"{year}-W{week:02d}")


def write_due_messages(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Every time-based message due now; safe to run as often as wanted."""
    now = now or timezone.now()
    return {
        "reminders": session_reminders(now=now),
        "details_checks": details_checks(now=now),
        "register_requests": register_requests(now=now),
        "digests": committee_digest(now=now),
    }
