"""Reads for teaching."""

from django.db.models import QuerySet

from teachers.enums import ApplicationStatus
from teachers.models import TeacherApplication


def pending_applications() -> QuerySet[TeacherApplication]:
    return (
        TeacherApplication.objects.filter(status=ApplicationStatus.PENDING)
        .select_related("member")
        .prefetch_related("motivations")
        .order_by("created_at", "pk")
    )


def latest_application(*, member) -> TeacherApplication | None:
    return TeacherApplication.objects.filter(member=member).order_by("-created_at", "-pk").first()
