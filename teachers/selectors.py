"""Reads for teaching."""

from django.db.models import QuerySet

from teachers.enums import ApplicationStatus, InvitationStatus
from teachers.models import CoTeachingInvitation, TeacherApplication


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
