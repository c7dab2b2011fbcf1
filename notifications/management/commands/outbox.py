"""`manage.py outbox`: what the outbox holds and how long it has waited, and sending what waits now."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications import selectors, sending, services
from notifications.enums import MessageStatus


def _age(delta) -> str:
    """A duration to the second, as an operator watching a recovery wants it: 4 min 57 s."""
    seconds = max(int(delta.total_seconds()), 0)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (seconds, "s")]
    shown = [f"{value} {unit}" for value, unit in parts if value][:2]
    return " ".join(shown) or "0 s"


class Command(BaseCommand):
    help = (
        "Show the outbox: messages by status, how many wait (due now or backing off), the oldest "
        "waiting message's age and the next retry (--status, the default); or queue every waiting "
        "message now, cutting its back-off short (--send-now), e.g. once a mail server outage is over."
    )

    def add_arguments(self, parser):
        parser.add_argument("--status", action="store_true", help="print the table (the default)")
        parser.add_argument(
            "--send-now", action="store_true", help="queue every waiting message now, then print the table"
        )

    def handle(self, *args, status, send_now, **options):
        if send_now:
            found, queued = services.send_waiting_now()
            if queued < found:
                self.stderr.write(
                    self.style.ERROR(
                        f"Queued {queued} of {found} waiting messages: the broker could not be reached. "
                        "The rest are due and go at the first sweep once it is back."
                    )
                )
            else:
                self.stdout.write(self.style.SUCCESS(f"Queued {queued} waiting messages to be sent now."))
        self.stdout.write(self.table(selectors.outbox_status()))

    def table(self, outbox: selectors.OutboxStatus) -> str:
        rows = []
        for status in MessageStatus:
            rows.append((str(status.label), outbox.counts[status.value]))
            if status == MessageStatus.PENDING:
                rows += [("  due now", outbox.due), ("  waiting out a back-off", outbox.backing_off)]
            elif status == MessageStatus.SENDING:
                rows.append(("  claim lapsed (worker gone)", outbox.lapsed))
        width = max(len(label) for label, _count in rows)
        number = max(len("Messages"), *(len(str(count)) for _label, count in rows))
        local = timezone.localtime(outbox.at)
        lines = [
            f"Outbox at {local:%Y-%m-%d %H:%M:%S} ({local.tzname()})",
            "",
            f"{'Status':<{width}}  {'Messages':>{number}}",
            f"{'-' * width}  {'-' * number}",
            *(f"{label:<{width}}  {count:>{number}}" for label, count in rows),
            "",
        ]
        if outbox.oldest_waiting_at:
            since = timezone.localtime(outbox.oldest_waiting_at)
            lines.append(f"Oldest waiting message: {_age(outbox.oldest_waiting_age)} (since {since:%Y-%m-%d %H:%M:%S})")
        else:
            lines.append("Oldest waiting message: none waiting")
        if outbox.next_attempt_at:
            at = timezone.localtime(outbox.next_attempt_at)
            lines.append(f"Next retry after a back-off: in {_age(outbox.next_attempt_at - outbox.at)} ({at:%H:%M:%S})")
        if outbox.oldest_claimed_at:
            lines.append(
                f"Oldest claim: {_age(outbox.oldest_claim_age)} "
                f"(a claim older than {_age(sending.CLAIM_LEASE)} is a stopped worker's, sent again by the sweep)"
            )
        return "\n".join(lines) + "\n"
