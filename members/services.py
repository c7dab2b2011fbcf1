"""Writes for members: imports, profile changes, the academic-year rollover and every change of year of study.

A member's year of study decides which sessions they may register for and their survey band, so it
changes only here, and each change leaves a `YearOfStudyChange` row (old → new, source, by whom).
"""

import datetime as dt
import logging
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from meded.spreadsheets import ImportCounts, ImportRefused, RowError
from members import closing
from members.academic_year import AcademicYear
from members.enums import Role, YearChangeSource, YearRequestState
from members.imports import MemberRow, read_member_file
from members.models import Member, YearOfStudyChange, YearOfStudyRequest, YearRollover
from notifications.enums import MessageKind
from notifications.preferences import forget_preferences
from notifications.services import forget_rendered_messages, notify_many, occurrence_time

logger = logging.getLogger(__name__)


class MemberImportError(ImportRefused):
    """The member file was refused as a whole; `errors` lists every problem with its row number."""


@dataclass
class ImportResult(ImportCounts):
    invited: int = 0

    @property
    def summary(self) -> str:
        text = super().summary
        if self.invited:
            text += (
                " "
                + ngettext(
                    "%d invitation to set a password is being sent.",
                    "%d invitations to set a password are being sent.",
                    self.invited,
                )
                % self.invited
            )
        return text


def _role_groups() -> dict[Role, Group]:
    return {role: Group.objects.get_or_create(name=role.group_name)[0] for role in Role}


def import_members(
    *, data: bytes, filename: str, invite: bool = False, imported_by: Member | None = None
) -> ImportResult:
    """Create or update members from a CSV/.xlsx file, all or nothing.

    Upserts by email (case-insensitive). Names and year of study are overwritten; roles listed
    are granted and never revoked (taking a role away is a deliberate act in the admin). New
    members get no password and an unverified address. With `invite`, every imported member who
    has no usable password is sent an invitation to set one (an outbox message, sent after the commit).
    Every year of study set or changed is logged (source import, with the file's name).

    Raises MemberImportError listing every bad row when any row is bad; nothing is written then.
    A concurrent import creating the same address is caught by the unique constraint and reported
    the same way.
    """
    parsed = read_member_file(data=data, filename=filename)
    if parsed.errors:
        raise MemberImportError(parsed.errors)

    result = ImportResult(ignored_columns=parsed.ignored_columns)
    to_invite: list[int] = []
    try:
        with transaction.atomic():
            groups = _role_groups()
            emails = [row.email for row in parsed.rows]
            existing = {
                member.email_lower: member
                for member in Member.objects.annotate(email_lower=Lower("email"))
                .filter(email_lower__in=emails)
                # In primary-key order, as the rollover locks them, so the two never wait on each other.
                .order_by("pk")
                .select_for_update()
                .prefetch_related("groups")
            }
            new_rows: list[MemberRow] = []
            changed: list[Member] = []
            year_changes: list[YearOfStudyChange] = []
            memberships: list[tuple[Member, Group]] = []
            for row in parsed.rows:
                member = existing.get(row.email)
                if member is None:
                    new_rows.append(row)
                    continue
                current_groups = {g.name for g in member.groups.all()}
                missing_groups = [groups[r] for r in row.roles if groups[r].name not in current_groups]
                fields_differ = (member.first_name, member.last_name, member.year_of_study) != (
                    row.first_name,
                    row.last_name,
                    row.year_of_study,
                )
                if fields_differ:
                    if member.year_of_study != row.year_of_study:
                        year_changes.append(
                            _year_change(
                                member=member,
                                old=member.year_of_study,
                                new=row.year_of_study,
                                source=YearChangeSource.IMPORT,
                                by=imported_by,
                                note=filename,
                            )
                        )
                    member.first_name, member.last_name = row.first_name, row.last_name
                    member.year_of_study = row.year_of_study
                    changed.append(member)
                memberships += [(member, group) for group in missing_groups]
                if fields_differ or missing_groups:
                    result.updated += 1
                else:
                    result.unchanged += 1
                if invite and member.is_active and not member.has_usable_password():
                    to_invite.append(member.pk)

            Member.objects.bulk_update(changed, ["first_name", "last_name", "year_of_study"])
            created = []
            for row in new_rows:
                member = Member(
                    email=row.email,
                    first_name=row.first_name,
                    last_name=row.last_name,
                    year_of_study=row.year_of_study,
                )
                member.set_unusable_password()
                created.append(member)
            # PostgreSQL and SQLite 3.35+ return the new primary keys from a bulk insert.
            created = Member.objects.bulk_create(created, batch_size=500)
            for member, row in zip(created, new_rows, strict=True):
                memberships += [(member, groups[r]) for r in row.roles]
                year_changes.append(
                    _year_change(
                        member=member,
                        old=None,
                        new=row.year_of_study,
                        source=YearChangeSource.IMPORT,
                        by=imported_by,
                        note=filename,
                    )
                )
            YearOfStudyChange.objects.bulk_create(year_changes, batch_size=500)
            EmailAddress.objects.bulk_create(
                [EmailAddress(user=m, email=m.email, primary=True, verified=False) for m in created], batch_size=500
            )
            Through = Member.groups.through
            Through.objects.bulk_create(
                [Through(member_id=m.pk, group_id=g.pk) for m, g in memberships], ignore_conflicts=True, batch_size=500
            )
            result.created = len(created)
            if invite:
                to_invite += [m.pk for m in created]
            # In the outbox with the import itself: a broker outage delays the e-mails, never loses
            # them. Each import that asks for invitations is a new cause (its own occurrence).
            notify_many(
                kind=MessageKind.MEMBER_INVITATION, recipients=to_invite, occurrence=occurrence_time(timezone.now())
            )
            result.invited = len(to_invite)
    except IntegrityError as error:
        logger.warning("Member import hit a constraint: %s", error)
        raise MemberImportError(
            [RowError(0, _("Another import or sign-up changed the same members at the same time; try again."))]
        ) from error
    return result


