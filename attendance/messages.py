"""What members holding a place, and the teachers taking the register, are told (registered with
`notifications.registry` by `AttendanceConfig.ready()`): confirmations and the waiting list (with
the calendar file), reminders before a session, a session's changes and cancellation, "take the
register", and the committee's weekly digest; and the sweeps that write the time-based ones.

Each sweep looks at a window around now and writes the messages due in it through `notify_many`,
so running it twice, or late after an outage, writes nothing twice: the occurrence of each
message names the moment it belongs to (e.g. the 24-hour reminder for the session's current
start time). A message whose moment passed while nothing ran is still written as long as it
makes sense (a reminder before the session starts, not after).
"""

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.utils import timezone

from attendance.enums import Mode, RegistrationState
from attendance.models import Registration
from attendance.selectors import sessions_without_register
from attendance.services import waitlist_position
from events.enums import SessionStatus
from events.ical import calendar_bytes
from events.messages import notify_teachers, session_context
from events.models import Session
from events.permissions import holds_online_place, sees_meeting_link, teaches
from meded.links import url_for
from members.enums import Role
from members.models import Member
from notifications import registry
from notifications.enums import Category, MessageKind
from notifications.registry import Batch, NotWanted
from notifications.services import notify_many, occurrence_time

DIGEST_WEEKDAY, DIGEST_HOUR = 0, 8  # Monday, 08:00 London time
_SESSION = Session._meta.label_lower


# --- What a batch reads once --------------------------------------------------------------------


def _places(messages, batch: Batch) -> dict[tuple[int, int], Registration]:
    """The recipients' registrations (any state) for the sessions they are told about, by
    (session, member), in one query."""
    about_sessions = [m for m in messages if m.about_type == _SESSION]
    if not about_sessions:
        return {}
    found = Registration.objects.filter(
        session_id__in={m.about_id for m in about_sessions},
        member_id__in={m.recipient_id for m in about_sessions},
    )
    places = {(r.session_id, r.member_id): r for r in found}
    for registration in places.values():
        # The session as the batch read it, roster included, rather than one more query each.
        registration.session = batch.about[(_SESSION, registration.session_id)]
    return places


def _place(message, session: Session, batch: Batch) -> Registration | None:
    return batch.found["registrations"].get((session.pk, message.recipient_id))


# --- Builders -----------------------------------------------------------------------------------


def _registration(registration: Registration, *, state: str) -> dict:
    if registration.state != state:
        raise NotWanted("The registration has changed since.")
    session = registration.session
    if session.status != SessionStatus.PUBLISHED:
        raise NotWanted("The session is no longer open.")
    is_online = registration.mode == Mode.ONLINE
    return session_context(
        session,
        registration=registration,
        is_online=is_online,
        # The link is for those holding an online place, not for those waiting for one.
        meeting_url=session.meeting_url if holds_online_place(registration) else "",
        my_sessions_url=url_for("attendance:mine"),
    )


def _still_current(message, at) -> None:
    """A registration row is reused when a member registers again: only the message of its latest
    cause (the occurrence names the moment) is still wanted."""
    if at is None or message.occurrence != occurrence_time(at):
        raise NotWanted("A later registration replaced this one.")


def _confirmed(message, registration: Registration, batch: Batch) -> dict:
    _still_current(message, registration.queued_at)
    return _registration(registration, state=RegistrationState.REGISTERED)


def _promoted(message, registration: Registration, batch: Batch) -> dict:
    _still_current(message, registration.promoted_at)
    return _registration(registration, state=RegistrationState.REGISTERED)


def _waitlisted(message, registration: Registration, batch: Batch) -> dict:
    _still_current(message, registration.queued_at)
    context = _registration(registration, state=RegistrationState.WAITLISTED)
    context["position"] = waitlist_position(registration)
    return context


def _reminder(message, session: Session, batch: Batch) -> dict:
    registration = _place(message, session, batch)
    if registration is None:
        raise NotWanted("The recipient has no registration.")
    context = _registration(registration, state=RegistrationState.REGISTERED)
    if session.starts_at <= timezone.now():
        raise NotWanted("The session has started.")
    if not message.occurrence.endswith(occurrence_time(session.starts_at)):
        raise NotWanted("The session has moved since; a reminder for the new time follows.")
    hours = message.context.get("hours")
    # The sweep's window, asked again at sending time.
    if hours is not None and reminder_replaced(hours=hours, until_start=session.starts_at - timezone.now()):
        raise NotWanted("A nearer reminder replaces it.")
    context["hours"] = hours
    return context


def _involved(message, session: Session, batch: Batch) -> tuple[bool, Registration | None]:
    """Whether the recipient still teaches the session, and their registration (not cancelled)."""
    registration = _place(message, session, batch)
    if registration is not None and registration.state == RegistrationState.CANCELLED:
        registration = None
    return teaches(message.recipient, session), registration


