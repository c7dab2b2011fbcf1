"""A request that waits too long for a row another transaction holds answers "busy, please try
again" (503) instead of a 500 or a hung worker, and keeps nothing; on real PostgreSQL, as in CI."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse

from attendance.models import Registration
from events.models import Session
from tests.events.factories import ProposedSessionFactory
from tests.factories import MemberFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="lock timeouts need PostgreSQL (as in CI)"),
]


class _HeldLock:
    """Holds the session's row lock from another connection until released, as a slow
    transaction would."""

    def __init__(self, session_pk: int):
        self.session_pk = session_pk
        self.held, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self):
        try:
            with transaction.atomic():
                Session.objects.select_for_update().get(pk=self.session_pk)
                self.held.set()
                self.release.wait(timeout=30)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.held.wait(timeout=10)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=10)


def test_every_connection_waits_at_most_three_seconds_for_a_lock():
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone() == ("3s",)


def test_registering_while_another_holds_the_session_says_busy_and_keeps_nothing(client, caplog):
    session = ProposedSessionFactory(title="Popular", capacity=10)
    client.force_login(MemberFactory(year_of_study=2))
    url = reverse("attendance:register", args=[session.pk])

    with _HeldLock(session.pk):
        started = time.monotonic()
        response = client.post(url, {"mode": "in_person"})
        waited = time.monotonic() - started

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert "MedEd is busy" in page and "Nothing was changed." in page
    assert "<title>MedEd is busy – MedEd</title>" in page
    assert 2.5 < waited < 10
    assert not Registration.objects.exists()
    assert "waited too long for a lock" in caplog.text

    # Once the other transaction has finished, the same request goes through.
    assert client.post(url, {"mode": "in_person"}).status_code == 302
    assert Registration.objects.filter(session=session).count() == 1
