"""notifications/permissions.py: who may send the waiting outbox now."""

import pytest
from django.contrib.auth.models import AnonymousUser

from notifications.permissions import can_send_outbox_now
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fields", "allowed"),
    [
        ({}, False),
        ({"roles": ["teacher"], "is_staff": True}, False),
        ({"roles": ["committee"]}, True),
        ({"roles": ["committee"], "is_active": False}, False),
        ({"is_staff": True, "is_superuser": True}, True),
        ({"is_staff": True, "is_superuser": True, "is_active": False}, False),
    ],
)
def test_sending_now_is_for_the_committee_and_admins(fields, allowed):
    assert can_send_outbox_now(MemberFactory(**fields)) is allowed


def test_nobody_signed_out_may_send_now():
    assert can_send_outbox_now(AnonymousUser()) is False


def test_an_admin_is_answered_without_a_query(django_assert_num_queries):
    admin = MemberFactory(is_staff=True, is_superuser=True)
    with django_assert_num_queries(0):
        assert can_send_outbox_now(admin)
