"""A real Redis, in its own process, stopped, restarted, frozen (SIGSTOP) and thawed under the
cache: sign-in, sign-up, password reset and check-in by typed code and by QR code carry on through
the outage, leave nothing behind that refuses anyone once Redis is back, and the limits hold again
as soon as it answers."""

import contextlib
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from urllib.parse import urlsplit

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from attendance import checkin
from attendance.enums import AttendanceSource
from attendance.models import Registration
from meded.cache import forget_outages
from tests.events.factories import ProposedSessionFactory
from tests.factories import PASSWORD, MemberFactory
from tests.integration.conftest import ROOT, wait_for
from tests.integration.network import free_port
from tests.members.test_sign_in_limits import SIGNUP

pytestmark = pytest.mark.integration


class RedisServer:
    """A throwaway redis-server on a free loopback port, never the shared one."""

    def __init__(self, executable: str, directory):
        self._executable = executable
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self._executable, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            cwd=self._directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_for(self.answers, timeout=10, message=f"redis-server did not start on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16) == b"+PONG\r\n"
        except OSError:
            return False

    def stop(self) -> None:
        self.thaw()
        self.process.terminate()
        self.process.wait(timeout=10)

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def redis_server(tmp_path, settings):
    executable = shutil.which("redis-server")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the cache outage tests: install redis-server (see .ci/run).")
        pytest.skip("needs redis-server, as in CI")
    server = RedisServer(executable, tmp_path)
    server.start()
    settings.CACHES = {"default": {"BACKEND": "meded.cache.FailOpenRedisCache", "LOCATION": server.url}}
    yield server
    if server.process.poll() is None:
        server.stop()
    forget_outages()


def sign_in(client: Client, email: str, password: str = PASSWORD, *, next_page: str | None = None):
    url = reverse("account_login") + (f"?next={next_page}" if next_page else "")
    start = time.monotonic()
    response = client.post(url, {"login": email, "password": password})
    return response, time.monotonic() - start


def signed_in_as(client: Client) -> int | None:
    user = client.session.get("_auth_user_id")
    return int(user) if user else None


def redis_used_again() -> bool:
    cache = caches["default"]
    cache.set("meded:test:back", 1, timeout=10)
    return cache.get("meded:test:back") == 1


def pause_after_five_wrong_passwords(client: Client, email: str) -> bool:
    for _ in range(5):
        sign_in(client, email, "guess")
    response, _ = sign_in(client, email)
    return "Too many failed login attempts" in response.content.decode()


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "meded.cache" and r.levelno == logging.WARNING]


def test_with_redis_stopped_members_sign_in_and_the_limits_hold_again_once_it_restarts(db, redis_server, caplog):
    member = MemberFactory(email="aisha@example.ac.uk")
    client = Client()
    assert sign_in(client, member.email)[0].status_code == 302
    client.logout()

    redis_server.stop()
    response, seconds = sign_in(client, member.email, next_page=reverse("events:catalogue"))
    assert (response.status_code, response["Location"], seconds < 2) == (302, reverse("events:catalogue"), True)
    assert signed_in_as(client) == member.pk
    client.logout()

    redis_server.start()
    wait_for(redis_used_again, timeout=5, message="The cache did not use Redis again after it restarted")
    assert pause_after_five_wrong_passwords(client, member.email)
    assert signed_in_as(client) is None
    [away, back] = warnings(caplog)
    assert f"Redis at 127.0.0.1:{redis_server.port}/0 did not answer (ConnectionError: " in away
    assert f"Redis at 127.0.0.1:{redis_server.port}/0 answers again after " in back


def test_with_redis_frozen_members_sign_in_and_the_limits_hold_again_once_it_thaws(db, redis_server, caplog):
    member = MemberFactory(email="aisha@example.ac.uk")
    client = Client()
    assert sign_in(client, member.email)[0].status_code == 302  # the cache now has a connection open
    client.logout()

    redis_server.freeze()
    watchdog = threading.Timer(5, redis_server.thaw)  # a client with no timeout would wait for ever
    watchdog.start()
    try:
        response, seconds = sign_in(client, member.email)
    finally:
        watchdog.cancel()
        redis_server.thaw()

    assert (response.status_code, seconds < 2) == (302, True)
    assert signed_in_as(client) == member.pk
    client.logout()
    wait_for(redis_used_again, timeout=5, message="The cache did not use Redis again after it thawed")
    assert pause_after_five_wrong_passwords(client, member.email)
    [away, back] = warnings(caplog)
    assert "did not answer (TimeoutError: " in away
    assert "answers again after " in back


