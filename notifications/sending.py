"""Sending the outbox's rows exactly once, and its housekeeping: which rows wait for a sender,
and deleting finished rows.

After commit the ids go to Celery (`notifications.send`). If the broker is down, the
rows simply stay pending and the periodic sweep sends them once it is back. A sender first
claims a row with a conditional UPDATE (pending → sending); only the one that claims it sends
it. A worker killed after claiming leaves the row "sending"; once the claim is older than
CLAIM_LEASE the sweep hands it out again. If the database goes away mid-batch, the sender keeps
the message the mail server has just accepted and records it once the database is back, and
gives back the rest at once (`_settle`). The window that cannot be closed is a worker dying, or
the database staying away longer than SETTLE_PATIENCE, after the mail server accepted the
message and before the row is marked sent: that message is sent again. Each message carries a
Message-ID derived from its row, so the copy is recognisably the same e-mail.

Claims are renewed, and outcomes written, in batches rather than per message; `send_messages`
says why no accepted message can outlive its claim unrecorded.
"""

import datetime as dt
import logging
import select
import smtplib
import time
import uuid
from collections.abc import Iterable
from time import monotonic
from typing import NamedTuple

from celery.exceptions import SoftTimeLimitExceeded
from django import db
from django.conf import settings
from django.core.mail import mailers
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.utils import timezone

from notifications.enums import MessageStatus
from notifications.models import Message
from notifications.registry import NotWanted
from notifications.rendering import prepare, render

logger = logging.getLogger(__name__)

# A claim older than this is taken to belong to a dead worker. Senders renew it once it is
# RENEW_AFTER old (checked before each message), and one message takes at most a render and an
# SMTP exchange (10 s timeouts), so a live sender's claim is never older than RENEW_AFTER plus
# one message, well inside the lease.
CLAIM_LEASE = dt.timedelta(minutes=5)
RENEW_AFTER = dt.timedelta(minutes=1)
# Outcomes wait in the sender's memory and are written together, in one transaction, once this
# many wait, once the oldest has waited RECORD_AFTER, before the claim is renewed, when the
# database connection looks broken, and at the end of the batch. These bound what a worker
# killed outright (no `finally`) leaves unrecorded: the messages accepted in the last
# RECORD_AFTER, at most RECORD_EVERY of them, are sent again once their claim lapses.
RECORD_EVERY = 25
RECORD_AFTER = dt.timedelta(seconds=1)
# What a lost database connection raises (a query, or connecting again).
DATABASE_GONE = (OperationalError, InterfaceError)
# How long `_settle` keeps trying a database that has gone away, and the longest wait between
# two tries. RENEW_AFTER + one message + SETTLE_PATIENCE is well inside CLAIM_LEASE, so no other
# sender can have taken over a row meanwhile; and it is well inside the task's time limits.
SETTLE_PATIENCE = dt.timedelta(minutes=2)
SETTLE_MAX_WAIT = dt.timedelta(seconds=5)
# The sweep leaves rows this young to the after-commit dispatch.
SWEEP_GRACE = dt.timedelta(minutes=1)


def _claim(message_ids: list[int], now: dt.datetime, claim: uuid.UUID) -> list[Message]:
    """Take the rows for this sender — pending and due, or sending under an expired claim — in
    one conditional UPDATE stamped with the sender's claim id; a concurrent sender's UPDATE waits
    on the row locks, re-checks the condition and takes none of them. A row whose sender died on
    its last allowed attempt is failed instead of tried again."""
    expired = Q(status=MessageStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE)
    Message.objects.filter(expired, pk__in=message_ids, attempts__gte=settings.NOTIFICATION_MAX_ATTEMPTS).update(
        status=MessageStatus.FAILED, last_error="The worker sending it stopped on the last attempt."
    )
    Message.objects.filter(
        Q(status=MessageStatus.PENDING, next_attempt_at__lte=now) | expired, pk__in=message_ids
    ).update(status=MessageStatus.SENDING, claimed_at=now, claim=claim, attempts=F("attempts") + 1)
    return list(Message.objects.filter(pk__in=message_ids, claim=claim).select_related("recipient").order_by("pk"))