class YearOfStudyRefused(Exception):
    """A change of year of study, or a request for one, was refused; the message says why."""


def _year_change(
    *,
    member: Member,
    old: int | None,
    new: int | None,
    source: YearChangeSource,
    by: Member | None = None,
    request: YearOfStudyRequest | None = None,
    note: str = "",
) -> YearOfStudyChange:
    """An unsaved log row; callers save it in the transaction that changes the year."""
    return YearOfStudyChange(
        member=member, old_year=old, new_year=new, source=source, changed_by=by, request=request, note=note[:255]
    )


def update_profile(
    *,
    member: Member,
    first_name: str,
    last_name: str,
    entry_year: int | None,
    year_of_study: int | None = None,
) -> Member:
    """Save the fields a member keeps themselves: their names and entry year.

    The year of study is not one of them (issue 12: it decides which sessions a member may register
    for and their survey band). Once a member has a year, only the member import, the rollover, the
    admin site and an approved request (`request_year_of_study_correction`) change it. A member with
    no year yet (e.g. one whose sign-up skipped it, or a member of staff) may give it here once,
    on their own word as at sign-up: it is logged (source profile) and from then on corrected only
    through a request. Locks the member's row to re-check that they still have none, and raises
    YearOfStudyRefused if a year is given when they already have one (e.g. an import set it since).
    """
    fields = ["first_name", "last_name", "entry_year"]
    with transaction.atomic():
        if year_of_study is not None:
            current = (
                Member.objects.select_for_update(no_key=True).values_list("year_of_study", flat=True).get(pk=member.pk)
            )
            if current is not None:
                member.year_of_study = current
                raise YearOfStudyRefused(
                    _("Your year of study is already recorded; ask the committee to correct it if it is wrong.")
                )
            member.year_of_study = year_of_study
            fields.append("year_of_study")
            _year_change(member=member, old=None, new=year_of_study, source=YearChangeSource.PROFILE, by=member).save()
        member.first_name, member.last_name = first_name.strip(), last_name.strip()
        member.entry_year = entry_year
        member.save(update_fields=fields)
    return member


def record_first_year_of_study(*, member: Member, source: YearChangeSource, by: Member | None = None) -> None:
    """Log the year a new member was created with (at sign-up or in the admin site); nothing if none.

    Call it in the transaction that created the member. Writes one row; raises nothing of its own.
    """
    if member.year_of_study is not None:
        _year_change(member=member, old=None, new=member.year_of_study, source=source, by=by).save()


