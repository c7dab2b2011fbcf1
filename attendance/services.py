"""Registration, the waiting list and cancellation.

Locking: every change to who holds a place locks the session's row (SELECT … FOR UPDATE) first,
inside the transaction, then counts and writes — the pretix approach of one lock, taken late and
re-checked after it is held. One lock per session serialises registrations for that session only
(registrations for different sessions never wait for each other), which is simpler to reason
about than counting with optimistic retries and cannot overbook. The unique constraint on
(session, member) is the backstop against a member holding two registrations.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.certificates import attendance_certificate_body
from attendance.enums import AttendanceSource, AttendanceStatus, Mode, RegistrationState
from attendance.models import AttendanceChange, RegisterTaken, Registration
from attendance.reports import PlainRow, ReportKind, read_report
from attendance.selectors import waitlist_positions
from certificates import services as certificate_services
from certificates.enums import CertificateKind
from certificates.models import Certificate
from events.eligibility import is_for_year
from events.enums import SessionFormat, SessionStatus
from events.models import Session
from events.permissions import can_take_register, cancellation_open, check_in_open, registration_open, teaches
from meded.spreadsheets import ImportRefused, RowError
from members.models import Member
from members.permissions import is_teacher
from notifications.enums import MessageKind
from notifications.services import notify, occurrence_time


class RegistrationRefused(Exception):
    """The member cannot register (or cancel) now; the message says why."""


def modes_for(session: Session) -> list[str]:
    if session.format == SessionFormat.HYBRID:
        return [Mode.IN_PERSON, Mode.ONLINE]
    return [Mode.ONLINE if session.format == SessionFormat.ONLINE else Mode.IN_PERSON]


def capacity_for(session: Session, mode: str) -> int | None:
    """Places in a mode; None means no limit. Online places are limited only in hybrid sessions."""
    if mode == Mode.IN_PERSON:
        return session.capacity
    return session.online_capacity if session.format == SessionFormat.HYBRID else None


def _check_can_register(session: Session, member: Member) -> None:
    if not registration_open(session):
        # Which reason applies, in words for the member; the rule itself is `registration_open`.
        if session.status != SessionStatus.PUBLISHED:
            raise RegistrationRefused(_("This session is not open for registration."))
        if timezone.now() >= session.ends_at:
            raise RegistrationRefused(_("This session has ended."))
        raise RegistrationRefused(_("Registration closed when the session started."))
    _check_year(session, member)


def _check_year(session: Session, member: Member, *, for_teacher: bool = False) -> None:
    """The member's year must be one the session is for (unless it is open to all years). The
    message speaks to the member, or with `for_teacher` to the teacher adding them."""
    if is_for_year(session, member.year_of_study):
        return
    years = {target.year for target in session.target_years.all()}
    if for_teacher:
        raise RegistrationRefused(
            _("%(name)s cannot be added: this session is for year %(years)s and their profile says %(year)s.")
            % {
                "name": member.get_full_name() or member.email,
                "years": ", ".join(str(y) for y in sorted(years)),
                "year": member.year_of_study or _("no year"),
            }
        )
    if member.year_of_study is None:
        raise RegistrationRefused(_("Add your year of study to your profile to register."))
    raise RegistrationRefused(
        _("This session is for year %(years)s; your profile says year %(year)s.")
        % {"years": ", ".join(str(y) for y in sorted(years)), "year": member.year_of_study}
    )


def register(*, session: Session, member: Member, mode: str | None = None) -> Registration:
    """Give the member a place in `mode`, or a place on that mode's waiting list when it is full.

    Locks the session row. Raises RegistrationRefused when the session is not open to them, the
    mode is not offered, or they already hold a registration.
    """
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        _check_can_register(locked, member)
        offered = modes_for(locked)
        mode = mode or (offered[0] if len(offered) == 1 else None)
        if mode not in offered:
            raise RegistrationRefused(_("Choose whether you will come in person or join online."))
        existing = Registration.objects.filter(session=locked, member=member).first()
        if existing and existing.state != RegistrationState.CANCELLED:
            raise RegistrationRefused(_("You are already registered for this session."))
        # Places freed by a larger capacity go to those already waiting, in order, before a newcomer.
        while _promote_next(session=locked, mode=mode):
            pass
        capacity = capacity_for(locked, mode)
        taken = Registration.objects.filter(session=locked, mode=mode, state=RegistrationState.REGISTERED).count()
        state = RegistrationState.REGISTERED if capacity is None or taken < capacity else RegistrationState.WAITLISTED
        fields = {
            "mode": mode,
            "state": state,
            "year_of_study": member.year_of_study,
            "queued_at": timezone.now(),
            "promoted_at": None,
            "cancelled_at": None,
        }
        try:
            if existing:
                for name, value in fields.items():
                    setattr(existing, name, value)
                existing.save(update_fields=list(fields))
                registration = existing
            else:
                registration = Registration.objects.create(session=locked, member=member, **fields)
        except IntegrityError:
            raise RegistrationRefused(_("You are already registered for this session.")) from None
        notify(
            kind=MessageKind.REGISTRATION_CONFIRMED
            if state == RegistrationState.REGISTERED
            else MessageKind.WAITLIST_JOINED,
            recipient=member,
            about=registration,
            # A cancelled place taken again is a new registration, with its own confirmation.
            occurrence=occurrence_time(registration.queued_at),
        )
        return registration


def cancel_registration(*, registration: Registration) -> Registration | None:
    """Cancel a place or a place in the queue while `cancellation_open` allows it: until the
    session starts, and not once checked in. A freed place goes to the first in line for the same
    mode; returns that promoted registration, if any. Locks the session (as `check_in` does, so a
    check-in and a cancellation never cross). Raises RegistrationRefused when the member has
    checked in or the session has started."""
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=registration.session_id)
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        if current.state == RegistrationState.CANCELLED:
            return None
        if not cancellation_open(session, current):
            # Which reason applies, in words for the member; the rule itself is `cancellation_open`.
            if current.checked_in_at is not None:
                raise RegistrationRefused(
                    _("You have checked in, so your place is kept; ask the teacher if you have to leave early.")
                )
            raise RegistrationRefused(_("The session has started; ask the teacher to mark you as excused."))
        # A place freed in a cancelled or finished session is not offered to anyone.
        freed = current.state == RegistrationState.REGISTERED and session.status == SessionStatus.PUBLISHED
        current.state, current.cancelled_at = RegistrationState.CANCELLED, timezone.now()
        current.save(update_fields=["state", "cancelled_at"])
        registration.state, registration.cancelled_at = current.state, current.cancelled_at
        return _promote_next(session=session, mode=current.mode) if freed else None


def cancel_upcoming_registrations(*, member: Member) -> list[Registration]:
    """Cancel every place and queue place the member holds at sessions that have not started (an
    account being closed), each through `cancel_registration`, so every freed place goes to the
    first in line. Places at sessions that have started are left as they are: they are history.

    Locks each session in turn, in key order (as any two such calls then take them). A session
    that starts between the read and its lock is skipped, as it is history by then. Returns the
    registrations promoted from the waiting lists.
    """
    upcoming = Registration.objects.filter(
        member=member,
        state__in=[RegistrationState.REGISTERED, RegistrationState.WAITLISTED],
        session__starts_at__gt=timezone.now(),
    ).order_by("session_id")
    promoted = []
    with transaction.atomic():
        for registration in upcoming:
            try:
                promoted.append(cancel_registration(registration=registration))
            except RegistrationRefused:
                continue
    return [registration for registration in promoted if registration is not None]


def _promote_next(*, session: Session, mode: str) -> Registration | None:
    capacity = capacity_for(session, mode)
    taken = Registration.objects.filter(session=session, mode=mode, state=RegistrationState.REGISTERED).count()
    if capacity is not None and taken >= capacity:
        return None
    first = (
        Registration.objects.filter(session=session, mode=mode, state=RegistrationState.WAITLISTED)
        .order_by("queued_at", "pk")
        .first()
    )
    if first is None:
        return None
    first.state, first.promoted_at = RegistrationState.REGISTERED, timezone.now()
    first.save(update_fields=["state", "promoted_at"])
    notify(
        kind=MessageKind.WAITLIST_PROMOTED,
        recipient=first.member_id,
        about=first,
        occurrence=occurrence_time(first.promoted_at),
    )
    return first


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first in line; None when not waiting."""
    if registration.state != RegistrationState.WAITLISTED:
        return None
    return waitlist_positions([registration])[registration.pk]


