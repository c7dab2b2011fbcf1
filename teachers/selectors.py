"""Reads for teaching."""

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from events import permissions as event_permissions
from events import selectors as event_selectors
from events.attendees import attendees_by_session
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


def approval(*, teacher) -> TeacherApplication | None:
    """The committee's latest approval of the member as a teacher, with who decided it (None for
    teachers made so without an application, e.g. in the admin)."""
    return (
        TeacherApplication.objects.filter(member=teacher, status=ApplicationStatus.APPROVED)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")
        .first()
    )


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


def sessions_by_need(*, teacher, now: dt.datetime | None = None) -> dict[str, list]:
    """The sessions `teacher` teaches, grouped by what they need next: drafts, awaiting approval,
    upcoming (published and not ended, soonest first), past (latest first), cancelled, and
    `needs_register`: past sessions with no register taken that `can_take_register` still lets
    them take. The teaching dashboard and the home page read it. Four queries."""
    now = now or timezone.now()
    groups = {"drafts": [], "awaiting": [], "upcoming": [], "past": [], "cancelled": [], "needs_register": []}
    for session in event_selectors.sessions_taught_by(teacher=teacher):
        if session.status == SessionStatus.DRAFT:
            groups["drafts"].append(session)
        elif session.status == SessionStatus.SUBMITTED:
            groups["awaiting"].append(session)
        elif session.status == SessionStatus.CANCELLED:
            groups["cancelled"].append(session)
        elif session.ends_at > now:
            groups["upcoming"].append(session)
        else:
            groups["past"].append(session)
            if not hasattr(session, "register_taken") and event_permissions.can_take_register(
                teacher, session, now=now
            ):
                groups["needs_register"].append(session)
    groups["past"].reverse()
    return groups


def teaching_log(*, teacher) -> list[dict]:
    """The completed sessions a member has taught, oldest first, with their role, hours and attendees."""
    entries = list(
        RosterEntry.objects.filter(teacher=teacher, session__status=SessionStatus.COMPLETED)
        .select_related("session")
        .order_by("session__starts_at", "session_id")
    )
    # Attendees: as the attendance app counts them, in one query (`events.attendees`).
    attendees = attendees_by_session(session_ids=[entry.session_id for entry in entries]) if entries else {}
    return [
        {
            "session": entry.session,
            "role": entry.get_role_display(),
            "hours": Decimal(str(round(entry.session.duration_hours, 2))),
            "attendees": attendees[entry.session_id],
        }
        for entry in entries
    ]
