import smtplib
import time
from unittest import mock

import pytest

from meded.celery import app as celery_app
from members.services import import_members
from members.tasks import send_invitation
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"


@pytest.fixture
def invitee():
    member = MemberFactory(email="nia@example.ac.uk", first_name="Nia")
    member.set_unusable_password()
    member.save()
    return member


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPServerDisconnected("gone"),
        smtplib.SMTPResponseException(451, b"try again later"),
        ConnectionRefusedError(111, "refused"),
        TimeoutError("timed out"),
    ],
)
def test_invitation_retries_network_failures_and_temporary_replies(invitee, error):
    with mock.patch(SEND, side_effect=error) as send:
        result = send_invitation.apply(kwargs={"member_id": invitee.pk})
    assert send.call_count == 1 + send_invitation.max_retries
    assert result.failed()
    assert result.result is error


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({"nia@example.ac.uk": (550, b"no such user")}),
        smtplib.SMTPResponseException(554, b"rejected"),
    ],
)
def test_invitation_drops_permanent_refusals_without_retrying(invitee, error, caplog):
    with mock.patch(SEND, side_effect=error) as send:
        result = send_invitation.apply(kwargs={"member_id": invitee.pk})
    assert send.call_count == 1
    assert result.successful()
    assert f"The mail server refused the invitation to member {invitee.pk}" in caplog.text


def test_invitation_for_a_member_who_has_set_a_password_sends_nothing(mailoutbox):
    member = MemberFactory()
    send_invitation.run(member_id=member.pk)
    assert mailoutbox == []


def test_invitation_for_a_deleted_member_returns_quietly(mailoutbox):
    send_invitation.run(member_id=987654)
    assert mailoutbox == []


@pytest.fixture
def broker_down():
    """Point the Celery app at a port where nothing listens, as when Redis is down."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, "redis://127.0.0.1:9/0"
    _drop_connections()
    yield
    _drop_connections()
    conf.task_always_eager, conf.broker_url = saved


def _drop_connections():
    # The app caches its connection and producer pools; new ones pick up the current broker_url.
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_import_stops_queuing_at_the_first_broker_failure_and_reports_the_rest(
    broker_down, django_capture_on_commit_callbacks
):
    data = b"email,first_name,last_name,year_of_study\n" + b"".join(
        f"m{i}@example.ac.uk,M,N,1\n".encode() for i in range(5)
    )
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        result = import_members(data=data, filename="m.csv", invite=True)

    assert (result.created, result.invited, result.invitations_not_queued) == (5, 0, 5)
    assert result.summary.endswith(
        "5 invitations could not be queued because the task queue is unavailable; "
        "import the file again with invitations ticked once it is back."
    )
    assert time.monotonic() - started < 15  # one failed connection attempt, not five