class CheckInRefused(Exception):
    """The check-in could not be made (expired code, session not running, not eligible)."""


def _record_changes(changes: list[tuple[Registration, str]], *, by: Member | None, source: str) -> None:
    """Keep the history of each (saved registration, its status before) whose status changed, in
    one insert inside the caller's transaction: who, when, how, before and after."""
    AttendanceChange.objects.bulk_create(
        AttendanceChange(
            registration=registration, changed_by=by, source=source, old_status=old, new_status=registration.attendance
        )
        for registration, old in changes
        if old != registration.attendance
    )


def check_in(*, session: Session, member: Member, source: str, now=None) -> tuple[Registration, bool]:
    """Mark the member present (or late, after the grace period) in person, having validated their
    code in the caller. Someone eligible who did not register is added as a walk-in. Checking in
    twice keeps the first time. Returns (registration, whether this call checked them in).
    Locks the session row. Raises CheckInRefused outside the check-in window or if not eligible."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if not check_in_open(locked, now=now):
            raise CheckInRefused(_("Check-in for this session is closed."))
        # Read under the session's lock, which `cancel_registration` also takes: the state seen
        # here is the one written. Only an active place counts as checked in; a cancelled row's
        # old check-in is history, and the member is checked in afresh.
        registration = Registration.objects.filter(session=locked, member=member).first()
        if registration and registration.state == RegistrationState.REGISTERED and registration.checked_in_at:
            return registration, False
        # A member who holds a place changes only its attendance; a walk-in takes a place.
        holds_place = registration is not None and registration.state == RegistrationState.REGISTERED
        if not holds_place:
            if not is_for_year(locked, member.year_of_study) and not is_teacher(member):
                raise CheckInRefused(_("This session is for other years; ask the teacher to add you to the register."))
            registration = registration or Registration(session=locked, member=member, mode=Mode.IN_PERSON)
            registration.state, registration.is_walk_in = RegistrationState.REGISTERED, True
            registration.year_of_study = member.year_of_study
        late = now > locked.starts_at + dt.timedelta(minutes=settings.CHECK_IN_GRACE_MINUTES)
        before = registration.attendance
        registration.attendance = AttendanceStatus.LATE if late else AttendanceStatus.PRESENT
        # A scanned QR code means in the room; a typed code comes from the call in an online session
        # (or from whichever way the member registered, in a hybrid one).
        if locked.format == SessionFormat.ONLINE:
            registration.attended_mode = Mode.ONLINE
        elif locked.format == SessionFormat.HYBRID and source == AttendanceSource.CODE:
            registration.attended_mode = registration.mode
        else:
            registration.attended_mode = Mode.IN_PERSON
        registration.attendance_source = source
        registration.checked_in_at = now
        registration.save(
            update_fields=["attendance", "attended_mode", "attendance_source", "checked_in_at"] if holds_place else None
        )
        _record_changes([(registration, before)], by=member, source=source)
    return registration, True


def can_edit_register(user, session: Session) -> bool:
    """The rule lives in `events.permissions.can_take_register`, which the buttons ask too."""
    return can_take_register(user, session)


def take_register(*, session: Session, by: Member, statuses: dict[int, str]) -> RegisterTaken:
    """Save attendance statuses (registration id → status; blank clears) for the session's
    registrants and mark the register taken. Ids of other sessions' registrations are ignored;
    each status changed is kept in the register's history. Locks the session row."""
    with transaction.atomic():
        Session.objects.select_for_update().get(pk=session.pk)
        registrations = {
            r.pk: r
            for r in Registration.objects.filter(
                session=session, pk__in=list(statuses), state=RegistrationState.REGISTERED
            )
        }
        changed = []
        for pk, status in statuses.items():
            registration = registrations.get(pk)
            if registration is None or status not in ("", *AttendanceStatus.values):
                continue
            if registration.attendance != status:
                changed.append((registration, registration.attendance))
                registration.attendance = status
                registration.attendance_source = AttendanceSource.TEACHER if status else ""
                if status in AttendanceStatus.attended and not registration.attended_mode:
                    registration.attended_mode = registration.mode
        Registration.objects.bulk_update(
            [registration for registration, _before in changed], ["attendance", "attendance_source", "attended_mode"]
        )
        _record_changes(changed, by=by, source=AttendanceSource.TEACHER)
        taken, _created = RegisterTaken.objects.update_or_create(
            session=session, defaults={"taken_by": by, "taken_at": timezone.now()}
        )
    return taken


