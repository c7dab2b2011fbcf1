"""Every URL the project serves, with the roles allowed. A new URL fails here until it is listed."""

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from events.services import approve_session, create_session, submit_session
from tests.factories import MemberFactory

PUBLIC, SIGNED_IN, TEACHER, COMMITTEE, POST_ONLY = "public", "signed in", "teacher", "committee", "post only"

# name -> (who may GET it, whether it takes a published session's id). Object views are checked
# against a published session whose roster does not include the teacher role below.
ACCESS = {
    "home": (PUBLIC, False),
    "members:profile": (SIGNED_IN, False),
    "members:import": (COMMITTEE, False),
    "events:catalogue": (SIGNED_IN, False),
    "events:approvals": (COMMITTEE, False),
    "events:detail": (SIGNED_IN, True),
    "events:edit": (COMMITTEE, True),
    "events:cancel": (COMMITTEE, True),
    "events:submit": (POST_ONLY, True),
    "teachers:dashboard": (TEACHER, False),
    "teachers:propose": (TEACHER, False),
}
# URL trees whose access rules are a library's own (and tested upstream): allauth under accounts/
# checks the session, the admin checks is_staff.
THIRD_PARTY_PREFIXES = ("accounts/", "admin/")


def _patterns(resolver: URLResolver, namespace: str = "", prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, ns, route)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else f"<unnamed {route}>"), route


def test_every_url_is_listed_with_its_roles():
    ours = {name for name, route in _patterns(get_resolver()) if not route.startswith(THIRD_PARTY_PREFIXES)}
    assert ours == set(ACCESS)


ROLES = ["anonymous", "member", "teacher", "committee"]
ALLOWED = {
    PUBLIC: set(ROLES),
    SIGNED_IN: {"member", "teacher", "committee"},
    TEACHER: {"teacher"},
    COMMITTEE: {"committee"},
    POST_ONLY: set(),
}


@pytest.fixture
def published_session():
    lead = MemberFactory(roles=["teacher"])
    start = timezone.now() + dt.timedelta(days=3)
    session = create_session(
        created_by=lead, title="Cardiology", format="online", starts_at=start, ends_at=start + dt.timedelta(hours=1),
        target_years=[1], meeting_url="https://teams.example/meet",
    )  # fmt: skip
    submit_session(session=session, by=lead)
    return approve_session(session=session, by=lead)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ACCESS))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_only_what_it_may(client, name, role, published_session):
    if role != "anonymous":
        roles = {"member": [], "teacher": ["teacher"], "committee": ["committee"]}[role]
        client.force_login(MemberFactory(roles=roles))
    rule, takes_session = ACCESS[name]
    response = client.get(reverse(name, args=[published_session.pk] if takes_session else []))
    if role in ALLOWED[rule]:
        assert response.status_code == 200
    elif role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif rule == POST_ONLY:
        assert response.status_code == 405
    else:
        assert response.status_code == 403
