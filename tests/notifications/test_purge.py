"""Finished outbox rows are deleted after NOTIFICATION_KEEP_DAYS; waiting ones never are."""

import datetime as dt

import pytest
from django.utils import timezone

from notifications import tasks
from notifications.enums import MessageKind, MessageStatus
from notifications.models import Message
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _message(status: str, *, days_old: int) -> Message:
    return Message.objects.create(
        kind=MessageKind.COMMITTEE_DIGEST,
        recipient=MemberFactory(),
        occurrence=f"{status}-{days_old}",
        status=status,
        created_at=timezone.now() - dt.timedelta(days=days_old),
    )


def test_finished_rows_older_than_the_keep_period_are_deleted_and_the_rest_kept(settings):
    settings.NOTIFICATION_KEEP_DAYS = 365
    old = [
        _message(status, days_old=366) for status in (MessageStatus.SENT, MessageStatus.SKIPPED, MessageStatus.FAILED)
    ]
    kept = [
        _message(MessageStatus.SENT, days_old=364),
        _message(MessageStatus.PENDING, days_old=400),  # still to send, however old
        _message(MessageStatus.SENDING, days_old=400),
    ]

    assert tasks.purge.delay().get() == 3

    assert not Message.objects.filter(pk__in=[m.pk for m in old]).exists()
    assert set(Message.objects.values_list("pk", flat=True)) == {m.pk for m in kept}
    assert tasks.purge.delay().get() == 0
