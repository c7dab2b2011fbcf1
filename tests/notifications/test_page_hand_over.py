"""A page hands its e-mails to the workers with short broker timeouts: a frozen or stopped Redis
costs the page at most PAGE_BROKER_TIMEOUT, the rows wait for the sweep, and nothing is lost."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from meded.celery import app as celery_app
from notifications import tasks
from notifications.enums import MessageKind, MessageStatus
from notifications.models import Message
from tests.integration.network import SilentServer, free_port
from tests.notifications.factories import MessageFactory

pytestmark = pytest.mark.django_db

REDIS_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 2}


@pytest.fixture(params=["stopped", "frozen"])
def broker_away(request, settings):
    """The broker (Redis) stopped (nothing listens) or frozen (accepts, never answers), as the
    settings with REDIS_URL configure it, and tasks really sent to it (not run in the test)."""
    server = SilentServer(hold=10) if request.param == "frozen" else None
    port = server.port if server else free_port()
    conf = celery_app.conf
    saved = {name: conf[name] for name in ("task_always_eager", "broker_url", "broker_write_url")}
    conf.update(task_always_eager=False, broker_url=f"redis://127.0.0.1:{port}/0", broker_write_url=None)
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_OPTIONS
    yield request.param
    conf.update(saved)
    if server:
        server.stop()


def test_a_page_gives_up_on_the_broker_at_once_and_leaves_the_mail_to_the_sweep(broker_away, member):
    message = MessageFactory(
        recipient=member, kind=MessageKind.ACCOUNT, occurrence="test", context={"to": [member.email], "subject": "s"}
    )
    started = time.monotonic()
    assert tasks.dispatch([message.pk]) == 0
    assert time.monotonic() - started < 1.5  # the broker's own timeouts would be 2 s and 5 s
    message.refresh_from_db()
    assert (message.status, message.dispatched_at) == (MessageStatus.PENDING, None)


def test_password_reset_answers_at_once_with_the_broker_away(
    broker_away, client, member, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("account_reset_password"), {"email": member.email})
    assert page.status_code == 302
    assert time.monotonic() - started < 1.5
    assert Message.objects.filter(recipient=member, kind=MessageKind.ACCOUNT, status=MessageStatus.PENDING).count() == 1
    assert get_user_model().objects.filter(pk=member.pk).exists()
