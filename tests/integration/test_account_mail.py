"""allauth's e-mails through the outbox, end to end: the pages of a web process whose mail server
refuses or hangs answer at once, and a real Celery worker delivers each e-mail once when the
server is back, with a link that works."""

import os
import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meded.celery import app as celery_app
from notifications.enums import MessageKind, MessageStatus
from notifications.models import Message
from notifications.sending import SWEEP_GRACE
from tests.factories import PASSWORD, MemberFactory
from tests.integration.conftest import wait_for
from tests.integration.network import ClosedPort, HungServer, SmtpSink
from tests.integration.test_notifications import run_sweep

pytestmark = pytest.mark.integration

SIGNUP = {
    "email": "nia.okoye@example.ac.uk",
    "password1": "a-long-unusual-passphrase",
    "password2": "a-long-unusual-passphrase",
    "first_name": "Nia",
    "last_name": "Okoye",
    "year_of_study": "1",
    "entry_year": "2026",
}
RESET_SUBJECT = "[MedEd] Password Reset Email"
CONFIRM_SUBJECT = "[MedEd] Please Confirm Your Email Address"


class MailServer:
    """The mail server, as web and worker both reach it on one port: up, or down in one of three
    ways (nothing listening, refusing every recipient for now, accepting and never answering)
    until `restore()` starts a working one on the same port."""

    def __init__(self, state: str):
        self.state = state
        self.sink: SmtpSink | None = None
        self._down = None
        if state == "up":
            self.sink = SmtpSink().start()
        elif state == "closed":
            self._down = ClosedPort()
        elif state == "refusing":
            self._down = SmtpSink(refusing=True).start()
        elif state == "hung":
            self._down = HungServer().start()
        self.port = (self._down or self.sink).port

    def restore(self) -> SmtpSink:
        self._down.stop()
        self._down = None
        self.sink = SmtpSink(self.port).start()
        return self.sink

    def stop(self) -> None:
        for server in (self._down, self.sink):
            if server is not None:
                server.stop()


@pytest.fixture
def redis_broker():
    """The web process hands the outbox rows to the worker through the broker, as in production."""
    if urlsplit(settings.CELERY_BROKER_URL).scheme != "redis":
        if os.environ.get("CI"):
            pytest.fail("CI must run the integration tests on Redis: set REDIS_URL (see .ci/run).")
        pytest.skip("needs the Redis broker, as in CI")


@pytest.fixture
def web_sends_through_the_broker(settings, mail_server):
    """This test process plays the web: tasks go to the broker (not run in the request, as the
    test suite's eager default would), and its own mail settings point at the same server as the
    worker's, with the production timeout, so a page that sent mail itself would show it."""
    celery_app.conf.task_always_eager = False  # the suite's autouse fixture puts it back
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": mail_server.port, "timeout": 10},
        }
    }


def _timed_post(client: Client, url: str, data: dict):
    started = time.monotonic()
    response = client.post(url, data)
    return response, time.monotonic() - started


def _text(message) -> str:
    part = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def _link_path(message, pattern: str) -> str:
    return urlsplit(re.search(rf"https?://\S+{pattern}\S*", _text(message))[0]).path