def add_walk_in(
    *, session: Session, member: Member, mode: str = Mode.IN_PERSON, by: Member | None = None
) -> Registration:
    """The teacher (`by`) adds someone who came without registering; they are recorded as present.
    Raises RegistrationRefused for one of the session's own teachers (they never count as its
    attendees) and for a member whose year the session is not for, as registering would."""
    if teaches(member, session):
        raise RegistrationRefused(
            _("%s teaches this session, so cannot be its attendee.") % (member.get_full_name() or member.email)
        )
    _check_year(session, member, for_teacher=True)
    with transaction.atomic():
        Session.objects.select_for_update().get(pk=session.pk)
        registration, _created = Registration.objects.get_or_create(
            session=session,
            member=member,
            defaults={"mode": mode, "state": RegistrationState.REGISTERED, "year_of_study": member.year_of_study},
        )
        registration.state, registration.is_walk_in = RegistrationState.REGISTERED, registration.is_walk_in or _created
        before = registration.attendance
        registration.attendance = registration.attendance or AttendanceStatus.PRESENT
        registration.attended_mode = registration.attended_mode or mode
        registration.attendance_source = registration.attendance_source or AttendanceSource.TEACHER
        registration.save()
        _record_changes([(registration, before)], by=by, source=AttendanceSource.TEACHER)
    return registration


