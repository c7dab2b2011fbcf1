"""`manage.py outbox`: the outbox in a terminal, and sending what waits now."""

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from kombu.exceptions import OperationalError

from notifications import tasks
from notifications.enums import MessageStatus
from tests.notifications.factories import cancellation_messages

pytestmark = pytest.mark.django_db

# 09:00 in London (GMT in March).
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def _outbox(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with mock.patch("django.utils.timezone.now", return_value=NOW):  # the clock
        call_command("outbox", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def outbox_after_an_smtp_outage():
    """Two messages backing off after the mail server went away, one refused for good, one sent, one
    a stopped worker claimed six minutes ago."""
    waiting = cancellation_messages(
        2, created_at=NOW - 7 * MINUTE - dt.timedelta(seconds=5), attempts=2, next_attempt_at=NOW + 3 * MINUTE
    )
    cancellation_messages(1, status=MessageStatus.FAILED, attempts=1, last_error="550 No such user")
    cancellation_messages(1, status=MessageStatus.SENT, attempts=1, created_at=NOW - 60 * MINUTE)
    claimed = cancellation_messages(1, status=MessageStatus.SENDING, attempts=1, claimed_at=NOW - 6 * MINUTE)
    return waiting, claimed


def test_status_is_a_table_of_counts_with_the_oldest_waiting_age_and_the_next_retry(outbox_after_an_smtp_outage):
    out, err = _outbox("--status")
    assert err == ""
    assert out == (
        "Outbox at 2027-03-01 09:00:00 (GMT)\n"
        "\n"
        "Status                                       Messages\n"
        "-------------------------------------------  --------\n"
        "Waiting to be sent                                  2\n"
        "  due now                                           0\n"
        "  waiting out a back-off                            2\n"
        "Being sent                                          1\n"
        "  claim lapsed (worker gone)                        1\n"
        "Sent                                                1\n"
        "Not sent (turned off or no longer relevant)         0\n"
        "Failed                                              1\n"
        "\n"
        "Oldest waiting message: 7 min 5 s (since 2027-03-01 08:52:55)\n"
        "Next retry after a back-off: in 3 min (09:03:00)\n"
        "Oldest claim: 6 min (a claim older than 5 min is a stopped worker's, sent again by the sweep)\n"
    )


def test_status_is_the_default(outbox_after_an_smtp_outage):
    assert _outbox() == _outbox("--status")


def test_send_now_queues_the_waiting_and_the_lapsed_claims_at_once(outbox_after_an_smtp_outage, mailoutbox):
    waiting, claimed = outbox_after_an_smtp_outage
    with mock.patch.object(tasks.send, "apply_async") as send:  # the broker
        out, err = _outbox("--send-now")
    [call] = send.call_args_list
    assert sorted(call.kwargs["kwargs"]["message_ids"]) == sorted(m.pk for m in [*waiting, *claimed])
    assert out.startswith("Queued 3 waiting messages to be sent now.\nOutbox at ")
    assert "  due now                                           2\n" in out
    assert "Next retry after a back-off" not in out
    assert err == ""
    for message in waiting:
        message.refresh_from_db()
        assert (message.status, message.attempts, message.next_attempt_at) == (MessageStatus.PENDING, 2, NOW)


def test_send_now_sends_them_once_through_a_worker(outbox_after_an_smtp_outage, mailoutbox):
    waiting, claimed = outbox_after_an_smtp_outage
    _outbox("--send-now")  # tasks run eagerly here, as a worker would
    assert sorted(email.to[0] for email in mailoutbox) == sorted(m.recipient.email for m in [*waiting, *claimed])
    _outbox("--send-now")
    assert len(mailoutbox) == 3


def test_send_now_says_so_when_the_broker_cannot_be_reached(outbox_after_an_smtp_outage):
    with mock.patch.object(tasks.send, "apply_async", side_effect=OperationalError("Connection refused")):
        out, err = _outbox("--send-now")
    assert err == (
        "Queued 0 of 3 waiting messages: the broker could not be reached. "
        "The rest are due and go at the first sweep once it is back.\n"
    )
    assert "  due now                                           2\n" in out
