"""Messages that fall due with time, written by the sweeps the apps register
(`notifications.registry.register_sweep`): reminders before a session and the committee's
weekly digest (`attendance.messages`), the teachers' details check (`events.messages`) and
"take the register" (`attendance.messages`). The `notifications.sweep` task runs them every
minute; each is safe to run as often as wanted, and late.
"""

import datetime as dt

from django.utils import timezone

from notifications import registry


def write_due_messages(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Every time-based message due now, by sweep: how many each wrote."""
    now = now or timezone.now()
    return {name: writer(now=now) for name, writer in registry.sweeps().items()}
