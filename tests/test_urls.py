"""Every URL the project serves, with the roles allowed. A new URL fails here until it is listed."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import MemberFactory

PUBLIC, SIGNED_IN, COMMITTEE = "public", "signed in", "committee"

ACCESS = {
    "home": PUBLIC,
    "members:profile": SIGNED_IN,
    "members:import": COMMITTEE,
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
    COMMITTEE: {"committee"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ACCESS))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_only_what_it_may(client, name, role):
    if role != "anonymous":
        roles = {"member": [], "teacher": ["teacher"], "committee": ["committee"]}[role]
        client.force_login(MemberFactory(roles=roles))
    response = client.get(reverse(name))
    if role in ALLOWED[ACCESS[name]]:
        assert response.status_code == 200
    elif role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 403