def change_year_of_study(
    *, member: Member, year: int | None, source: YearChangeSource, by: Member | None = None, note: str = ""
) -> YearOfStudyChange | None:
    """Set a member's year of study and log the change, for the admin site (and scripts).

    Locks the member's row and logs the year it held then, so a change made a moment earlier by the
    rollover or an approval is recorded as what was replaced. Returns the log row, or None when the
    year was already `year`. Sets `member.year_of_study`; the caller may save the rest of the member
    in the same transaction. Raises nothing of its own.
    """
    with transaction.atomic():
        old = Member.objects.select_for_update(no_key=True).values_list("year_of_study", flat=True).get(pk=member.pk)
        member.year_of_study = year
        if old == year:
            return None
        Member.objects.filter(pk=member.pk).update(year_of_study=year)
        change = _year_change(member=member, old=old, new=year, source=source, by=by, note=note)
        change.save()
    return change


def request_year_of_study_correction(*, member: Member, year: int, reason: str = "") -> YearOfStudyRequest:
    """Ask the committee to correct the member's year of study to `year`.

    Records the year the member has now, so that an approval after the year has moved on (the
    rollover, an import) is refused instead of applied to the wrong year. Raises YearOfStudyRefused
    when the member has no year yet (they give it on their profile), asks for the year they are in,
    or already has a request waiting; the one-pending-request constraint settles a double submission.
    """
    current = Member.objects.values_list("year_of_study", flat=True).get(pk=member.pk)
    if current is None:
        raise YearOfStudyRefused(_("You have no year of study yet: give it on your profile."))
    if current == year:
        raise YearOfStudyRefused(_("You are already recorded in year %(year)s.") % {"year": year})
    try:
        with transaction.atomic():
            return YearOfStudyRequest.objects.create(
                member=member, year_of_study=year, year_when_asked=current, reason=reason.strip()
            )
    except IntegrityError:
        raise YearOfStudyRefused(
            _("You have already asked the committee to correct your year; wait for its answer or withdraw it.")
        ) from None


def withdraw_year_of_study_request(*, member: Member) -> YearOfStudyRequest:
    """Withdraw the member's pending request. Raises YearOfStudyRefused if none is pending (the
    committee may have decided it a moment ago); a conditional update settles that race."""
    year_request = YearOfStudyRequest.objects.filter(member=member, state=YearRequestState.PENDING).first()
    if year_request is None or not YearOfStudyRequest.objects.filter(
        pk=year_request.pk, state=YearRequestState.PENDING
    ).update(state=YearRequestState.WITHDRAWN):
        raise YearOfStudyRefused(_("You have no request waiting for the committee."))
    year_request.state = YearRequestState.WITHDRAWN
    return year_request


def _refuse_unless_pending(year_request: YearOfStudyRequest) -> None:
    if year_request.state != YearRequestState.PENDING:
        raise YearOfStudyRefused(
            _("This request is no longer waiting (%(state)s).") % {"state": year_request.get_state_display().lower()}
        )


def approve_year_of_study_request(
    *, year_request: YearOfStudyRequest, by: Member, note: str = ""
) -> YearOfStudyRequest:
    """Approve a pending request: set the member's year to the one asked for and log the change.

    Locks the request, then the member (always in that order), and re-checks both after locking,
    so two committee members approving at once apply it once. Raises YearOfStudyRefused if the
    request was decided or withdrawn meanwhile, or if the member's year has changed since they
    asked (the rollover or an import moved it): it would otherwise be applied to the wrong year.
    """
    with transaction.atomic():
        locked = YearOfStudyRequest.objects.select_for_update().get(pk=year_request.pk)
        _refuse_unless_pending(locked)
        member = Member.objects.select_for_update(no_key=True).get(pk=locked.member_id)
        if member.year_of_study != locked.year_when_asked:
            raise YearOfStudyRefused(
                _(
                    "%(member)s's year has changed since they asked (from %(then)s to %(now)s); "
                    "decline this request, and they can ask again if it is still wrong."
                )
                % {"member": member, "then": locked.year_when_asked or "–", "now": member.year_of_study or "–"}
            )
        Member.objects.filter(pk=member.pk).update(year_of_study=locked.year_of_study)
        _year_change(
            member=member,
            old=member.year_of_study,
            new=locked.year_of_study,
            source=YearChangeSource.REQUEST,
            by=by,
            request=locked,
        ).save()
        locked.state, locked.decided_by, locked.decided_at = YearRequestState.APPROVED, by, timezone.now()
        locked.decision_note = note.strip()
        locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    return locked