def _reset_link_sets_a_new_password(message, member) -> None:
    client = Client()
    form = client.get(_link_path(message, "/accounts/password/reset/key/"), follow=True)
    assert form.status_code == 200
    new_password = "a-fresh-long-passphrase"
    response = client.post(form.redirect_chain[-1][0], {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == member.pk  # the reset signs in
    fresh = Client()
    assert fresh.post(reverse("account_login"), {"login": member.email, "password": new_password}).status_code == 302
    assert int(fresh.session["_auth_user_id"]) == member.pk


def _confirmation_link_confirms(message, address: str) -> None:
    assert not EmailAddress.objects.get(email=address).verified
    response = Client().post(_link_path(message, "/accounts/confirm-email/"))
    assert response.status_code == 302
    assert EmailAddress.objects.get(email=address).verified


@pytest.fixture
def mail_server(request):
    server = MailServer(getattr(request, "param", "up"))
    yield server
    server.stop()


@pytest.fixture
def process_env(process_env, mail_server):
    return process_env | {"EMAIL_URL": f"smtp://127.0.0.1:{mail_server.port}"}


@pytest.mark.parametrize("mail_server", ["closed", "refusing", "hung"], indirect=True)
def test_account_pages_answer_at_once_while_the_mail_server_is_down_and_each_mail_arrives_once_when_it_is_back(
    mail_server, redis_broker, web_sends_through_the_broker, process_env, celery_worker_process
):
    _worker, worker_log = celery_worker_process
    forgetful = MemberFactory(email="aisha.khan@example.ac.uk", first_name="Aisha")
    unconfirmed = MemberFactory(email="tom.okafor@example.ac.uk", first_name="Tom", verified=False)

    reset, reset_time = _timed_post(Client(), reverse("account_reset_password"), {"email": forgetful.email})
    signup, signup_time = _timed_post(Client(), reverse("account_signup"), SIGNUP)
    login, login_time = _timed_post(
        Client(), reverse("account_login"), {"login": unconfirmed.email, "password": PASSWORD}
    )

    print(f"\n{mail_server.state}: reset {reset_time:.3f} s, sign-up {signup_time:.3f} s, sign-in {login_time:.3f} s")
    assert (reset.status_code, reset["Location"]) == (302, reverse("account_reset_password_done"))
    assert (signup.status_code, signup["Location"]) == (302, reverse("account_email_verification_sent"))
    assert (login.status_code, login["Location"]) == (302, reverse("account_email_verification_sent"))
    assert max(reset_time, signup_time, login_time) < 1.0
    assert "We have sent you an email" in Client().get(reset["Location"]).content.decode()
    rows = Message.objects.filter(kind=MessageKind.ACCOUNT).order_by("pk")
    new_member = EmailAddress.objects.get(email=SIGNUP["email"]).user
    assert [(row.recipient_id, row.context["to"], row.context["subject"]) for row in rows.all()] == [
        (forgetful.pk, [forgetful.email], RESET_SUBJECT),
        (new_member.pk, [SIGNUP["email"]], CONFIRM_SUBJECT),
        (unconfirmed.pk, [unconfirmed.email], CONFIRM_SUBJECT),
    ]

    # The worker tries each once (a hung server costs it the 10-second timeout each time) and
    # puts it back to wait for a retry.
    wait_for(
        lambda: list(rows.values_list("status", "attempts")) == [(MessageStatus.PENDING, 1)] * 3,
        timeout=90,
        message=f"The worker did not try the messages:\n{worker_log.read_text()}",
    )
    assert all(rows.values_list("last_error", flat=True)), worker_log.read_text()

    sink = mail_server.restore()
    # As if the back-off had passed: the sweep queues them again.
    rows.update(next_attempt_at=timezone.now(), created_at=timezone.now() - SWEEP_GRACE - timedelta(seconds=1))
    run_sweep(process_env)
    wait_for(
        lambda: set(rows.values_list("status", flat=True)) == {MessageStatus.SENT},
        timeout=90,
        message=f"The messages were not sent once the server was back:\n{worker_log.read_text()}",
    )

    delivered = {message["To"]: message for message in sink.messages}
    assert len(sink.messages) == len(delivered) == 3
    assert {to: message["Subject"] for to, message in delivered.items()} == {
        forgetful.email: RESET_SUBJECT,
        SIGNUP["email"]: CONFIRM_SUBJECT,
        unconfirmed.email: CONFIRM_SUBJECT,
    }
    _reset_link_sets_a_new_password(delivered[forgetful.email], forgetful)
    _confirmation_link_confirms(delivered[SIGNUP["email"]], SIGNUP["email"])
    _confirmation_link_confirms(delivered[unconfirmed.email], unconfirmed.email)


def test_a_password_reset_link_delivered_by_a_real_worker_sets_a_new_password(
    mail_server, redis_broker, web_sends_through_the_broker, process_env, celery_worker_process
):
    _worker, worker_log = celery_worker_process
    member = MemberFactory(email="aisha.khan@example.ac.uk", first_name="Aisha")

    response = Client().post(reverse("account_reset_password"), {"email": "Aisha.Khan@example.ac.uk"})

    assert (response.status_code, response["Location"]) == (302, reverse("account_reset_password_done"))
    wait_for(
        lambda: mail_server.sink.messages,
        timeout=60,
        message=f"Nothing reached the SMTP sink:\n{worker_log.read_text()}",
    )
    [message] = mail_server.sink.messages
    row = Message.objects.get()
    assert (message["To"], message["Subject"]) == (member.email, RESET_SUBJECT)
    assert message["Message-ID"] == f"<outbox-{row.pk}.0@meded.example.ac.uk>"
    assert (row.kind, row.recipient, row.status) == (MessageKind.ACCOUNT, member, MessageStatus.SENT)
    _reset_link_sets_a_new_password(message, member)