def test_a_password_reset_while_redis_is_frozen_still_ends_the_pause_once_it_thaws(
    db, redis_server, mailoutbox, django_capture_on_commit_callbacks
):
    # The reset clears the account's failed sign-ins with a delete that cannot reach Redis; it is
    # carried out once Redis answers, or the member would stay paused despite the new password.
    member = MemberFactory(email="locked@example.ac.uk")
    client = Client()
    assert pause_after_five_wrong_passwords(client, member.email)

    redis_server.freeze()
    watchdog = threading.Timer(5, redis_server.thaw)
    watchdog.start()
    try:
        with django_capture_on_commit_callbacks(execute=True):  # the outbox hands it over after commit
            client.post(reverse("account_reset_password"), {"email": member.email})
        link = re.search(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+", mailoutbox[-1].body)[0]
        form = client.get(urlsplit(link).path, follow=True)
        new_password = "a-fresh-long-passphrase"
        reset = client.post(form.redirect_chain[-1][0], {"password1": new_password, "password2": new_password})
    finally:
        watchdog.cancel()
        redis_server.thaw()
    assert (reset.status_code, signed_in_as(client)) == (302, member.pk)
    client.logout()

    wait_for(redis_used_again, timeout=5, message="The cache did not use Redis again after it thawed")
    response, _ = sign_in(client, member.email, new_password)
    assert (response.status_code, signed_in_as(client)) == (302, member.pk)


def another_web_process(env: dict) -> subprocess.Popen:
    """A second web process, started and waiting: on a line on its stdin it posts to the sign-in
    page from the same address as the tests' client, and prints the status and the seconds taken."""
    code = textwrap.dedent(
        """
        import sys, time
        from django.test import Client
        from django.urls import reverse
        client = Client()
        client.get(reverse("account_login"))
        print("ready", flush=True)
        sys.stdin.readline()
        start = time.monotonic()
        status = client.post(reverse("account_login"), {}).status_code
        print(status, round(time.monotonic() - start, 3), flush=True)
        """
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_sign_in_caught_by_redis_freezing_refuses_nobody_once_it_thaws(process_env, redis_server):
    # A command sent just as Redis froze is still carried out when it thaws: allauth's 10-second
    # lock on the campus address, taken for a sign-in that then went ahead without Redis, would
    # refuse every sign-in from that address (429) in the other web processes. The process that
    # sent it deletes it as soon as Redis answers, while allauth's own wait for its lock (1 s) lasts.
    member = MemberFactory(email="aisha@example.ac.uk")
    other = another_web_process(process_env | {"REDIS_URL": redis_server.url, "ALLOWED_HOSTS": "testserver"})
    try:
        if (ready := other.stdout.readline()).strip() != "ready":
            other.kill()
            pytest.fail(f"The other web process did not start: {ready}{other.communicate()[1]}")
        client = Client()
        assert sign_in(client, member.email)[0].status_code == 302  # the cache now has a connection open
        client.logout()

        redis_server.freeze()
        watchdog = threading.Timer(5, redis_server.thaw)
        watchdog.start()
        try:
            response, seconds = sign_in(client, member.email)
        finally:
            watchdog.cancel()
            redis_server.thaw()
        output, errors = other.communicate("go\n", timeout=30)
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()

    assert (response.status_code, seconds < 2) == (302, True)
    assert len(output.split()) == 2, errors
    status, other_seconds = output.split()
    assert status == "200", errors  # the empty form again, not 429
    assert float(other_seconds) < 1


def test_a_signed_in_member_stays_signed_in_through_a_redis_outage(db, redis_server):
    # Sessions are kept in the database (SESSION_ENGINE = meded.sessions), never in Redis.
    member = MemberFactory(email="aisha@example.ac.uk", first_name="Aisha")
    client = Client()
    assert sign_in(client, member.email)[0].status_code == 302

    redis_server.stop()
    during = client.get(reverse("members:profile"))
    redis_server.start()
    after = client.get(reverse("members:profile"))

    assert (during.status_code, during.context["user"].pk) == (200, member.pk)
    assert (after.status_code, after.context["user"].pk) == (200, member.pk)


@contextlib.contextmanager
def redis_away(server: RedisServer, how: str):
    """Redis stopped, or frozen (accepting and never answering), for the block; back after it."""
    if how == "stopped":
        server.stop()
        try:
            yield
        finally:
            server.start()
        return
    server.freeze()
    watchdog = threading.Timer(30, server.thaw)  # a client with no timeout would wait for ever
    watchdog.start()
    try:
        yield
    finally:
        watchdog.cancel()
        server.thaw()


def timed(journey):
    start = time.monotonic()
    outcome = journey()
    return outcome, time.monotonic() - start


@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_with_redis_away_students_sign_up_and_check_in_by_code_and_by_qr_code(
    db, redis_server, how, mailoutbox, django_capture_on_commit_callbacks
):
    session = ProposedSessionFactory(hybrid=True, running=True)
    typist, scanner = MemberFactory(year_of_study=2), MemberFactory(year_of_study=2)
    assert sign_in(Client(), typist.email)[0].status_code == 302  # the cache now has a connection open
    qr_link = reverse("attendance:check_in", args=[session.pk, checkin.token_for(session.pk)])

    def sign_up():
        with django_capture_on_commit_callbacks(execute=True):  # the outbox hands the e-mail over after commit
            return Client().post(reverse("account_signup"), SIGNUP)

    def type_the_code():
        client = Client()
        client.force_login(typist)
        return client.post(reverse("attendance:code"), {"code": checkin.short_code_for(session.pk)})

    def scan_the_qr_code():
        client = Client()
        to_sign_in = client.get(qr_link)
        signed_in = client.post(to_sign_in["Location"], {"login": scanner.email, "password": PASSWORD})
        return client.get(signed_in["Location"])

    with redis_away(redis_server, how):
        (joined, joining), (typed, typing), (scanned, scanning) = map(timed, (sign_up, type_the_code, scan_the_qr_code))

    assert (joined.status_code, joined["Location"]) == (302, reverse("account_email_verification_sent"))
    assert [message.to for message in mailoutbox] == [[SIGNUP["email"]]]
    assert "You are checked in." in typed.content.decode()
    assert "You are checked in." in scanned.content.decode()
    assert dict(Registration.objects.values_list("member__email", "attendance_source")) == {
        typist.email: AttendanceSource.CODE,
        scanner.email: AttendanceSource.QR,
    }
    assert max(joining, typing, scanning) < 2, (joining, typing, scanning)