def decline_year_of_study_request(
    *, year_request: YearOfStudyRequest, by: Member, note: str = ""
) -> YearOfStudyRequest:
    """Decline a pending request, with an optional note the member sees; the year is unchanged.

    Locks the request and re-checks it; raises YearOfStudyRefused if it was decided or withdrawn meanwhile.
    """
    with transaction.atomic():
        locked = YearOfStudyRequest.objects.select_for_update().get(pk=year_request.pk)
        _refuse_unless_pending(locked)
        locked.state, locked.decided_by, locked.decided_at = YearRequestState.DECLINED, by, timezone.now()
        locked.decision_note = note.strip()
        locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    return locked


def confirm_sole_address(*, member: Member) -> bool:
    """Mark the member's address verified after they followed a link mailed to it.

    Only when the member has exactly one address: a reset link does not say which of several
    addresses it was sent to. Returns whether an address was newly verified.
    """
    addresses = EmailAddress.objects.filter(user=member)
    if addresses.count() != 1:
        return False
    return addresses.filter(email__iexact=member.email, verified=False).update(verified=True) == 1


class RolloverAlreadyDone(Exception):
    """The rollover for this academic year has already run."""


class RolloverRefused(Exception):
    """The rollover looks like a mistake (see the message); `force` overrides it."""


@dataclass(frozen=True)
class RolloverResult:
    academic_year: AcademicYear
    promoted: int
    graduated: int
    dry_run: bool


# Two rollovers this close together mean a mistyped year, not two academic years.
ROLLOVER_MIN_INTERVAL = dt.timedelta(days=180)


def rollover_year(
    *, academic_year: AcademicYear | None = None, dry_run: bool = False, force: bool = False
) -> RolloverResult:
    """Move every active member up a year; year-6 members graduate (become inactive).

    Runs at most once per academic year: a `YearRollover` row, unique per year, is written in the
    same transaction, so a second run (even a concurrent one) raises RolloverAlreadyDone and
    changes nothing. Unless `force`, raises RolloverRefused for a year other than the current or
    the next one, or within 180 days of the last rollover (a mistyped year would otherwise move
    everyone up twice). Registrations keep the year recorded at the time, so history is unaffected.
    Locks the students' rows (in primary-key order) and logs each promotion as a change of year.
    """
    current = AcademicYear.current()
    academic_year = academic_year or current
    students = Member.objects.filter(is_active=True, year_of_study__isnull=False)
    if YearRollover.objects.filter(academic_year=academic_year.label).exists():
        raise RolloverAlreadyDone(academic_year.label)
    if not force:
        if academic_year not in (current, AcademicYear(current.start_year + 1)):
            raise RolloverRefused(
                _("%(year)s is neither the current academic year (%(current)s) nor the next one.")
                % {"year": academic_year, "current": current}
            )
        last = YearRollover.objects.order_by("-performed_at").first()
        if last and timezone.now() - last.performed_at < ROLLOVER_MIN_INTERVAL:
            raise RolloverRefused(
                _("The rollover for %(year)s already ran on %(date)s; members would move up twice.")
                % {"year": last.academic_year, "date": timezone.localdate(last.performed_at).strftime("%-d %B %Y")}
            )
    if dry_run:
        return RolloverResult(
            academic_year=academic_year,
            promoted=students.filter(year_of_study__lt=6).count(),
            graduated=students.filter(year_of_study=6).count(),
            dry_run=True,
        )
    try:
        with transaction.atomic():
            record = YearRollover.objects.create(academic_year=academic_year.label, promoted=0, graduated=0)
            # Locked and then updated by key, so the log names exactly the members moved and the
            # years they left, even if an approval or an import is changing a year at this moment.
            # FOR NO KEY UPDATE, as an UPDATE takes: registrations being written for these members
            # (a key-share lock on their row) carry on meanwhile.
            years = dict(students.order_by("pk").select_for_update(no_key=True).values_list("pk", "year_of_study"))
            finalists = [pk for pk, year in years.items() if year == 6]
            movers = [pk for pk, year in years.items() if year < 6]
            # Graduate first, or this year's year-5 members would graduate as well.
            record.graduated = Member.objects.filter(pk__in=finalists).update(
                is_active=False, graduated_on=timezone.localdate()
            )
            record.promoted = Member.objects.filter(pk__in=movers).update(year_of_study=F("year_of_study") + 1)
            YearOfStudyChange.objects.bulk_create(
                [
                    YearOfStudyChange(
                        member_id=pk,
                        old_year=years[pk],
                        new_year=years[pk] + 1,
                        source=YearChangeSource.ROLLOVER,
                        note=academic_year.label,
                    )
                    for pk in movers
                ],
                batch_size=500,
            )
            record.save(update_fields=["graduated", "promoted"])
    except IntegrityError:
        raise RolloverAlreadyDone(academic_year.label) from None
    return RolloverResult(
        academic_year=academic_year, promoted=record.promoted, graduated=record.graduated, dry_run=False
    )


