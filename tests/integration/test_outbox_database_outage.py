"""The outbox when the database goes away in the middle of a batch: a real Celery worker whose
connection to PostgreSQL runs through a proxy that the test cuts just as the SMTP server on
loopback accepts a message (before the worker hears the reply, so it cannot record it), and
restores a few seconds later."""

import datetime as dt
import os
import re
import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from notifications.enums import MessageKind, MessageStatus
from notifications.models import Message
from notifications.sending import CLAIM_LEASE, SWEEP_GRACE
from tests.attendance.factories import RegistrationFactory
from tests.events.factories import PublishedSessionFactory
from tests.factories import MemberFactory
from tests.integration.conftest import wait_for
from tests.integration.network import CuttableProxy, SmtpSink
from tests.integration.test_notifications import run_sweep

pytestmark = pytest.mark.integration

BATCH, CUT_AT, OUTAGE_SECONDS = 6, 3, 3.0
SEND_TASK_ENDED = re.compile(r"Task notifications\.send\[[^\]]+\] (succeeded|raised)")


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def database_proxy():
    """PostgreSQL behind a proxy that the test can cut (CI runs on PostgreSQL)."""
    db = connection.settings_dict
    if not db["ENGINE"].endswith("postgresql"):
        if os.environ.get("CI"):
            pytest.fail("CI must run the integration tests on PostgreSQL: set DATABASE_URL (see .ci/run).")
        pytest.skip("needs PostgreSQL, as in CI")
    proxy = CuttableProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    proxy.restore()
    yield proxy
    proxy.cut()


@pytest.fixture
def process_env(process_env, smtp_sink, database_proxy):
    """The worker reaches the database through the proxy; the test itself does not."""
    auth, _, _host = process_env["DATABASE_URL"].partition("://")[2].rpartition("@")
    name = connection.settings_dict["NAME"]
    return process_env | {
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
        "DATABASE_URL": f"postgres://{auth}@127.0.0.1:{database_proxy.port}/{name}",
    }


class Outage:
    """Cuts the proxy as the SMTP server accepts the `at`-th message, and restores it `lasting`
    seconds later, noting when."""

    def __init__(self, proxy: CuttableProxy, *, at: int, lasting: float):
        self.proxy, self.at, self.lasting = proxy, at, lasting
        self.over = threading.Event()
        self.over_at: float | None = None

    def __call__(self, count: int) -> None:
        if count == self.at:
            self.proxy.cut()
            threading.Timer(self.lasting, self._restore).start()

    def _restore(self) -> None:
        self.proxy.restore()
        self.over_at = time.monotonic()
        self.over.set()


def _registered(count: int) -> list[str]:
    """`count` members registered days ago for a session 20 hours ahead: the next sweep writes
    their 24-hour reminders, one batch handed to the worker as it commits them."""
    session = PublishedSessionFactory(starts_in=dt.timedelta(hours=20))
    emails = [f"student{n}@example.ac.uk" for n in range(1, count + 1)]
    for email in emails:
        RegistrationFactory(
            session=session,
            member=MemberFactory(email=email, year_of_study=2),
            queued_at=timezone.now() - dt.timedelta(days=3),
        )
    return emails


def _received(sink: SmtpSink) -> list[str]:
    return [message["To"] for message in sink.messages]


def _rows() -> dict[str, tuple[str, int]]:
    return {
        email: (status, attempts)
        for email, status, attempts in Message.objects.filter(kind=MessageKind.SESSION_REMINDER).values_list(
            "recipient__email", "status", "attempts"
        )
    }


def test_a_batch_cut_off_from_the_database_is_given_back_as_soon_as_it_returns(
    database_proxy, process_env, smtp_sink, celery_worker_process
):
    _worker, worker_log = celery_worker_process
    outage = Outage(database_proxy, at=CUT_AT, lasting=OUTAGE_SECONDS)
    smtp_sink.when_accepting(outage)

    emails = _registered(BATCH)
    run_sweep(process_env)

    assert outage.over.wait(60), f"The batch never reached message {CUT_AT}:\n{worker_log.read_text()}"
    wait_for(
        lambda: not Message.objects.filter(status=MessageStatus.SENDING).exists(),
        timeout=30,
        message=f"Rows were still claimed 30 s after the database came back:\n{_rows()}\n{worker_log.read_text()}",
    )
    given_back_after = time.monotonic() - outage.over_at
    print(f"claimed rows given back {given_back_after:.1f} s after a {OUTAGE_SECONDS:.0f} s outage ended")

    sent, unsent = emails[:CUT_AT], emails[CUT_AT:]
    assert _received(smtp_sink) == sent
    # What the server accepted is recorded as sent (the third once the database was back); the
    # rest wait for the next sweep, their attempt not counted.
    assert _rows() == {email: (MessageStatus.SENT, 1) for email in sent} | {
        email: (MessageStatus.PENDING, 0) for email in unsent
    }
    assert not Message.objects.filter(status=MessageStatus.PENDING, next_attempt_at__gt=timezone.now()).exists()


def test_a_database_outage_mid_batch_sends_no_message_twice(
    database_proxy, process_env, smtp_sink, celery_worker_process
):
    _worker, worker_log = celery_worker_process
    outage = Outage(database_proxy, at=CUT_AT, lasting=OUTAGE_SECONDS)
    smtp_sink.when_accepting(outage)

    emails = _registered(BATCH)
    run_sweep(process_env)

    assert outage.over.wait(60), f"The batch never reached message {CUT_AT}:\n{worker_log.read_text()}"
    wait_for(
        lambda: SEND_TASK_ENDED.search(worker_log.read_text()),
        timeout=60,
        message=f"The sending task did not end:\n{worker_log.read_text()}",
    )
    # Whatever is left, as if the claim lease and the sweep's grace had passed: a row still
    # claimed is then a dead worker's, sent again by the sweep.
    Message.objects.filter(status=MessageStatus.SENDING).update(claimed_at=F("claimed_at") - CLAIM_LEASE)
    Message.objects.update(created_at=F("created_at") - SWEEP_GRACE - dt.timedelta(seconds=1))
    run_sweep(process_env)

    wait_for(
        lambda: (
            set(_rows().values()) <= {(MessageStatus.SENT, 1), (MessageStatus.SENT, 2)}
            and len(smtp_sink.messages) >= BATCH
        ),
        timeout=90,
        message=f"The sweep did not send the rest:\n{_rows()}\n{worker_log.read_text()}",
    )
    assert Counter(_received(smtp_sink)) == dict.fromkeys(emails, 1)
