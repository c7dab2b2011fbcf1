"""Reads for members."""

from django.db.models import Prefetch, QuerySet

from members.enums import YearRequestState
from members.models import Member, YearOfStudyChange, YearOfStudyRequest


def pending_year_of_study_requests() -> QuerySet[YearOfStudyRequest]:
    """The committee's queue, oldest first, each with its member's history of changes of year."""
    history = YearOfStudyChange.objects.select_related("changed_by").order_by("-changed_at", "-pk")
    return (
        YearOfStudyRequest.objects.filter(state=YearRequestState.PENDING)
        .select_related("member")
        .prefetch_related(Prefetch("member__year_of_study_changes", queryset=history, to_attr="year_history"))
        .order_by("created_at", "pk")
    )


def latest_year_of_study_request(*, member: Member) -> YearOfStudyRequest | None:
    return YearOfStudyRequest.objects.filter(member=member).order_by("-created_at", "-pk").first()


def year_of_study_requests_for(*, member: Member) -> QuerySet[YearOfStudyRequest]:
    return YearOfStudyRequest.objects.filter(member=member).order_by("-created_at", "-pk")
