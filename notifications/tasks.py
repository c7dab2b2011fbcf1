"""The outbox's Celery tasks, and handing ids to them (`dispatch`)."""

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from notifications import sending
from notifications.due import write_due_messages
from notifications.enums import MessageStatus
from notifications.models import Message

logger = logging.getLogger(__name__)

BATCH_SIZE = 100


# acks_late: a worker killed mid-batch leaves its message on the broker to run again; the claim in
# `send_messages` makes the re-run skip whatever was already sent or is still being sent.
@shared_task(name="notifications.send", acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def send(*, message_ids: list[int]) -> dict[str, int]:
    """Send these outbox rows (retries are the rows' own `next_attempt_at`, picked up by the sweep)."""
    return sending.send_messages(message_ids=message_ids)


@shared_task(name="notifications.sweep", acks_late=True, time_limit=600, soft_time_limit=540)
def sweep() -> dict[str, int]:
    """Every minute (beat): write the time-based messages now due, then queue whatever is unsent —
    rows whose after-commit dispatch was lost (a broker outage), retries whose back-off has passed,
    and rows a dead worker had claimed."""
    written = write_due_messages()
    unsent = sending.unsent_message_ids()
    dispatch(unsent, from_sweep=True)
    return {**written, "queued": len(unsent)}


@shared_task(name="notifications.purge")
def purge() -> int:
    """Daily (beat): delete finished outbox rows past NOTIFICATION_KEEP_DAYS."""
    return sending.purge_old_messages()


# After a failed hand-over, skip the broker for this long: the sweep sends what waits, and a
# page that writes several messages does not wait for several connection timeouts.
BROKER_BACKOFF = dt.timedelta(seconds=30)
_broker_down_until: dt.datetime | None = None


# A page waits at most this long for the broker (to connect, then to answer) before leaving its
# e-mails to the sweep: a frozen Redis would otherwise hold the page for the broker's own timeouts.
PAGE_BROKER_TIMEOUT = 0.5


def _page_connection(app):
    """A broker connection with short timeouts for a hand-over made by a page, or None where the
    broker has no sockets to time out (the embedded filesystem broker)."""
    options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    if "socket_timeout" not in options:
        return None
    options.update(socket_timeout=PAGE_BROKER_TIMEOUT, socket_connect_timeout=PAGE_BROKER_TIMEOUT, max_retries=0)
    return app.connection_for_write(transport_options=options, connect_timeout=PAGE_BROKER_TIMEOUT)


def dispatch(message_ids: list[int], *, from_sweep: bool = False) -> int:
    """Hand ids to the workers in batches, once, without retrying the broker; returns how many
    it handed over. If it is unreachable the rows stay pending for the sweep, so the error is
    logged, not raised into the request that caused them; a page waits for it at most
    PAGE_BROKER_TIMEOUT, and for BROKER_BACKOFF after a failure pages do not try at all (the
    sweep always does, with the broker's own timeouts)."""
    global _broker_down_until
    now = timezone.now()
    if not from_sweep and _broker_down_until and now < _broker_down_until:
        return 0
    connection = None if from_sweep else _page_connection(send.app)
    try:
        for start in range(0, len(message_ids), BATCH_SIZE):
            batch = message_ids[start : start + BATCH_SIZE]
            try:
                send.apply_async(kwargs={"message_ids": batch}, retry=False, connection=connection)
            except Exception:  # kombu raises several kinds of connection errors; the sweep covers them all
                _broker_down_until = timezone.now() + BROKER_BACKOFF
                logger.warning(
                    "Could not queue %d messages; the sweep will send them", len(message_ids) - start, exc_info=True
                )
                return start
            Message.objects.filter(pk__in=batch, status=MessageStatus.PENDING).update(dispatched_at=timezone.now())
    finally:
        if connection is not None:
            connection.release()
    _broker_down_until = None
    return len(message_ids)
