"""Every predicate in certificates/permissions.py, for each kind of user."""

import pytest
from django.contrib.auth.models import AnonymousUser

from certificates import permissions
from certificates.document import document
from certificates.models import Certificate
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    holder = MemberFactory()
    return {
        "anonymous": AnonymousUser(),
        "holder": holder,
        "member": MemberFactory(),
        "teacher": MemberFactory(roles=["teacher"]),
        "committee": MemberFactory(roles=["committee"]),
    }


@pytest.fixture
def certificate(users):
    return Certificate.objects.create(
        holder=users["holder"],
        code="ABC",
        kind="attendance",
        holder_name="H",
        body=document(heading="H", statement="S", sections=[]),
    )


def test_a_certificate_is_downloaded_by_its_holder_and_the_committee(users, certificate):
    allowed = {name for name, user in users.items() if permissions.can_download(user, certificate)}
    assert allowed == {"holder", "committee"}


def test_only_the_committee_revokes(users):
    assert {name for name, user in users.items() if permissions.can_revoke(user)} == {"committee"}
