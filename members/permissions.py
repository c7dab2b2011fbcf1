"""Role predicates. Each reads the member's group names once per request object, then caches them."""

from members.enums import Role


def _group_names(user) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_meded_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._meded_group_names = cached
    return cached


def cache_group_names(user, names) -> None:
    """Give the predicates a member's group names read elsewhere (for many members in one query)."""
    user._meded_group_names = frozenset(names)


def is_committee(user) -> bool:
    return user.is_authenticated and user.is_active and Role.COMMITTEE.group_name in _group_names(user)


def is_teacher(user) -> bool:
    return user.is_authenticated and user.is_active and Role.TEACHER.group_name in _group_names(user)


def can_import_members(user) -> bool:
    return is_committee(user) or (user.is_authenticated and user.is_active and user.is_superuser)


def can_decide_year_of_study_requests(user) -> bool:
    """Who sees the queue of requests to correct a year of study."""
    return is_committee(user)


def can_decide_year_of_study_request(user, year_request) -> bool:
    """The committee decides a request, but nobody decides their own."""
    return can_decide_year_of_study_requests(user) and year_request.member_id != user.pk