class AttendanceImportError(ImportRefused):
    """The report or register file was refused as a whole; nothing was written."""


@dataclass
class AttendanceImportPlan:
    """What an import will do (the preview), then did."""

    kind: ReportKind
    present: list[tuple[Member, int]] = field(default_factory=list)  # (member, seconds) reaching the share
    too_short: list[tuple[Member, int]] = field(default_factory=list)
    statuses: list[tuple[Member, PlainRow]] = field(default_factory=list)  # plain registers
    unmatched: list[str] = field(default_factory=list)  # participants who are not members
    minimum_seconds: int = 0
    applied: bool = False

    @property
    def is_plain_register(self) -> bool:
        """From an email,status register, which sets statuses, rather than a meeting report."""
        return self.kind == ReportKind.PLAIN


def plan_attendance_import(*, session: Session, data: bytes, filename: str) -> AttendanceImportPlan:
    """Read a report (Teams, Zoom) or a plain email,status CSV and match it to members by email
    (any case). Raises AttendanceImportError listing every problem; writes nothing."""
    report = read_report(data=data, filename=filename)
    plan = AttendanceImportPlan(kind=report.kind)
    emails = set(report.participants) | {row.email for row in report.rows}
    members = {
        m.email_lower: m for m in Member.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
    }
    unknown = [
        RowError(row.row_number, _("no member has the email %s.") % row.email)
        for row in report.rows
        if row.email not in members
    ]
    if report.errors or unknown:
        raise AttendanceImportError(sorted(report.errors + unknown, key=lambda error: error.row_number))
    if report.kind == ReportKind.PLAIN:
        plan.statuses = [(members[row.email], row) for row in report.rows]
        return plan
    length = (session.ends_at - session.starts_at).total_seconds()
    plan.minimum_seconds = int(length * settings.ATTENDANCE_PRESENT_SHARE)
    for email, participant in sorted(report.participants.items()):
        member = members.get(email)
        if member is None:
            plan.unmatched.append(
                f"{participant.name} <{participant.email}>" if participant.name else participant.email
            )
        elif participant.seconds >= plan.minimum_seconds:
            plan.present.append((member, participant.seconds))
        else:
            plan.too_short.append((member, participant.seconds))
    plan.unmatched += [f"{name} (no email)" for name in report.nameless]
    return plan


def apply_attendance_import(
    *, session: Session, plan: AttendanceImportPlan, by: Member | None = None
) -> AttendanceImportPlan:
    """Write the plan in one transaction (all or nothing). Report participants who stayed long
    enough are present online; plain rows set their status, creating a registration for a member
    who had none (mode from the row, else the session's format). Each status changed is kept in
    the register's history as imported by `by`. Locks the session row."""
    default_mode = Mode.ONLINE if session.format == SessionFormat.ONLINE else Mode.IN_PERSON
    with transaction.atomic():
        Session.objects.select_for_update().get(pk=session.pk)
        existing = {r.member_id: r for r in Registration.objects.filter(session=session)}
        if plan.is_plain_register:
            changes = [
                (
                    m,
                    row.status,
                    row.mode or getattr(existing.get(m.pk), "mode", None) or default_mode,
                    row.year_of_study,
                )
                for m, row in plan.statuses
            ]
        else:
            # A report adds online attendance; it does not overwrite a check-in or a status set by hand.
            changes = [
                (m, AttendanceStatus.PRESENT, Mode.ONLINE, None)
                for m, _seconds in plan.present
                if not (existing.get(m.pk) and (existing[m.pk].checked_in_at or existing[m.pk].attendance))
            ]
        changed = []
        for member, status, mode, year in changes:
            registration = existing.get(member.pk) or Registration(
                session=session,
                member=member,
                mode=mode,
                is_walk_in=True,
                year_of_study=year or member.year_of_study,
            )
            registration.state = RegistrationState.REGISTERED
            before = registration.attendance
            registration.attendance = status
            registration.attendance_source = AttendanceSource.IMPORT
            registration.attended_mode = mode if status in AttendanceStatus.attended else ""
            registration.save()
            changed.append((registration, before))
        _record_changes(changed, by=by, source=AttendanceSource.IMPORT)
    plan.applied = True
    return plan


def issue_attendance_certificate(*, registration: Registration) -> Certificate:
    """The member's certificate of attendance at the registration's session: issued the first
    time (with a verification code), the same certificate every time after, unless the committee
    revoked it. The caller checks the member attended (`AttendanceStatus.attended`). Raises
    nothing of its own."""
    member = registration.member
    return certificate_services.issue_certificate(
        kind=CertificateKind.ATTENDANCE,
        holder=member,
        holder_name=member.get_full_name() or member.email,
        body=attendance_certificate_body(registration),
        reference=f"registration:{registration.pk}",
    )
