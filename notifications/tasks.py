from celery import shared_task

from notifications import services
from notifications.due import write_due_messages


# acks_late: a worker killed mid-batch leaves its message on the broker to run again; the claim in
# `send_messages` makes the re-run skip whatever was already sent or is still being sent.
@shared_task(name="notifications.send", acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def send(*, message_ids: list[int]) -> dict[str, int]:
    """Send these outbox rows (retries are the rows' own `next_attempt_at`, picked up by the sweep)."""
    return services.send_messages(message_ids=message_ids)


@shared_task(name="notifications.sweep", acks_late=True, time_limit=600, soft_time_limit=540)
def sweep() -> dict[str, int]:
    """Every minute (beat): write the time-based messages now due, then queue whatever is unsent —
    rows whose after-commit dispatch was lost (a broker outage), retries whose back-off has passed,
    and rows a dead worker had claimed."""
    written = write_due_messages()
    unsent = services.unsent_message_ids()
    services.dispatch(unsent, from_sweep=True)
    return {**written, "queued": len(unsent)}


@shared_task(name="notifications.purge")
def purge() -> int:
    """Daily (beat): delete finished outbox rows past NOTIFICATION_KEEP_DAYS."""
    return services.purge_old_messages()
