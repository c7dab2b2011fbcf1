"""Reads of the outbox for the people who run it: the admin's summary and `manage.py outbox`."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.utils import timezone

from notifications.enums import MessageStatus
from notifications.models import Message
from notifications.sending import CLAIM_LEASE


@dataclass(frozen=True)
class OutboxStatus:
    """The outbox at one moment: how many rows in each status, and what waits and since when."""

    at: dt.datetime
    counts: dict[str, int]  # by MessageStatus
    due: int  # waiting and due: the next sweep (or "send now") queues them
    backing_off: int  # waiting out a back-off after a failed attempt
    lapsed: int  # being sent under a claim older than the lease: a worker that died
    oldest_waiting_at: dt.datetime | None
    next_attempt_at: dt.datetime | None  # the soonest end of a back-off
    oldest_claimed_at: dt.datetime | None

    @property
    def oldest_waiting_age(self) -> dt.timedelta | None:
        return self.at - self.oldest_waiting_at if self.oldest_waiting_at else None

    @property
    def oldest_claim_age(self) -> dt.timedelta | None:
        return self.at - self.oldest_claimed_at if self.oldest_claimed_at else None

    @property
    def rows(self) -> list[tuple[str, int]]:
        """(label, count) for each status, in MessageStatus's order."""
        return [(status.label, self.counts[status.value]) for status in MessageStatus]


def outbox_status(*, now: dt.datetime | None = None) -> OutboxStatus:
    """Counts by status, the waiting rows split into due and backing off, claims that have
    lapsed, the oldest waiting row's age, the next retry and the oldest claim: one query."""
    now = now or timezone.now()
    waiting = Q(status=MessageStatus.PENDING)
    sending = Q(status=MessageStatus.SENDING)
    figures = Message.objects.aggregate(
        **{status.value: Count("pk", filter=Q(status=status)) for status in MessageStatus},
        due=Count("pk", filter=waiting & Q(next_attempt_at__lte=now)),
        lapsed=Count("pk", filter=sending & Q(claimed_at__lt=now - CLAIM_LEASE)),
        oldest_waiting_at=Min("created_at", filter=waiting),
        next_attempt_at=Min("next_attempt_at", filter=waiting & Q(next_attempt_at__gt=now)),
        oldest_claimed_at=Min("claimed_at", filter=sending),
    )
    counts = {status.value: figures[status.value] for status in MessageStatus}
    return OutboxStatus(
        at=now,
        counts=counts,
        due=figures["due"],
        backing_off=counts[MessageStatus.PENDING] - figures["due"],
        lapsed=figures["lapsed"],
        oldest_waiting_at=figures["oldest_waiting_at"],
        next_attempt_at=figures["next_attempt_at"],
        oldest_claimed_at=figures["oldest_claimed_at"],
    )
