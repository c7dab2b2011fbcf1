"""A member's own data, as they download it: one document, written as JSON and as CSV files in a zip.

The document holds what MedEd keeps about the member and links to them: their profile and
sign-in addresses, changes of their year of study and their requests to correct it,
registrations and attendance, teaching, teacher applications, e-mail choices,
the e-mails sent to them and which sessions and surveys they have given feedback on. Not their
feedback answers: those are anonymous, stored with nothing that links them to anyone (see
`feedback.anonymity`), so no one — the member included — can pick theirs out. Nothing of other
members is included (no co-teachers, no one who invited or decided).

Reads every app's tables, as `analytics` does, and writes none (so it lives in `home`, above them
all). A dozen queries whatever the amount of data (a test holds it to that).
"""

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import Registration
from certificates.models import Certificate
from feedback.models import Receipt
from meded.spreadsheets import csv_bytes
from members.models import Member, YearOfStudyChange, YearOfStudyRequest
from notifications.models import Message, Unsubscription
from notifications.preferences import categories_for
from teachers.enums import InvitationStatus
from teachers.models import CoTeachingInvitation, RosterEntry, TeacherApplication

# The sections written as CSV files, each with its columns (the keys of its rows in the JSON).
SECTIONS = {
    "registrations": (
        "session",
        "starts_at",
        "ends_at",
        "session_status",
        "mode",
        "state",
        "year_of_study",
        "registered_at",
        "promoted_at",
        "cancelled_at",
        "walk_in",
        "attendance",
        "attended_mode",
        "attendance_taken_by",
        "checked_in_at",
    ),
    "teaching": ("session", "starts_at", "ends_at", "session_status", "role", "year_of_study", "hours"),
    "certificates": ("code", "kind", "issued_at", "name_on_certificate", "revoked_at"),
    "co_teaching_invitations": ("session", "starts_at", "status", "invited_at", "replied_at"),
    "applications": (
        "applied_at",
        "year_of_study",
        "subjects",
        "motivations",
        "other_motivation",
        "status",
        "decided_at",
        "reason_for_declining",
    ),
    "year_of_study_changes": ("changed_at", "from_year", "to_year", "source"),
    "year_of_study_requests": (
        "asked_at",
        "year_when_asked",
        "year_asked_for",
        "reason",
        "state",
        "decided_at",
        "committee_note",
    ),
    "email_choices": ("category", "receiving", "turned_off_at"),
    "emails": ("kind", "status", "created_at", "sent_at"),
    "feedback_given": ("about", "title", "date"),
}