def _sees_link(message, session: Session, registration: Registration | None) -> bool:
    """The meeting link goes to those holding an online place, the teachers and the committee."""
    return sees_meeting_link(message.recipient, session, online_place=holds_online_place(registration))


def _session_for_everyone(message, session: Session, batch: Batch) -> dict:
    if session.status == SessionStatus.CANCELLED:
        raise NotWanted("The session has been cancelled since; the cancellation says so.")
    is_teacher, registration = _involved(message, session, batch)
    if not is_teacher and registration is None:
        raise NotWanted("The recipient no longer holds a place or teaches the session.")
    show_link = _sees_link(message, session, registration)
    return session_context(
        session,
        changes=message.context.get("changes", []),
        meeting_url=session.meeting_url if show_link else "",
    )


def _cancelled(message, session: Session, batch: Batch) -> dict:
    is_teacher, registration = _involved(message, session, batch)
    if not is_teacher and registration is None:
        raise NotWanted("The recipient no longer held a place.")
    return session_context(session)


def _take_register(message, session: Session, batch: Batch) -> dict:
    if hasattr(session, "register_taken"):
        raise NotWanted("The register has been taken.")
    return session_context(session, register_url=url_for("attendance:sheet", session.pk))


# The most sessions a digest lists under one heading; it says how many more there are.
DIGEST_LIST_LENGTH = 50


def _digest(message, _about, batch: Batch) -> dict:
    """Sessions awaiting approval, and those this academic year without a register (the count the
    committee's home page shows, `sessions_without_register`), latest first."""
    awaiting = list(Session.objects.filter(status=SessionStatus.SUBMITTED).order_by("starts_at")[:DIGEST_LIST_LENGTH])
    without = sessions_without_register(now=timezone.now()).order_by("-starts_at", "-pk")
    without_register = list(without[:DIGEST_LIST_LENGTH])
    more = max(0, without.count() - DIGEST_LIST_LENGTH) if len(without_register) == DIGEST_LIST_LENGTH else 0
    return {
        "awaiting": awaiting,
        "without_register": without_register,
        "more_without_register": more,
        "approvals_url": url_for("events:approvals"),
        "week": message.occurrence,
    }


def _registration_ics(message, registration: Registration, batch: Batch) -> tuple[str, bytes]:
    session = registration.session
    return "session.ics", calendar_bytes(
        [session], name=session.title, with_links=_sees_link(message, session, registration)
    )


def _changed_ics(message, session: Session, batch: Batch) -> tuple[str, bytes]:
    _teaches, registration = _involved(message, session, batch)
    with_link = _sees_link(message, session, registration)
    return "session.ics", calendar_bytes([session], name=session.title, with_links=with_link)


# --- Sweeps ------------------------------------------------------------------------------------


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
                about=Session(pk=session_id),
                occurrence=f"{hours}h-{occurrence_time(starts_at)}",
                context={"hours": hours},
            )
    return written


def register_requests(*, now: dt.datetime) -> int:
    """After a session ends without a register, its teachers are asked to take it (while they still can)."""
    sessions = Session.objects.filter(
        status__in=SessionStatus.held,
        ends_at__lte=now,
        ends_at__gt=now - dt.timedelta(days=settings.REGISTER_EDIT_DAYS),
        register_taken__isnull=True,
    )
    return notify_teachers(sessions, kind=MessageKind.TAKE_REGISTER)


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


registry.register_about(
    Registration, lambda: Registration.objects.select_related("session").prefetch_related("session__roster__teacher")
)
registry.register_batch_reader("registrations", _places)
registry.register_kind(MessageKind.REGISTRATION_CONFIRMED, _confirmed, attachment=_registration_ics)
registry.register_kind(MessageKind.WAITLIST_JOINED, _waitlisted)
registry.register_kind(MessageKind.WAITLIST_PROMOTED, _promoted, attachment=_registration_ics)
registry.register_kind(MessageKind.SESSION_REMINDER, _reminder, category=Category.REMINDERS)
registry.register_kind(MessageKind.SESSION_CHANGED, _session_for_everyone, attachment=_changed_ics)
registry.register_kind(MessageKind.SESSION_CANCELLED, _cancelled, attachment=_changed_ics)
registry.register_kind(MessageKind.TAKE_REGISTER, _take_register, category=Category.TEACHING)
registry.register_kind(MessageKind.COMMITTEE_DIGEST, _digest, category=Category.DIGEST)
registry.register_sweep("reminders", session_reminders)
registry.register_sweep("register_requests", register_requests)
registry.register_sweep("digests", committee_digest)
