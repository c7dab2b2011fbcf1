"""Sending renews its claim only as it nears the lease and writes outcomes together: what the
mail server accepted is always recorded before the claim it was sent under could lapse, and a
worker that stops mid-batch leaves unrecorded only the messages of its last moments.

The clock is the outside world here: each test drives the sender's monotonic clock and the wall
clock together, and the mail server's replies take as long as the test says."""

import datetime as dt
import smtplib
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.utils import timezone

from attendance.services import register
from notifications import sending
from notifications.due import write_due_messages
from notifications.enums import MessageKind, MessageStatus
from notifications.models import Message
from notifications.sending import CLAIM_LEASE, RECORD_AFTER, RECORD_EVERY, RENEW_AFTER, retry_delay, send_messages
from tests.factories import StudentFactory
from tests.notifications.factories import SEND, published_session

pytestmark = pytest.mark.django_db

locmem_send = EmailBackend.send_messages


class Clock:
    """The sender's monotonic clock and the wall clock, moved on together by the test."""

    def __init__(self):
        self.start = timezone.now()
        self.seconds = 1000.0

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=self.seconds - 1000.0)


@pytest.fixture
def clock():
    clock = Clock()
    with (
        mock.patch.object(sending, "monotonic", clock.monotonic),
        mock.patch("django.utils.timezone.now", clock.now),
    ):
        yield clock


def _reminders(count: int) -> list[int]:
    session = published_session()
    for _ in range(count):
        register(session=session, member=StudentFactory())
    Message.objects.all().delete()
    write_due_messages(now=session.starts_at - dt.timedelta(hours=20))
    return list(Message.objects.filter(kind=MessageKind.SESSION_REMINDER).order_by("pk").values_list("pk", flat=True))


def _recipients(ids):
    return dict(Message.objects.filter(pk__in=ids).values_list("recipient__email", "pk"))


class Renewals:
    """Counts the UPDATEs that renew a claim, noting how many messages had been accepted by then."""

    def __init__(self, mailoutbox):
        self.mailoutbox, self.at = mailoutbox, []

    def __call__(self, execute, sql, params, many, context):
        if sql.startswith('UPDATE "notifications_message" SET "claimed_at"'):
            self.at.append(len(self.mailoutbox))
        return execute(sql, params, many, context)


def test_the_claim_is_renewed_only_once_it_nears_the_lease(clock, mailoutbox):
    ids = _reminders(7)
    renewals = Renewals(mailoutbox)

    def slow_server(backend, messages):
        clock.seconds += 25  # each exchange with the server takes 25 s
        return locmem_send(backend, messages)

    with connection.execute_wrapper(renewals), mock.patch(SEND, autospec=True, side_effect=slow_server):
        assert send_messages(message_ids=ids)["sent"] == 7
    # Renewed before the message that finds the claim RENEW_AFTER (60 s) old: the 4th (75 s),
    # then the 7th (75 s after that); never before the others.
    assert RENEW_AFTER == dt.timedelta(minutes=1)
    assert renewals.at == [3, 6]
    assert set(Message.objects.filter(pk__in=ids).values_list("status", flat=True)) == {MessageStatus.SENT}


def test_a_quick_batch_never_renews_its_claim(clock, mailoutbox):
    ids = _reminders(5)
    renewals = Renewals(mailoutbox)
    with connection.execute_wrapper(renewals):
        assert send_messages(message_ids=ids)["sent"] == 5
    assert renewals.at == []


def test_accepted_messages_are_recorded_before_their_claim_could_lapse(clock, mailoutbox, monkeypatch):
    # Only the renewal of the claim and the end of the batch may write outcomes here: this is
    # the bound that holds whatever the other triggers do.
    monkeypatch.setattr(sending, "RECORD_EVERY", 10_000)
    monkeypatch.setattr(sending, "RECORD_AFTER", dt.timedelta(days=1))
    ids = _reminders(10)
    by_email = _recipients(ids)
    oldest_unrecorded = []

    def slow_server(backend, messages):
        # Before this message goes: every row accepted so far, and every row still being sent,
        # is under a claim younger than the lease, so no other sender could take it over.
        accepted = [by_email[email.to[0]] for email in mailoutbox]
        unrecorded = Message.objects.filter(pk__in=accepted, status=MessageStatus.SENDING)
        held = Message.objects.filter(pk__in=ids, status=MessageStatus.SENDING)
        assert all(clock.now() - row.claimed_at < CLAIM_LEASE for row in held)
        oldest_unrecorded.append(max((clock.now() - row.claimed_at for row in unrecorded), default=dt.timedelta(0)))
        clock.seconds += 50  # a very slow server: the batch outlives the lease several times
        return locmem_send(backend, messages)

    with mock.patch(SEND, autospec=True, side_effect=slow_server):
        assert send_messages(message_ids=ids)["sent"] == 10
    assert clock.now() - clock.start == dt.timedelta(seconds=500)
    assert dt.timedelta(0) < max(oldest_unrecorded) < RENEW_AFTER + dt.timedelta(seconds=50)
    assert set(Message.objects.filter(pk__in=ids).values_list("status", flat=True)) == {MessageStatus.SENT}