def grant_role(*, member: Member, role: Role) -> None:
    """Add the member to the role's group (Teachers, Committee); nothing if they already have it."""
    group, _created = Group.objects.get_or_create(name=role.group_name)
    member.groups.add(group)


# --- Closing an account -------------------------------------------------------------------------

CLOSED_NAME = "Closed account"
# RFC 2606 reserves .invalid: the placeholder can never be delivered to, nor registered by anyone.
CLOSED_EMAIL = "closed-account-{pk}@closed.invalid"


class AccountClosingRefused(Exception):
    """The account cannot be closed now; the message says why and what to do first."""


def closing_blockers(*, member: Member) -> list[str]:
    """Why the member's account cannot be closed yet, in words for them (empty when it can), as the
    apps that keep something of theirs answer `members.closing.closing_blockers_asked`: today a
    place on the roster of a session still to come (`teachers.closing`). Asked by the confirmation
    page, the admin action and `close_account` itself. One query."""
    return [
        reason
        for _receiver, reasons in closing.closing_blockers_asked.send(sender=Member, member=member)
        for reason in reasons
    ]


def close_account(*, member: Member, by: Member | None) -> Member:
    """Close the member's account: the row stays as a tombstone, so the registrations, attendance,
    roster entries, applications and feedback receipts that point at it keep every past figure
    exactly as it was.

    Removed: name (→ "Closed account"), e-mail (→ a unique undeliverable placeholder), entry year,
    password (unusable), roles and permissions, allauth addresses and linked sign-in accounts
    (Microsoft), e-mail choices, account e-mails (kept as rendered, they hold the address), the
    personal calendar URL (`events.closing`), pending co-teaching invitations, an application
    awaiting a decision and every certificate issued to them (`teachers.closing`).
    Places and queue places at sessions still to come are cancelled through the attendance
    service (`attendance.closing`), so each freed place goes to the first in line. Those apps sit
    above members and answer its signals (`members.closing`) in this transaction. The year of study is kept: nothing
    identifies a member by it alone, and changes of it are the year-of-study log's to record; the
    member's requests to correct it go (their reasons are free text, and they count nowhere).
    Every session of the member ends: inactive members are refused by the authentication
    backends, and the session hash derives from the password, which changes.

    `by` is who closed it (the member themselves or an admin), kept with the time. Locks the member's
    row (FOR NO KEY UPDATE, so a registration being written for them concurrently, which takes a
    key-share lock on it, does not deadlock with this) and then, in key order, each session at
    which a place is cancelled. Raises AccountClosingRefused when `closing_blockers` has a reason,
    or when the account is already closed.
    """
    with transaction.atomic():
        locked = Member.objects.select_for_update(no_key=True).get(pk=member.pk)
        if locked.is_closed:
            raise AccountClosingRefused(_("This account has already been closed."))
        blockers = closing_blockers(member=locked)
        if blockers:
            raise AccountClosingRefused(" ".join(blockers))
        # The apps above members cancel and forget their part (`members.closing`): the places
        # to come first, as they lock sessions.
        closing.closing_cancels.send(sender=Member, member=locked)
        closing.closing_forgets.send(sender=Member, member=locked)
        forget_preferences(member=locked)
        forget_rendered_messages(member=locked)
        EmailAddress.objects.filter(user=locked).delete()
        SocialAccount.objects.filter(user=locked).delete()
        YearOfStudyRequest.objects.filter(member=locked).delete()
        locked.groups.clear()
        locked.user_permissions.clear()
        locked.first_name, locked.last_name = CLOSED_NAME, ""
        locked.email = CLOSED_EMAIL.format(pk=locked.pk)
        locked.entry_year = None
        locked.set_unusable_password()
        locked.is_active = locked.is_staff = locked.is_superuser = False
        locked.closed_at, locked.closed_by = timezone.now(), by
        # Last, after the session locks: changing the e-mail (a unique column) takes the row lock
        # that conflicts with a concurrent registration's key-share lock.
        locked.save()
    return locked