def _renew(claim: uuid.UUID, waiting: list[int]) -> set[int]:
    """Renew the claim on the rows of this batch still waiting to be sent, in one UPDATE, and
    return those still ours: a row another sender took over (a claim that outlived the lease,
    which a live sender's never does) is left to it, so a slow batch never sends what someone
    else is sending."""
    Message.objects.filter(pk__in=waiting, claim=claim, status=MessageStatus.SENDING).update(claimed_at=timezone.now())
    return set(
        Message.objects.filter(pk__in=waiting, claim=claim, status=MessageStatus.SENDING).values_list("pk", flat=True)
    )


def _database_in_doubt() -> bool:
    """True when the idle database connection has something to read: the server or a proxy
    closed it (or the server sent a notice). Costs a system call, not a round trip, so it can be
    asked before every message; a real query then tells which."""
    if db.connection.vendor != "postgresql" or db.connection.connection is None:
        return False
    try:
        readable, _, _ = select.select([db.connection.connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class _Outcome(NamedTuple):
    """What became of one message, not yet written: its status, error and when it happened
    (`at`, wall clock; `noted`, the sender's monotonic clock), and for a retry, when it is due."""

    message: Message
    status: str
    error: str
    at: dt.datetime
    noted: float
    next_attempt_at: dt.datetime | None = None


def _outcome(message: Message, status: str, error: str = "", *, next_attempt_at=None) -> _Outcome:
    return _Outcome(message, status, error, timezone.now(), monotonic(), next_attempt_at)


def _record(outcomes: list[_Outcome], *, claim: uuid.UUID) -> int:
    """Write the waiting outcomes in one transaction — one UPDATE for the sent (each with the
    moment the server accepted it), one per distinct error or back-off for the rest — and empty
    the list once it is committed; if the database goes away the list is kept for `_settle`.
    Each write is conditional on the claim: after a lapsed lease another sender may own the row.
    Returns how many it recorded as sent."""
    if not outcomes:
        return 0
    groups: dict[tuple, list[_Outcome]] = {}
    for item in outcomes:
        groups.setdefault((item.status, item.error, item.next_attempt_at), []).append(item)
    recorded = 0
    with transaction.atomic():
        for (status, error, next_attempt_at), items in groups.items():
            ids = [item.message.pk for item in items]
            if status == MessageStatus.SENT:
                sent_at = Case(
                    *(When(pk=item.message.pk, then=Value(item.at)) for item in items), output_field=DateTimeField()
                )
                recorded += Message.objects.filter(pk__in=ids, claim=claim, status=MessageStatus.SENDING).update(
                    status=status, sent_at=sent_at if len(items) > 1 else items[0].at, last_error=error
                )
            elif status == MessageStatus.PENDING:
                Message.objects.filter(pk__in=ids, claim=claim).update(
                    status=status, next_attempt_at=next_attempt_at, last_error=error, claimed_at=None
                )
            else:
                Message.objects.filter(pk__in=ids, claim=claim, status=MessageStatus.SENDING).update(
                    status=status, sent_at=None, last_error=error
                )
    outcomes.clear()
    return recorded


def is_transient(error: Exception) -> bool:
    """A 4xx SMTP reply or a network failure may pass; a 5xx reply for the recipient will not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, OSError)


class _ServerUnavailable(Exception):
    """The mail server could not be reached or would not let us in: nothing in this batch can go."""


def retry_delay(attempts: int) -> dt.timedelta:
    """Back-off after the n-th failed attempt: 1, 2, 4 … minutes, at most two hours."""
    return dt.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 7200))


def send_messages(*, message_ids: Iterable[int]) -> dict[str, int]:
    """Claim, render and send each message over one SMTP connection; record the outcome.

    Returns counts by outcome. A message that fails transiently goes back to pending with a
    back-off (`next_attempt_at`); after NOTIFICATION_MAX_ATTEMPTS, or on a permanent refusal of
    the recipient, it is marked failed. A message that no longer makes sense is marked skipped,
    one that cannot be rendered (a bug) failed, without holding up the rest. When the server
    cannot be reached or refuses the login, the batch stops and every row not yet tried goes
    back to pending with the same back-off, its attempt not counted. Celery's soft time limit
    does the same, then ends the task. When the database goes away the batch stops too: the
    messages the server has accepted are kept here and recorded as sent once the database
    answers again, and the rest go back to pending at once (`_settle`).

    Two writes per message would cost a fifth of the worker's time, so the claim is renewed only
    once it is RENEW_AFTER old, and outcomes wait in memory to be written together (`_record`).
    Why that sends nothing twice that was not already at risk of it:

    - A row of this batch can be taken over only once its `claimed_at` is CLAIM_LEASE old. The
      claim is stamped (at the claim, then at each renewal) with a time read before the UPDATE,
      and `renewed` is the sender's monotonic clock read before that, so the claim in the
      database is never older than `renewed` says. Before each message the claim is renewed if
      `renewed` is RENEW_AFTER old; a message takes at most one render and one SMTP exchange, so
      no row is ever sent under a claim older than RENEW_AFTER plus one message — inside the
      lease, which is why the per-message check of the claim is no longer needed.
    - An accepted message is recorded at the latest when the claim is next renewed: outcomes are
      always written before the renewal, in the same pass, and `_settle` writes them on every
      way out. So it is recorded within RENEW_AFTER plus one message of the claim it was sent
      under, or, with the database away, within SETTLE_PATIENCE more — still inside CLAIM_LEASE
      (1 min + one message + 2 min < 5 min). No other sender can have taken it over by then.
    - A worker killed outright never reaches `_settle`; what it accepted and had not yet written
      is sent again after the lease, as the one message in flight was before. Writing once
      RECORD_EVERY wait or the oldest has waited RECORD_AFTER bounds that to the last second's
      messages; and before each message, if the database connection has been closed under us
      (`_database_in_doubt`), the outcomes are written at once, so a database that goes away
      stops the batch at the next message, as a per-message write did.
    """
    message_ids = list(message_ids)
    claim = uuid.uuid4()
    outcome = {"sent": 0, "skipped": 0, "failed": 0, "retry": 0, "not_claimed": 0}
    # Outcomes not yet written, accepted messages among them: never to be given back unwritten.
    outcomes: list[_Outcome] = []
    renew_after, record_after = RENEW_AFTER.total_seconds(), RECORD_AFTER.total_seconds()
    retry_at = None
    connection = None
    try:
        renewed = monotonic()
        claimed = _claim(message_ids, timezone.now(), claim)
        outcome["not_claimed"] = len(message_ids) - len(claimed)
        ours = {message.pk for message in claimed}
        batch = prepare(claimed)
        for position, message in enumerate(claimed):
            now = monotonic()
            if now - renewed >= renew_after:
                outcome["sent"] += _record(outcomes, claim=claim)
                renewed = monotonic()
                ours = _renew(claim, [m.pk for m in claimed[position:]])
            elif outcomes and (
                len(outcomes) >= RECORD_EVERY or now - outcomes[0].noted >= record_after or _database_in_doubt()
            ):
                outcome["sent"] += _record(outcomes, claim=claim)
            if message.pk not in ours:
                outcome["not_claimed"] += 1
                continue
            try:
                email = render(message, batch)
            except NotWanted as reason:
                outcomes.append(_outcome(message, MessageStatus.SKIPPED, str(reason)))
                outcome["skipped"] += 1
                continue
            except (SoftTimeLimitExceeded, *DATABASE_GONE):
                raise
            except Exception as error:
                logger.exception("Message %s could not be rendered", message.pk)
                outcomes.append(_outcome(message, MessageStatus.FAILED, f"Could not be rendered: {error!r}"[:2000]))
                outcome["failed"] += 1
                continue
            try:
                if connection is None:
                    connection = mailers.default
                    try:
                        connection.open()
                    except Exception as error:
                        raise _ServerUnavailable(error) from error
                if connection.send_messages([email]) != 1:
                    raise smtplib.SMTPException("The mail backend reported the message as not sent.")
            except SoftTimeLimitExceeded:
                raise
            except Exception as error:
                _close_quietly(connection)
                connection = None
                cause = error.__cause__ if isinstance(error, _ServerUnavailable) else error
                # Lost connections and network errors, unlike SMTP replies, say nothing about
                # this message: the server is gone for the whole batch.
                server_down = isinstance(error, _ServerUnavailable | smtplib.SMTPServerDisconnected) or (
                    isinstance(cause, OSError) and not isinstance(cause, smtplib.SMTPException)
                )
                result = _failed(message, cause, transient=server_down or is_transient(cause))
                outcomes.append(result)
                outcome["retry" if result.status == MessageStatus.PENDING else "failed"] += 1
                if server_down:
                    retry_at = timezone.now() + retry_delay(message.attempts)
                    break
                continue
            outcomes.append(_outcome(message, MessageStatus.SENT))
    except DATABASE_GONE:
        # Nothing more can be claimed or recorded; the finally block waits for the database.
        logger.warning("The database went away while sending a batch; stopping it", exc_info=True)
    finally:
        if connection is not None:
            _close_quietly(connection)
        outcome["sent"] += _settle(message_ids=message_ids, claim=claim, outcomes=outcomes, retry_at=retry_at)
    return outcome


def _settle(*, message_ids: list[int], claim: uuid.UUID, outcomes: list[_Outcome], retry_at: dt.datetime | None) -> int:
    """Write the outcomes not yet written (what the mail server accepted as sent, among them),
    then give back the rows this sender claimed and did not finish (pending again, the attempt
    not counted, due at `retry_at`, else at once). Returns how many it recorded as sent.

    A row left "sending" waits out CLAIM_LEASE, and one the server had accepted is then sent
    again; so when the database cannot be reached this tries again at once, then after 0.5, 1,
    2 … up to SETTLE_MAX_WAIT seconds, for SETTLE_PATIENCE, and only then logs which messages
    may go twice and raises. Each write is conditional on the claim, so repeating one that
    reached the database without an answer coming back does nothing."""
    deadline = monotonic() + SETTLE_PATIENCE.total_seconds()
    wait, recorded = 0.0, 0
    while True:
        try:
            recorded += _record(outcomes, claim=claim)
            Message.objects.filter(pk__in=message_ids, claim=claim, status=MessageStatus.SENDING).update(
                status=MessageStatus.PENDING,
                claim=None,
                claimed_at=None,
                attempts=F("attempts") - 1,
                next_attempt_at=retry_at or timezone.now(),
            )
            return recorded
        except DATABASE_GONE:
            if db.connection.in_atomic_block:
                raise  # the caller's transaction is lost whatever this does
            # Outside a request nothing replaces a broken connection: close it, the next query reconnects.
            db.connection.close()
            if monotonic() + wait > deadline:
                logger.error(
                    "The database did not come back in time: messages %s were accepted by the mail server "
                    "but are not recorded as sent, and will be sent again once their claim lapses",
                    [item.message.pk for item in outcomes if item.status == MessageStatus.SENT],
                )
                raise
            if wait:
                logger.warning("Waiting %.1f s for the database to record the outcome of a batch", wait)
                time.sleep(wait)
            wait = min(max(wait * 2, 0.5), SETTLE_MAX_WAIT.total_seconds())


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:
        logger.debug("Closing the mail connection failed", exc_info=True)


def _failed(message: Message, error: Exception, *, transient: bool) -> _Outcome:
    """The outcome of a failed attempt: pending again after a back-off while attempts remain and
    the error may pass, else failed."""
    text = f"{type(error).__name__}: {error}"[:2000]
    if transient and message.attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
        logger.warning("Sending message %s failed (attempt %s), will retry: %s", message.pk, message.attempts, text)
        return _outcome(
            message, MessageStatus.PENDING, text, next_attempt_at=timezone.now() + retry_delay(message.attempts)
        )
    logger.error("Sending message %s failed for good: %s", message.pk, text)
    return _outcome(message, MessageStatus.FAILED, text)


def unsent_message_ids(*, now: dt.datetime | None = None, limit: int = 5000) -> list[int]:
    """Rows no worker is on: pending, due, and not handed to the broker since they fell due
    (the after-commit hand-over failed, or a back-off has passed) — past a short grace, so the
    sweep does not race the hand-over — or handed over longer ago than the lease (a lost task);
    and rows claimed by a worker that has since died."""
    now = now or timezone.now()
    not_queued = Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=F("next_attempt_at"))
    return list(
        Message.objects.filter(
            Q(status=MessageStatus.PENDING, next_attempt_at__lte=now, created_at__lte=now - SWEEP_GRACE)
            & (not_queued | Q(dispatched_at__lt=now - CLAIM_LEASE))
            | Q(status=MessageStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def purge_old_messages(*, now: dt.datetime | None = None) -> int:
    """Delete finished outbox rows older than NOTIFICATION_KEEP_DAYS; returns how many. Rows still
    waiting or being sent are kept whatever their age. Safe because every cause that writes
    messages looks at a recent window (a registration, a change, a reminder before a session,
    feedback within days of it, this week's digest), so no deleted row is written again."""
    now = now or timezone.now()
    finished = [MessageStatus.SENT, MessageStatus.SKIPPED, MessageStatus.FAILED]
    cutoff = now - dt.timedelta(days=settings.NOTIFICATION_KEEP_DAYS)
    deleted, _ = Message.objects.filter(status__in=finished, created_at__lt=cutoff).delete()
    return deleted
