"""The outbox end to end: a real Celery worker process, the configured broker (Redis in CI), a
real SMTP server on loopback, and registrations made by a separate process as the web would."""

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone
from icalendar import Calendar

from notifications.enums import MessageKind, MessageStatus
from notifications.models import Message
from notifications.sending import SWEEP_GRACE
from tests.events.factories import PublishedSessionFactory
from tests.factories import MemberFactory
from tests.integration.conftest import ROOT, wait_for
from tests.integration.network import CuttableProxy, SmtpSink

pytestmark = pytest.mark.integration

MEETING_URL = "https://teams.example.com/l/meetup-join/renal"


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def broker_proxy():
    """The broker behind a proxy that the test can cut; Redis only (CI runs on Redis)."""
    url = urlsplit(settings.CELERY_BROKER_URL)
    if url.scheme != "redis":
        if os.environ.get("CI"):
            pytest.fail("CI must run the integration tests on Redis: set REDIS_URL (see .ci/run).")
        pytest.skip("needs the Redis broker, as in CI")
    proxy = CuttableProxy(url.hostname, url.port or 6379)
    proxy.restore()
    yield proxy, url._replace(netloc=f"127.0.0.1:{proxy.port}").geturl()
    proxy.cut()


@pytest.fixture
def process_env(process_env, smtp_sink, request):
    env = process_env | {"EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}"}
    if "broker_proxy" in request.fixturenames:
        env["CELERY_BROKER_URL"] = request.getfixturevalue("broker_proxy")[1]
    return env


def register_in_web_process(env: dict, *, session_id: int, emails: list[str]) -> subprocess.CompletedProcess:
    """Register members in a separate Django process, as a web request would."""
    code = textwrap.dedent(
        f"""
        from attendance.services import register
        from events.models import Session
        from members.models import Member
        session = Session.objects.get(pk={session_id})
        for email in {emails!r}:
            register(session=session, member=Member.objects.get(email=email))
        print("registered", len({emails!r}))
        """
    )
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_sweep(env: dict) -> None:
    code = "from notifications.tasks import sweep; sweep.delay()"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def _recipients(sink: SmtpSink) -> list[str]:
    return sorted(message["To"] for message in sink.messages)


def test_registration_is_confirmed_by_a_real_worker_over_smtp_with_a_calendar_file(
    process_env, smtp_sink, celery_worker_process
):
    _worker, worker_log = celery_worker_process
    session = PublishedSessionFactory(online=True, title="Renal physiology", meeting_url=MEETING_URL)
    MemberFactory(email="aisha.khan@example.ac.uk", first_name="Aisha", year_of_study=2)

    result = register_in_web_process(process_env, session_id=session.pk, emails=["aisha.khan@example.ac.uk"])

    assert result.returncode == 0, result.stderr
    wait_for(
        lambda: smtp_sink.messages, timeout=60, message=f"Nothing reached the SMTP sink:\n{worker_log.read_text()}"
    )
    [message] = smtp_sink.messages
    assert message["To"] == "aisha.khan@example.ac.uk"
    assert message["Subject"] == "[MedEd] You are registered: Renal physiology"
    parts = {part.get_content_type(): part for part in message.walk()}
    assert "https://teams.example.com/l/meetup-join/renal" in parts["text/plain"].get_payload(decode=True).decode()
    assert b"Renal physiology" in parts["text/html"].get_payload(decode=True)
    calendar = Calendar.from_ical(parts["text/calendar"].get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"session-{session.pk}@meded.example.ac.uk"
    assert event.decoded("dtstart") == session.starts_at
    assert int(event["sequence"]) == 0
    assert "https://teams.example.com/l/meetup-join/renal" in str(event["description"])
    row = Message.objects.get()
    assert (row.kind, row.status, row.attempts) == (MessageKind.REGISTRATION_CONFIRMED, MessageStatus.SENT, 1)


def test_a_broker_outage_loses_no_email_and_sends_none_twice(
    broker_proxy, process_env, smtp_sink, celery_worker_process
):
    proxy, _url = broker_proxy
    _worker, worker_log = celery_worker_process
    session = PublishedSessionFactory(online=True, title="Renal physiology", meeting_url=MEETING_URL)
    emails = [f"student{n}@example.ac.uk" for n in range(1, 6)]
    for email in emails:
        MemberFactory(email=email, year_of_study=2)

    assert register_in_web_process(process_env, session_id=session.pk, emails=emails[:1]).returncode == 0
    wait_for(lambda: len(smtp_sink.messages) == 1, timeout=60, message=worker_log.read_text())

    proxy.cut()  # the broker goes away under the worker and the web process alike
    during = register_in_web_process(process_env, session_id=session.pk, emails=emails[1:])

    # Registering still works; the messages wait in the outbox.
    assert during.returncode == 0, during.stderr
    assert "registered 4" in during.stdout
    assert Message.objects.filter(status=MessageStatus.PENDING).count() == 4
    assert _recipients(smtp_sink) == emails[:1]

    proxy.restore()
    # As if the sweep's grace period had passed (the sweep leaves very new rows to the dispatch).
    Message.objects.filter(status=MessageStatus.PENDING).update(
        created_at=timezone.now() - SWEEP_GRACE - timedelta(seconds=1)
    )
    run_sweep(process_env)

    wait_for(
        lambda: len(smtp_sink.messages) >= 5,
        timeout=90,
        message=f"The sweep did not send the waiting messages:\n{worker_log.read_text()}",
    )
    run_sweep(process_env)  # a second sweep finds nothing to send
    wait_for(
        lambda: "notifications.sweep" in worker_log.read_text() and worker_log.read_text().count("'queued': 0") >= 1,
        timeout=60,
        message=worker_log.read_text(),
    )
    assert _recipients(smtp_sink) == sorted(emails)  # each exactly once
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
