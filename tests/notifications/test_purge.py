"""Finished outbox rows are deleted after NOTIFICATION_KEEP_DAYS; waiting ones never are."""

import pytest

from notifications import tasks
from notifications.enums import MessageStatus
from notifications.models import Message
from tests.notifications.factories import MessageFactory

pytestmark = pytest.mark.django_db


def test_finished_rows_older_than_the_keep_period_are_deleted_and_the_rest_kept(settings):
    settings.NOTIFICATION_KEEP_DAYS = 365
    old = [
        MessageFactory(status=status, days_old=366)
        for status in (MessageStatus.SENT, MessageStatus.SKIPPED, MessageStatus.FAILED)
    ]
    kept = [
        MessageFactory(status=MessageStatus.SENT, days_old=364),
        MessageFactory(status=MessageStatus.PENDING, days_old=400),  # still to send, however old
        MessageFactory(status=MessageStatus.SENDING, days_old=400),
    ]

    assert tasks.purge.delay().get() == 3

    assert not Message.objects.filter(pk__in=[m.pk for m in old]).exists()
    assert set(Message.objects.values_list("pk", flat=True)) == {m.pk for m in kept}
    assert tasks.purge.delay().get() == 0