def _when(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _hours(session) -> float:
    return float(Decimal(str(session.duration_hours)).quantize(Decimal("0.01")))


def export_member_data(*, member: Member) -> dict:
    """Everything MedEd holds about `member` (see the module docstring), in plain JSON types.
    Each list is in time order. Thirteen queries."""
    roles = sorted(member.groups.values_list("name", flat=True))
    # The roles just read, where `members.permissions` looks for them (`categories_for` asks it).
    member._meded_group_names = frozenset(roles)
    addresses = EmailAddress.objects.filter(user=member).order_by("-primary", "email")
    linked = SocialAccount.objects.filter(user=member).order_by("provider", "pk")
    registrations = (
        Registration.objects.filter(member=member).select_related("session").order_by("session__starts_at", "pk")
    )
    roster = RosterEntry.objects.filter(teacher=member).select_related("session").order_by("session__starts_at", "pk")
    certificates = Certificate.objects.filter(holder=member).order_by("issued_at", "pk")
    # Only invitations to the member: one they sent names the colleague they invited.
    invitations = (
        CoTeachingInvitation.objects.filter(teacher=member).select_related("session").order_by("created_at", "pk")
    )
    applications = (
        TeacherApplication.objects.filter(member=member).prefetch_related("motivations").order_by("created_at", "pk")
    )
    # Not who made a change or decided a request: those are other members.
    year_changes = YearOfStudyChange.objects.filter(member=member).order_by("changed_at", "pk")
    year_requests = YearOfStudyRequest.objects.filter(member=member).order_by("created_at", "pk")
    turned_off = dict(Unsubscription.objects.filter(member=member).values_list("category", "created_at"))
    emails = Message.objects.filter(recipient=member).order_by("created_at", "pk")
    receipts = Receipt.objects.filter(member=member).select_related("session", "survey")

    feedback_given = [
        {
            "about": _("session") if receipt.session_id else _("survey"),
            "title": (receipt.session or receipt.survey).title,
            "date": _when(receipt.session.starts_at if receipt.session_id else receipt.survey.opens_at),
        }
        for receipt in receipts
    ]
    return {
        "exported_at": _when(timezone.now()),
        "society": settings.SOCIETY_NAME,
        "about_feedback": _(
            "Your feedback answers are not included: they are stored anonymously, with nothing that "
            "links them to you, so they cannot be picked out as yours. “feedback_given” lists the "
            "sessions and surveys you have answered."
        ),
        "profile": {
            "email": member.email,
            "first_name": member.first_name,
            "last_name": member.last_name,
            "year_of_study": member.year_of_study,
            "entry_year": member.entry_year,
            "roles": roles,
            "member_since": _when(member.date_joined),
            "last_signed_in": _when(member.last_login),
            "graduated_on": member.graduated_on.isoformat() if member.graduated_on else None,
            "email_addresses": [{"email": a.email, "verified": a.verified, "primary": a.primary} for a in addresses],
            "linked_sign_in": [{"provider": account.provider, "uid": account.uid} for account in linked],
        },
        "registrations": [
            {
                "session": r.session.title,
                "starts_at": _when(r.session.starts_at),
                "ends_at": _when(r.session.ends_at),
                "session_status": r.session.get_status_display(),
                "mode": r.get_mode_display(),
                "state": r.get_state_display(),
                "year_of_study": r.year_of_study,
                "registered_at": _when(r.queued_at),
                "promoted_at": _when(r.promoted_at),
                "cancelled_at": _when(r.cancelled_at),
                "walk_in": r.is_walk_in,
                "attendance": r.get_attendance_display(),
                "attended_mode": r.get_attended_mode_display(),
                "attendance_taken_by": r.get_attendance_source_display(),
                "checked_in_at": _when(r.checked_in_at),
            }
            for r in registrations
        ],
        "teaching": [
            {
                "session": entry.session.title,
                "starts_at": _when(entry.session.starts_at),
                "ends_at": _when(entry.session.ends_at),
                "session_status": entry.session.get_status_display(),
                "role": entry.get_role_display(),
                "year_of_study": entry.year_of_study,
                "hours": _hours(entry.session),
            }
            for entry in roster
        ],
        "certificates": [
            {
                "code": c.code,
                "kind": str(c.get_kind_display()),
                "issued_at": _when(c.issued_at),
                "name_on_certificate": c.holder_name,
                "revoked_at": _when(c.revoked_at),
            }
            for c in certificates
        ],
        "co_teaching_invitations": [
            {
                "session": i.session.title,
                "starts_at": _when(i.session.starts_at),
                "status": i.get_status_display(),
                "invited_at": _when(i.created_at),
                "replied_at": _when(i.responded_at) if i.status != InvitationStatus.PENDING else None,
            }
            for i in invitations
        ],
        "applications": [
            {
                "applied_at": _when(a.created_at),
                "year_of_study": a.year_of_study,
                "subjects": a.subjects,
                "motivations": sorted(str(m.get_motivation_display()) for m in a.motivations.all()),
                "other_motivation": a.other_motivation,
                "status": a.get_status_display(),
                "decided_at": _when(a.decided_at),
                "reason_for_declining": a.decline_reason,
            }
            for a in applications
        ],
        "year_of_study_changes": [
            {
                "changed_at": _when(c.changed_at),
                "from_year": c.old_year,
                "to_year": c.new_year,
                "source": c.get_source_display(),
            }
            for c in year_changes
        ],
        "year_of_study_requests": [
            {
                "asked_at": _when(r.created_at),
                "year_when_asked": r.year_when_asked,
                "year_asked_for": r.year_of_study,
                "reason": r.reason,
                "state": r.get_state_display(),
                "decided_at": _when(r.decided_at),
                "committee_note": r.decision_note,
            }
            for r in year_requests
        ],
        "email_choices": [
            {
                "category": str(category.label),
                "receiving": category.value not in turned_off,
                "turned_off_at": _when(turned_off.get(category.value)),
            }
            for category in categories_for(member)
        ],
        "emails": [
            {
                "kind": m.get_kind_display(),
                "status": m.get_status_display(),
                "created_at": _when(m.created_at),
                "sent_at": _when(m.sent_at),
            }
            for m in emails
        ],
        "feedback_given": sorted(feedback_given, key=lambda row: (row["date"] or "", row["title"])),
    }


def _cell(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "; ".join(_flat(item) for item in value)
    return "" if value is None else str(value)


def _flat(item) -> str:
    if isinstance(item, dict):
        return " ".join(f"{key}={_cell(value)}" for key, value in item.items())
    return str(item)


def member_data_zip(document: dict) -> bytes:
    """The document as a zip: data.json (all of it), a CSV per section that spreadsheet programs
    open safely (`meded.spreadsheets`), profile.csv as field/value rows, and a README."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=2))
        archive.writestr(
            "profile.csv",
            csv_bytes(
                header=["field", "value"],
                rows=[(field, _cell(value)) for field, value in document["profile"].items()],
            ),
        )
        for section, columns in SECTIONS.items():
            archive.writestr(
                f"{section}.csv",
                csv_bytes(header=columns, rows=[[_cell(row[c]) for c in columns] for row in document[section]]),
            )
        archive.writestr("README.txt", _readme(document))
    return buffer.getvalue()


def _readme(document: dict) -> str:
    files = ", ".join(["profile.csv", *(f"{section}.csv" for section in SECTIONS)])
    return (
        "\n\n".join(
            [
                _("Your data from %(society)s, exported on %(date)s.")
                % {"society": document["society"], "date": document["exported_at"]},
                _("data.json holds all of it; %(files)s hold the same in tables that open in a spreadsheet.")
                % {"files": files},
                document["about_feedback"],
            ]
        )
        + "\n"
    )
