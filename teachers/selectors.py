"""Reads for teaching."""

from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from attendance.enums import AttendanceStatus
from events.enums import SessionStatus
from teachers.enums import ApplicationStatus, InvitationStatus
from teachers.models import CoTeachingInvitation, RosterEntry, TeacherApplication


def pending_applications() -> QuerySet[TeacherApplication]:
    return (
        TeacherApplication.objects.filter(status=ApplicationStatus.PENDING)
        .select_related("member")
        .prefetch_related("motivations")
        .order_by("created_at", "pk")
    )


def latest_application(*, member) -> TeacherApplication | None:
    return TeacherApplication.objects.filter(member=member).order_by("-created_at", "-pk").first()


def pending_invitations(*, teacher) -> QuerySet[CoTeachingInvitation]:
    return (
        CoTeachingInvitation.objects.filter(teacher=teacher, status=InvitationStatus.PENDING)
        .select_related("session", "invited_by")
        .order_by("session__starts_at", "pk")
    )


def upcoming_roster_entries(*, teacher) -> QuerySet[RosterEntry]:
    """The member's places on the rosters of sessions that have not started and are not cancelled."""
    return (
        RosterEntry.objects.filter(teacher=teacher, session__starts_at__gt=timezone.now())
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session")
        .order_by("session__starts_at", "session_id")
    )


def teaching_log(*, teacher) -> list[dict]:
    """The completed sessions a member has taught, oldest first, with their role, hours and attendees."""
    entries = (
        RosterEntry.objects.filter(teacher=teacher, session__status=SessionStatus.COMPLETED)
        .select_related("session")
        # Attendees: the attendance app's registrations marked present or late, counted in SQL.
        .annotate(
            attendees=Count(
                "session__registrations", filter=Q(session__registrations__attendance__in=AttendanceStatus.attended)
            )
        )
        .order_by("session__starts_at", "session_id")
    )
    return [
        {
            "session": entry.session,
            "role": entry.get_role_display(),
            "hours": Decimal(str(round(entry.session.duration_hours, 2))),
            "attendees": entry.attendees,
        }
        for entry in entries
    ]
