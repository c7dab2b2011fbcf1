"""Reminders at volume: 10,000 reminders written by the sweep and sent by ONE Celery worker
process to an SMTP server on loopback.

Reports how long writing the outbox rows took, messages per second from the first row written
to the last message accepted by the SMTP server, and checks that every recipient got exactly one
reminder (and that a second sweep writes and sends nothing). Then, as the baseline, the same
e-mails rendered the same way by one process and sent with a raw `send_messages` loop over one
SMTP connection to the same server, with no outbox: no claims, no outcomes written, no Celery.
The last line is the summary: the outbox's rate as a ratio of the raw loop's. The broker is
Redis when REDIS_URL is set (as in production; BENCH_BROKER_URL chooses its database), else the
embedded filesystem broker.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/meded_bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/reminders.py [REMINDERS]
"""

import collections
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/meded_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meded.settings")
os.environ.setdefault("CELERY_FILESYSTEM_BROKER_DIR", tempfile.mkdtemp(prefix="meded-bench-"))
if os.environ.get("REDIS_URL"):
    # A Redis database of its own, so no other worker on this Redis takes the benchmark's tasks.
    os.environ["CELERY_BROKER_URL"] = os.environ.get(
        "BENCH_BROKER_URL", os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/14"
    )

from tests.integration.network import SmtpSink  # noqa: E402 -- aiosmtpd, the same sink the tests use

SINK = SmtpSink().start()
os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{SINK.port}"

import django  # noqa: E402 -- the environment above must be set first

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from attendance.models import Registration  # noqa: E402
from events.enums import SessionFormat, SessionStatus  # noqa: E402
from events.models import Session  # noqa: E402
from members.models import Member  # noqa: E402
from notifications.due import write_due_messages  # noqa: E402
from notifications.enums import MessageStatus  # noqa: E402
from notifications.models import Message  # noqa: E402
from notifications.sending import unsent_message_ids  # noqa: E402
from notifications.tasks import dispatch  # noqa: E402

SESSIONS = 20

# The baseline: the same rows read and rendered as the worker does, then sent one by one.
RAW_LOOP = """
import time
from django.core.mail import mailers
from notifications.models import Message
from notifications.rendering import prepare, render
ids = list(Message.objects.filter(kind="session_reminder").order_by("pk").values_list("pk", flat=True))
started = time.perf_counter()
connection = mailers.default
connection.open()
for start in range(0, len(ids), 100):
    messages = list(Message.objects.filter(pk__in=ids[start : start + 100]).select_related("recipient").order_by("pk"))
    batch = prepare(messages)
    for message in messages:
        assert connection.send_messages([render(message, batch)]) == 1
connection.close()
print(time.perf_counter() - started)
"""


def seed(reminders: int) -> None:
    call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", verbosity=0)
    lead = Member.objects.create_user("lead@example.ac.uk", None, first_name="Lead", year_of_study=5)
    now = timezone.now()
    sessions = Session.objects.bulk_create(
        Session(
            title=f"Revision {n}",
            format=SessionFormat.IN_PERSON,
            venue="Lecture Theatre 1",
            starts_at=now + dt.timedelta(hours=20, minutes=n),
            ends_at=now + dt.timedelta(hours=21, minutes=n),
            status=SessionStatus.PUBLISHED,
            published_at=now - dt.timedelta(days=7),
            created_by=lead,
        )
        for n in range(SESSIONS)
    )
    members = Member.objects.bulk_create(
        Member(email=f"student{n}@example.ac.uk", first_name=f"Student{n}", year_of_study=2) for n in range(reminders)
    )  # no usable password: these members only receive e-mail
    Registration.objects.bulk_create(
        Registration(
            session=sessions[n % SESSIONS],
            member=member,
            mode="in_person",
            state="registered",
            year_of_study=2,
            queued_at=now - dt.timedelta(days=3),
        )
        for n, member in enumerate(members)
    )


def start_worker() -> subprocess.Popen:
    log = tempfile.NamedTemporaryFile("w", prefix="meded-bench-worker-", suffix=".log", delete=False)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "meded", "worker", "--pool=solo", "--loglevel=WARNING", "--purge"],
        cwd=ROOT,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # Wait until it is consuming: its --purge would otherwise erase the first tasks sent to it.
    deadline = time.monotonic() + 120
    while "ready." not in Path(log.name).read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)
    return worker


def raw_loop(expected: int) -> float:
    """Messages per second of the raw loop, in a process of its own as the worker is."""
    before = len(SINK.messages)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", RAW_LOOP],
        cwd=ROOT,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = float(result.stdout.strip().splitlines()[-1])
    delivered = len(SINK.messages) - before
    if delivered != expected:
        sys.exit(f"the raw loop delivered {delivered} of {expected}")
    return expected / elapsed


def main(reminders: int) -> None:
    seed(reminders)
    worker = start_worker()
    try:
        started = time.perf_counter()
        written = write_due_messages()["reminders"]  # dispatched to the worker as the rows commit
        wrote_in = time.perf_counter() - started
        deadline = time.monotonic() + 1800
        while len(SINK.messages) < written and time.monotonic() < deadline:
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        sent = len(SINK.messages)

        # A second sweep, later: nothing new to write, nothing unsent to queue.
        again = write_due_messages()["reminders"]
        dispatch(unsent_message_ids(now=timezone.now() + dt.timedelta(minutes=5)))
        time.sleep(3)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    per_recipient = collections.Counter(message["To"] for message in SINK.messages)
    statuses = collections.Counter(Message.objects.values_list("status", flat=True))
    exactly_once = len(per_recipient) == reminders and set(per_recipient.values()) == {1}
    print(f"reminders written: {written} in {wrote_in:.2f} s ({written / wrote_in:,.0f} rows/s)")
    print(f"sent through one worker: {sent} in {elapsed:.1f} s = {sent / elapsed:,.0f} messages/s")
    print(f"second sweep wrote {again}; outbox statuses: {dict(statuses)}")
    print(f"each recipient got exactly one: {exactly_once} ({len(per_recipient)} recipients)")
    try:
        raw = raw_loop(reminders)
    finally:
        SINK.stop()
    outbox = sent / elapsed
    print(f"raw send_messages loop, one process: {raw:,.0f} messages/s")
    print(
        f"summary: outbox/raw {outbox / raw:.2f}x ({outbox:,.0f} vs {raw:,.0f} messages/s, "
        f"{outbox * 60:,.0f} reminders/min through one worker), exactly once {exactly_once}"
    )
    if not exactly_once or again or statuses != {MessageStatus.SENT: reminders}:
        sys.exit(1)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
