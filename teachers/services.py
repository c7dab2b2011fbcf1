"""Writes for teaching: proposing sessions, the roster, and the committee's timetable import."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from certificates import services as certificate_services
from certificates.enums import CertificateKind
from certificates.models import Certificate
from events import services as event_services
from events.enums import SessionStatus
from events.models import Series, Session
from meded.spreadsheets import ImportCounts, ImportRefused, RowError
from members import services as member_services
from members.enums import Role
from members.models import Member
from members.permissions import is_teacher
from notifications.enums import MessageKind
from notifications.services import notify
from teachers import selectors
from teachers.certificates import teaching_certificate_body
from teachers.enums import ApplicationStatus, InvitationStatus, Motivation, TeachingRole
from teachers.models import (
    ApplicationMotivation,
    CoTeachingInvitation,
    RosterEntry,
    TeacherApplication,
)
from teachers.timetable import OPTIONAL_COLUMNS, SessionRow, read_timetable


def propose_session(*, teacher: Member, submit: bool = False, **fields) -> Session:
    """Create a session as a draft (or straight to the approval queue with `submit`) with
    `teacher` as its lead, in one transaction. Fields are those of events.services.create_session."""
    with transaction.atomic():
        session = event_services.create_session(created_by=teacher, **fields)
        RosterEntry.objects.create(
            session=session, teacher=teacher, role=TeachingRole.LEAD, year_of_study=teacher.year_of_study
        )
        if submit:
            session = event_services.submit_session(session=session, by=teacher)
    return session


def add_to_roster(*, session: Session, teacher: Member, role: str = TeachingRole.CO_TEACHER) -> RosterEntry:
    """Put a teacher on a session's roster (used by imports and the admin), recording their year
    of study as it is now; idempotent (an existing entry keeps its role and year)."""
    entry, _ = RosterEntry.objects.get_or_create(
        session=session, teacher=teacher, defaults={"role": role, "year_of_study": teacher.year_of_study}
    )
    return entry


class TimetableImportError(ImportRefused):
    """The timetable was refused as a whole; `errors` lists every problem with its row number."""


@dataclass
class TimetableImportResult(ImportCounts):
    completed: int = 0

    @property
    def summary(self) -> str:
        text = super().summary
        if self.completed:
            text += (
                " "
                + ngettext(
                    "%d new session had already ended and is recorded as completed.",
                    "%d new sessions had already ended and are recorded as completed.",
                    self.completed,
                )
                % self.completed
            )
        return text


def _row_fields(row: SessionRow, series: Series | None, *, optional_columns: set[str]) -> dict:
    """The session's fields from a row. Optional columns the file does not have are left out, so
    re-importing a shorter file never blanks what teachers wrote (a description, say)."""
    fields = {
        "title": row.title,
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
        "format": row.format,
        "venue": row.venue,
        "meeting_url": row.meeting_url,
        "capacity": row.capacity,
        "online_capacity": row.online_capacity,
        "topic": row.topic,
        "description": row.description,
        "series": series,
    }
    return {name: value for name, value in fields.items() if name not in OPTIONAL_COLUMNS or name in optional_columns}


def import_timetable(*, data: bytes, filename: str, imported_by: Member | None = None) -> TimetableImportResult:
    """Create or update sessions from a timetable file, all or nothing.

    Sessions are matched by title (any case) and start time, so importing the same file again
    changes nothing. New sessions are published, or completed if they have already ended; their
    teachers go on the roster, the first as lead. Existing sessions are updated through
    events.services.update_session (so published changes are logged for registrants); a completed
    or cancelled session that the file would change is reported as an error. New sessions are
    recorded as created by `imported_by`, or by their lead when none is given. Raises
    TimetableImportError with every problem; nothing is written then.
    """
    parsed = read_timetable(data=data, filename=filename)
    if parsed.errors:
        raise TimetableImportError(parsed.errors)
    result = TimetableImportResult(ignored_columns=parsed.ignored_columns)
    errors: list[RowError] = []
    now = timezone.now()
    with transaction.atomic():
        series_by_title = {}
        for title in {row.series for row in parsed.rows if row.series}:
            series_by_title[title] = Series.objects.get_or_create(title=title)[0]
        existing = {
            (session.title.lower(), session.starts_at): session
            # Locked in id order, as every lock on several sessions is, so two imports that share
            # sessions wait for each other instead of deadlocking.
            for session in Session.objects.filter(starts_at__in={row.starts_at for row in parsed.rows})
            .order_by("pk")
            .select_for_update(of=("self",))
            .select_related("series")
            .prefetch_related("target_years", "roster")
        }
        for row in parsed.rows:
            fields = _row_fields(row, series_by_title.get(row.series), optional_columns=parsed.optional_columns)
            session = existing.get((row.title.lower(), row.starts_at))
            if session is None:
                ended = row.ends_at <= now
                session = event_services.create_session(
                    created_by=imported_by or row.teachers[0],
                    target_years=row.target_years,
                    status=SessionStatus.COMPLETED if ended else SessionStatus.PUBLISHED,
                    **fields,
                )
                for position, teacher in enumerate(row.teachers):
                    add_to_roster(
                        session=session,
                        teacher=teacher,
                        role=TeachingRole.LEAD if position == 0 else TeachingRole.CO_TEACHER,
                    )
                result.created += 1
                result.completed += ended
                continue
            changed = {name: value for name, value in fields.items() if getattr(session, name) != value}
            years_changed = set(session.target_year_numbers) != set(row.target_years)
            on_roster = {entry.teacher_id for entry in session.roster.all()}
            missing_teachers = [t for t in row.teachers if t.pk not in on_roster]
            if not (changed or years_changed or missing_teachers):
                result.unchanged += 1
                continue
            if session.status in (SessionStatus.COMPLETED, SessionStatus.CANCELLED):
                errors.append(
                    RowError(
                        row.row_number, _("“%s” is completed or cancelled; change it in the admin instead.") % row.title
                    )
                )
                continue
            if changed or years_changed:
                try:
                    event_services.update_session(
                        session=session,
                        changed_by=imported_by or row.teachers[0],
                        target_years=row.target_years,
                        **changed,
                    )
                except event_services.InvalidTransition:
                    errors.append(
                        RowError(
                            row.row_number,
                            _("“%s” is completed or cancelled; change it in the admin instead.") % row.title,
                        )
                    )
                    continue
            for teacher in missing_teachers:
                add_to_roster(session=session, teacher=teacher)
            result.updated += 1
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise TimetableImportError(errors)
    return result


class ApplicationRefused(Exception):
    """The member cannot apply now (already a teacher, or an application is awaiting a decision)."""


def apply_to_teach(
    *, member: Member, subjects: str, motivations: list[str], other_motivation: str = ""
) -> TeacherApplication:
    """Record a member's application to teach, with their motivations (the dashboard counts them).

    Raises ApplicationRefused for a member who already teaches or has an application pending; the
    unique constraint on pending applications settles a double submission.
    """
    if is_teacher(member):
        raise ApplicationRefused(_("You are already a student-teacher."))
    try:
        with transaction.atomic():
            application = TeacherApplication.objects.create(
                member=member,
                subjects=subjects.strip(),
                year_of_study=member.year_of_study,
                other_motivation=other_motivation.strip() if Motivation.OTHER in motivations else "",
            )
            ApplicationMotivation.objects.bulk_create(
                [ApplicationMotivation(application=application, motivation=m) for m in sorted(set(motivations))]
            )
    except IntegrityError:
        raise ApplicationRefused(_("Your application is already with the committee.")) from None
    return application


def _decide(*, application: TeacherApplication, by: Member, status: str, reason: str = "") -> TeacherApplication:
    with transaction.atomic():
        updated = TeacherApplication.objects.filter(pk=application.pk, status=ApplicationStatus.PENDING).update(
            status=status, decided_by=by, decided_at=timezone.now(), decline_reason=reason
        )
        if updated != 1:
            raise ApplicationRefused(_("This application has already been decided."))
        if status == ApplicationStatus.APPROVED:
            member_services.grant_role(member=application.member, role=Role.TEACHER)
        notify(
            kind=MessageKind.APPLICATION_APPROVED
            if status == ApplicationStatus.APPROVED
            else MessageKind.APPLICATION_DECLINED,
            recipient=application.member,
            about=application,
        )
    application.refresh_from_db()
    return application


def approve_application(*, application: TeacherApplication, by: Member) -> TeacherApplication:
    """Approve a pending application and add the member to Teachers. Raises ApplicationRefused if
    it was already decided (e.g. by another committee member a moment ago)."""
    return _decide(application=application, by=by, status=ApplicationStatus.APPROVED)


def decline_application(*, application: TeacherApplication, by: Member, reason: str) -> TeacherApplication:
    """Decline a pending application with a reason the member will see."""
    if not reason.strip():
        raise ValueError("A reason is required to decline an application.")
    return _decide(application=application, by=by, status=ApplicationStatus.DECLINED, reason=reason.strip())


class InvitationRefused(Exception):
    """The invitation cannot be made or answered (see the message)."""


def find_teacher(*, name_or_email: str) -> Member:
    """The one approved teacher matching an email (exactly) or a name (in part). Raises
    InvitationRefused when none or several match, so the lead can be more precise."""
    text = name_or_email.strip()
    teachers = Member.objects.filter(groups__name=Role.TEACHER.group_name, is_active=True)
    if "@" in text:
        matches = list(teachers.filter(email__iexact=text)[:2])
    else:
        query = Q()
        for word in text.split():
            query &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        matches = list(teachers.filter(query)[:2]) if text else []
    if not matches:
        raise InvitationRefused(_("No approved teacher matches “%s”.") % text)
    if len(matches) > 1:
        raise InvitationRefused(_("More than one teacher matches “%s”: use their email address.") % text)
    return matches[0]


def invite_co_teacher(*, session: Session, invited_by: Member, teacher: Member) -> CoTeachingInvitation:
    """Invite an approved teacher to co-teach. Raises InvitationRefused if they are already on the
    roster or already invited."""
    if RosterEntry.objects.filter(session=session, teacher=teacher).exists():
        raise InvitationRefused(_("%s already teaches this session.") % teacher.get_full_name())
    try:
        with transaction.atomic():
            invitation = CoTeachingInvitation.objects.create(session=session, teacher=teacher, invited_by=invited_by)
            notify(kind=MessageKind.CO_TEACHING_INVITATION, recipient=teacher, about=invitation)
            return invitation
    except IntegrityError:
        raise InvitationRefused(_("%s has already been invited.") % teacher.get_full_name()) from None


def answer_invitation(*, invitation: CoTeachingInvitation, teacher: Member, accept: bool) -> CoTeachingInvitation:
    """The invited teacher accepts (joining the roster as co-teacher) or declines. Raises
    InvitationRefused if the invitation is not theirs or has already been answered."""
    if invitation.teacher_id != teacher.pk:
        raise InvitationRefused(_("This invitation is for someone else."))
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=invitation.session_id)
        if accept and session.status not in (SessionStatus.DRAFT, SessionStatus.SUBMITTED, SessionStatus.PUBLISHED):
            raise InvitationRefused(_("“%s” has been cancelled or has already taken place.") % session.title)
        updated = CoTeachingInvitation.objects.filter(pk=invitation.pk, status=InvitationStatus.PENDING).update(
            status=InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED, responded_at=timezone.now()
        )
        if updated != 1:
            raise InvitationRefused(_("This invitation has already been answered."))
        if accept:
            add_to_roster(session=invitation.session, teacher=teacher)
    invitation.refresh_from_db()
    return invitation


def forget_member(*, member: Member) -> None:
    """Remove what of the member's teaching is theirs alone (an account being closed): co-teaching
    invitations to or from them still awaiting a reply, an application still awaiting a decision
    (counted nowhere), and every certificate issued to them (teaching, portfolio, attendance),
    which carry their name and would go on showing it on the public verification page. Roster entries and decided
    applications stay: the dashboard counts them. Raises nothing of its own."""
    with transaction.atomic():
        CoTeachingInvitation.objects.filter(
            Q(teacher=member) | Q(invited_by=member), status=InvitationStatus.PENDING
        ).delete()
        TeacherApplication.objects.filter(member=member, status=ApplicationStatus.PENDING).delete()
        certificate_services.forget_holder(member=member)


class NothingToCertify(Exception):
    """The member has not taught a completed session yet."""


def issue_teaching_certificate(*, teacher: Member) -> Certificate:
    """Issue a teaching certificate of the member's completed teaching as it is now, with a fresh
    verification code. Raises NothingToCertify when there is nothing to put on it."""
    log = selectors.teaching_log(teacher=teacher)
    if not log:
        raise NothingToCertify(_("A certificate lists completed sessions; you have none yet."))
    return certificate_services.issue_certificate(
        kind=CertificateKind.TEACHING,
        holder=teacher,
        holder_name=teacher.get_full_name() or teacher.email,
        body=teaching_certificate_body(teacher=teacher, log=log),
    )