def test_a_worker_killed_at_any_moment_leaves_only_its_last_second_unrecorded(clock, mailoutbox):
    ids = _reminders(12)
    by_email = _recipients(ids)
    at_risk = []

    def server(backend, messages):
        # Were the worker killed outright here, these rows, accepted but not recorded, would be
        # sent again once their claim lapsed.
        accepted = [by_email[email.to[0]] for email in mailoutbox]
        at_risk.append(Message.objects.filter(pk__in=accepted, status=MessageStatus.SENDING).count())
        clock.seconds += 0.3
        return locmem_send(backend, messages)

    with mock.patch(SEND, autospec=True, side_effect=server):
        assert send_messages(message_ids=ids)["sent"] == 12
    # At 0.3 s a message, outcomes are written once the oldest has waited RECORD_AFTER (1 s):
    # never more than four accepted and unrecorded, besides the one in flight.
    assert RECORD_AFTER == dt.timedelta(seconds=1)
    assert at_risk == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]


def test_a_fast_batch_records_at_least_every_record_every_messages(clock, mailoutbox):
    ids = _reminders(RECORD_EVERY + 5)
    by_email = _recipients(ids)
    at_risk = []

    def server(backend, messages):
        accepted = [by_email[email.to[0]] for email in mailoutbox]
        at_risk.append(Message.objects.filter(pk__in=accepted, status=MessageStatus.SENDING).count())
        return locmem_send(backend, messages)

    with mock.patch(SEND, autospec=True, side_effect=server):
        assert send_messages(message_ids=ids)["sent"] == RECORD_EVERY + 5
    # Never more than RECORD_EVERY - 1 accepted and unrecorded, besides the one in flight.
    assert at_risk == [*range(RECORD_EVERY), 0, 1, 2, 3, 4]


def test_a_batch_stopped_mid_way_records_what_was_accepted_and_gives_back_the_rest(clock, mailoutbox):
    ids = _reminders(6)
    calls = []

    def server(backend, messages):
        calls.append(messages[0].to[0])
        if len(calls) == 4:
            raise SoftTimeLimitExceeded()  # the task's time limit strikes during the 4th exchange
        return locmem_send(backend, messages)

    with mock.patch(SEND, autospec=True, side_effect=server), pytest.raises(SoftTimeLimitExceeded):
        send_messages(message_ids=ids)
    accepted = {email.to[0] for email in mailoutbox}
    assert len(accepted) == 3
    rows = {
        email: (status, attempts, sent_at is not None)
        for email, status, attempts, sent_at in Message.objects.filter(pk__in=ids).values_list(
            "recipient__email", "status", "attempts", "sent_at"
        )
    }
    assert rows == {
        email: (MessageStatus.SENT, 1, True) if email in accepted else (MessageStatus.PENDING, 0, False)
        for email in rows
    }


def test_outcomes_written_together_are_each_recorded_as_they_happened(clock, mailoutbox):
    ids = _reminders(5)
    by_email = _recipients(ids)
    order = sorted(by_email, key=by_email.get)
    refused, later, gone, fine_1, fine_2 = order
    Message.objects.filter(pk=by_email[gone]).update(recipient=StudentFactory(is_active=False))
    replies = {
        refused: smtplib.SMTPRecipientsRefused({refused: (550, b"5.1.1 No such user")}),
        later: smtplib.SMTPResponseException(451, b"4.3.0 Try again later"),
    }
    writes = []

    def server(backend, messages):
        clock.seconds += 0.1
        reply = replies.get(messages[0].to[0])
        if reply:
            raise reply
        return locmem_send(backend, messages)

    def note_writes(execute, sql, params, many, context):
        if sql.startswith('UPDATE "notifications_message" SET "status"'):
            writes.append(len(mailoutbox))
        return execute(sql, params, many, context)

    started = clock.now()
    with (
        mock.patch(SEND, autospec=True, side_effect=server),
        connection.execute_wrapper(note_writes),
    ):
        outcome = send_messages(message_ids=ids)
    assert outcome == {"sent": 2, "skipped": 1, "failed": 1, "retry": 1, "not_claimed": 0}
    # Failing what a dead worker left on its last attempt, the claim; then nothing while the batch
    # is sent, and at its end the outcomes (one UPDATE per kind of outcome here) and the give-back
    # of whatever was not finished (nothing here).
    assert writes == [0, 0, 2, 2, 2, 2, 2]
    rows = {row.recipient.email if row.recipient.is_active else gone: row for row in Message.objects.filter(pk__in=ids)}
    assert (rows[refused].status, rows[refused].sent_at, rows[refused].last_error) == (
        MessageStatus.FAILED,
        None,
        f"SMTPRecipientsRefused: {{'{refused}': (550, b'5.1.1 No such user')}}",
    )
    assert (rows[later].status, rows[later].attempts, rows[later].claimed_at) == (MessageStatus.PENDING, 1, None)
    assert rows[later].last_error.startswith("SMTPResponseException: (451")
    assert rows[later].next_attempt_at == started + dt.timedelta(seconds=0.2) + retry_delay(1)
    assert (rows[gone].status, rows[gone].last_error) == (MessageStatus.SKIPPED, "The recipient's account is closed.")
    # Each sent message carries the moment the server accepted it, not the moment it was written.
    assert rows[fine_1].sent_at == started + dt.timedelta(seconds=0.3)
    assert rows[fine_2].sent_at == started + dt.timedelta(seconds=0.4)
    assert [email.to[0] for email in mailoutbox] == [fine_1, fine_2]
