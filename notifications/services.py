"""The outbox: writing messages inside the caller's transaction, to be sent exactly once.

Other apps call `notify` / `notify_many` inside their own transactions. The row is the promise
to send: it commits or rolls back with the change that caused it, and the unique constraint on
(kind, recipient, what it is about, occurrence) makes a repeated cause — a re-saved session, a
second sweep, a retried task — write nothing new. After commit the ids are handed to Celery
(`tasks.dispatch`); sending them is `sending.send_messages`.
"""

import datetime as dt
import uuid
from collections.abc import Iterable
from functools import partial

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications.enums import PRERENDERED_KINDS, MessageKind, MessageStatus
from notifications.models import Message
from notifications.sending import CLAIM_LEASE
from notifications.tasks import dispatch

Member = get_user_model()


def occurrence_time(value: dt.datetime) -> str:
    """A time as it is written in an occurrence (part of the outbox's once-per-cause key, so the
    same instant is always the same text): UTC, ISO 8601, whatever zone it came in."""
    return value.astimezone(dt.UTC).isoformat()


def about_key(about: models.Model | None) -> tuple[str, int]:
    if about is None:
        return "", 0
    return about._meta.label_lower, about.pk


def notify(
    *,
    kind: MessageKind,
    recipient: Member,
    about: models.Model | None = None,
    occurrence: str = "",
    context: dict | None = None,
) -> None:
    """Put one message in the outbox, in the caller's transaction; nothing if its cause already did."""
    notify_many(kind=kind, recipients=[recipient], about=about, occurrence=occurrence, context=context)


def notify_many(
    *,
    kind: MessageKind,
    recipients: Iterable[Member | int],
    about: models.Model | None = None,
    occurrence: str = "",
    context: dict | None = None,
) -> int:
    """Put a message per recipient in the outbox and queue them for sending after commit.

    One INSERT … ON CONFLICT DO NOTHING, so rows already written for this cause are left alone
    (and an existing row never breaks the caller's transaction). Returns how many are new.
    """
    about_type, about_id = about_key(about)
    recipient_ids = sorted({r if isinstance(r, int) else r.pk for r in recipients})
    if not recipient_ids:
        return 0
    now = timezone.now()
    Message.objects.bulk_create(
        [
            Message(
                kind=kind,
                recipient_id=pk,
                about_type=about_type,
                about_id=about_id,
                occurrence=occurrence,
                context=context or {},
                created_at=now,
                next_attempt_at=now,
            )
            for pk in recipient_ids
        ],
        ignore_conflicts=True,
    )
    # The rows this call wrote are the ones stamped with its `now`; rows of an earlier cause keep theirs.
    created = list(
        Message.objects.filter(
            kind=kind,
            recipient_id__in=recipient_ids,
            about_type=about_type,
            about_id=about_id,
            occurrence=occurrence,
            created_at=now,
        ).values_list("pk", flat=True)
    )
    if created:
        transaction.on_commit(partial(dispatch, created), robust=True)
    return len(created)


def notify_rendered(*, kind: MessageKind, email: EmailMessage, recipient: Member | None = None) -> Message:
    """Put an e-mail the caller has already rendered in the outbox, in the caller's transaction,
    and queue it for sending after commit; the row keeps its address, subject line and bodies, and
    is sent as written, with the outbox's retries.

    For e-mails whose context exists only in the request that causes them: allauth's account
    e-mails, rendered from the request with links that carry keys. `recipient` is the member it
    is about, if any (a "no account with this address" reply has none). Each call is a cause of
    its own: asking twice for a reset link mails twice, as allauth would have.
    """
    html = next((content for content, mimetype in getattr(email, "alternatives", []) if mimetype == "text/html"), "")
    text = email.body
    if email.content_subtype == "html":
        text, html = "", email.body
    message = Message.objects.create(
        kind=kind,
        recipient=recipient,
        occurrence=uuid.uuid4().hex,
        context={"to": list(email.to), "subject": str(email.subject), "text": text, "html": html},
    )
    transaction.on_commit(partial(dispatch, [message.pk]), robust=True)
    return message


def forget_rendered_messages(*, member: Member) -> int:
    """Delete the already-rendered e-mails to the member (an account being closed): their rows
    hold the address and bodies as written. Unlike other rows, no sweep writes them again."""
    deleted, _ = Message.objects.filter(recipient=member, kind__in=PRERENDERED_KINDS).delete()
    return deleted


def resend(*, messages: Iterable[Message]) -> int:
    """Send again (admin): failed, skipped or sent messages go back to pending and are queued."""
    ids = [m.pk for m in messages]
    with transaction.atomic():
        count = (
            Message.objects.filter(pk__in=ids)
            .exclude(status=MessageStatus.SENDING)
            .update(
                status=MessageStatus.PENDING,
                attempts=0,
                next_attempt_at=timezone.now(),
                last_error="",
                resends=F("resends") + 1,
            )
        )
        transaction.on_commit(partial(dispatch, ids), robust=True)
    return count


def send_waiting_now(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Send what waits, now (an operator, once an outage is over): every waiting row's back-off
    is cut short (its attempts still count) and it is queued at once, with the rows of a worker
    whose claim has lapsed, rather than at the next sweep. Rows a live worker holds are left to
    it: taking them over could send a message twice. Returns (rows to send, rows handed to the
    broker); fewer handed over means the broker could not be reached, and the rows stay due for
    the sweep. Locks nothing: a sender claims each row with its own conditional UPDATE, so a row
    queued twice is sent once."""
    now = now or timezone.now()
    Message.objects.filter(status=MessageStatus.PENDING, next_attempt_at__gt=now).update(next_attempt_at=now)
    ids = list(
        Message.objects.filter(
            Q(status=MessageStatus.PENDING) | Q(status=MessageStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE)
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    return len(ids), dispatch(ids, from_sweep=True)
