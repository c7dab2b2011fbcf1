"""Redis outage drill: what members see, and which e-mails arrive, while Redis is away.

Starts the production processes on loopback against a database of its own (dropped and created
again at the start): gunicorn serving meded.wsgi with DEBUG off behind a pretend TLS proxy
(X-Forwarded-Proto), a Celery worker and beat, a Redis of its own on a free port (cache and
broker, no persistence) and an SMTP server that keeps what it accepts. Then it drives three
journeys over real HTTP, each at --rate attempts a second, on a fixed schedule whatever the
answers (as members keep arriving):

- sign-in: GET the sign-in page, POST the e-mail address and password, follow the redirect to a
  page that shows "Sign out";
- registration: a signed-in member POSTs "Register" for an upcoming session, as the session page
  does (each attempt a new member and session pair), and the place must be in the database;
- catalogue: a signed-in member GETs /sessions/, which must list the sessions.

After --warmup seconds Redis is taken away for --outage seconds: `--mode stopped` terminates it
and starts a new, empty one on the same port afterwards (harsher than production's Redis, which
keeps its data: anything queued is lost, and the outbox's sweep must find it); `--mode hung`
freezes it with SIGSTOP and thaws it with SIGCONT (connections open, no answers). The load goes on
for --recovery seconds, then the script waits up to --drain seconds for the outbox to empty.

Reports, per journey, attempts, successes, success rate and p50/p95 latency (all attempts,
failures included) before, during and after the outage, the commonest failures; then the
confirmation e-mails expected (one per registration in the database) against those the SMTP
server got, lost and duplicated (by recipient and session). Exits 1 when the target is missed:
100 % success, 0 e-mails lost, 0 duplicated. Process logs stay in the folder it names.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/meded_fault \\
        .venv/bin/python bench/redis_outage.py [--mode stopped|hung] [--warmup 30] [--outage 60] \\
        [--recovery 60] [--rate 2] [--drain 480] [--workers 3]
"""

import argparse
import collections
import datetime as dt
import json
import math
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.utils import parseaddr
from importlib import import_module
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.network import SmtpSink, free_port  # noqa: E402 -- aiosmtpd, the same sink the tests use


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--mode", choices=["stopped", "hung"], default="stopped")
    parser.add_argument("--warmup", type=float, default=30, help="seconds of load before the outage")
    parser.add_argument("--outage", type=float, default=60, help="seconds without Redis")
    parser.add_argument("--recovery", type=float, default=60, help="seconds of load after it")
    parser.add_argument("--rate", type=float, default=2, help="attempts per second of each journey")
    parser.add_argument("--drain", type=float, default=480, help="seconds to wait for the outbox to empty")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (the drill was measured with 3)")
    return parser.parse_args()


ARGS = _arguments()  # first, so --help and a mistyped option start nothing

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/meded_fault")
SCRATCH = Path(tempfile.mkdtemp(prefix="meded-fault-"))
REDIS_PORT, SMTP_PORT, WEB_PORT = free_port(), free_port(), free_port()
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/0"
# Variables that would make this run unlike production if the operator's shell had them set.
for name in ("ACCOUNT_RATE_LIMITS_DISABLED", "CELERY_TASK_ALWAYS_EAGER", "SECURE_SSL_REDIRECT", "REQUEST_ID_HEADER"):
    os.environ.pop(name, None)
# The script, gunicorn, the worker and beat share one environment: the same SECRET_KEY, so the
# sign-in sessions the script writes open in gunicorn.
os.environ |= {
    "DJANGO_SETTINGS_MODULE": "meded.settings",
    "PYTHONPATH": str(ROOT),
    "PYTHONUNBUFFERED": "1",
    "DATABASE_URL": DATABASE_URL,
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "127.0.0.1",
    "USE_X_FORWARDED_PROTO": "1",
    "ALLOWED_EMAIL_DOMAINS": "example.ac.uk",
    "EMAIL_URL": f"smtp://127.0.0.1:{SMTP_PORT}",
    "REDIS_URL": REDIS_URL,
    "CELERY_BROKER_URL": REDIS_URL,
    "CELERY_BEAT_SCHEDULE_FILENAME": str(SCRATCH / "celerybeat-schedule"),
    "STATIC_ROOT": str(SCRATCH / "static"),
    "MEDIA_ROOT": str(SCRATCH / "media"),
    "LOG_FORMAT": "json",
}

import django  # noqa: E402 -- the environment above must be set first

django.setup()

import redis  # noqa: E402
import requests  # noqa: E402
from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from psycopg import connect, sql  # noqa: E402

from attendance.enums import RegistrationState  # noqa: E402
from attendance.models import Registration  # noqa: E402
from events.models import Session  # noqa: E402
from events.services import approve_session  # noqa: E402
from members.models import Member  # noqa: E402
from notifications.enums import MessageStatus  # noqa: E402
from notifications.models import Message  # noqa: E402
from teachers.services import propose_session  # noqa: E402

BASE = f"http://127.0.0.1:{WEB_PORT}"
ORIGIN = f"https://127.0.0.1:{WEB_PORT}"  # what a browser sends through the TLS proxy
PASSWORD = "drill-" + secrets.token_urlsafe(12)
TITLE = "Outage drill"
SESSIONS = 6
SIGNERS = 20  # members who sign in, in turn
TIMEOUT = 30  # seconds a member waits for a page, as gunicorn's own worker timeout
JOURNEYS = ("sign-in", "registration", "catalogue")
PHASES = ("before", "during", "after")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CONFIRMATION = re.compile(rf"You are registered: ({re.escape(TITLE)} \d+)$")


class Failed(Exception):
    """A journey did not reach its page; the message says where and how."""


# --- Processes --------------------------------------------------------------------------------


class Processes:
    """Every process the drill starts, each in a group of its own (gunicorn's and Celery's
    children with it), so Ctrl-C reaches the script alone and the cleanup stops them all. The
    app's processes are started again a second after they exit, as docker-compose.yml's
    `restart: unless-stopped` would, and their exits counted for the report."""

    def __init__(self):
        self.started: list[subprocess.Popen] = []
        self.supervised: dict[str, tuple[list[str], subprocess.Popen]] = {}
        self.exits: collections.Counter[str] = collections.Counter()
        self.closing = threading.Event()
        self._lock = threading.Lock()
        threading.Thread(target=self._supervise, daemon=True).start()

    def start(self, name: str, args: list[str], *, restart: bool = False) -> subprocess.Popen:
        with (SCRATCH / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append(process)
        if restart:
            self.supervised[name] = (args, process)
        return process

    def _supervise(self) -> None:
        while not self.closing.wait(1):
            with self._lock:
                for name, (args, process) in list(self.supervised.items()):
                    if process.poll() is None or self.closing.is_set():
                        continue
                    self.exits[name] += 1
                    print(f"{name} exited with status {process.returncode}; starting it again", file=sys.stderr)
                    self.stop(process)  # what is left of its group: a worker's pool processes
                    self.start(name, args, restart=True)

    @staticmethod
    def stop(process: subprocess.Popen, timeout: float = 20) -> None:
        try:
            os.killpg(process.pid, signal.SIGCONT)  # a frozen Redis would not act on SIGTERM
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)  # anything of the group still there
        except ProcessLookupError:
            pass
        process.wait()

    def stop_all(self) -> None:
        self.closing.set()
        with self._lock:  # after a restart in progress, and before any other
            for process in reversed(self.started):
                self.stop(process)


def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except Exception:  # noqa: S110 -- not up yet: try again until the deadline
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start in {timeout:.0f} s; logs in {SCRATCH}")
        time.sleep(0.2)


def start_redis(processes: Processes) -> subprocess.Popen:
    binary = shutil.which("redis-server") or "redis-server"
    server = processes.start(
        "redis", [binary, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    )
    client = redis.Redis(port=REDIS_PORT, socket_timeout=1)
    wait_until(client.ping, timeout=10, what="redis-server")
    return server


def start_app(processes: Processes, *, workers: int) -> None:
    python = sys.executable
    # Sync workers, as the drill was measured with, and gunicorn's 30-second timeout.
    bind = f"127.0.0.1:{WEB_PORT}"
    gunicorn = [python, "-m", "gunicorn", "meded.wsgi:application", "--bind", bind, "--workers", str(workers)]
    processes.start("gunicorn", gunicorn, restart=True)
    # As docker-compose.yml runs them.
    processes.start("worker", [python, "-m", "celery", "-A", "meded", "worker", "--concurrency=2"], restart=True)
    processes.start("beat", [python, "-m", "celery", "-A", "meded", "beat"], restart=True)
    wait_until(lambda: requests.get(f"{BASE}/readyz", timeout=5).json()["status"] == "ok", timeout=60, what="gunicorn")
    wait_until(lambda: "ready." in (SCRATCH / "worker.log").read_text(), timeout=60, what="The Celery worker")


# --- Data -------------------------------------------------------------------------------------


def recreate_database() -> None:
    url = urlparse(DATABASE_URL)
    name = url.path.lstrip("/")
    with connect(url._replace(path="/postgres").geturl(), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest DEBUG off needs


def signed_in_cookie(member: Member) -> str:
    """A sign-in session written straight to the database, for members who are already signed in."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(member.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = member.get_session_auth_hash()
    store.create()
    return store.session_key


@dataclass
class Seed:
    sessions: list[Session]
    signers: list[Member]
    registrants: list[Member]
    cookies: list[str]  # one per registrant


def seed(*, registrations: int) -> Seed:
    """Upcoming sessions with a place for everyone, members with confirmed addresses and the
    drill's password, and a sign-in session for each member who registers or reads."""
    lead = Member.objects.create_user(
        "lead@example.ac.uk", None, first_name="Lead", last_name="Teacher", year_of_study=5
    )
    registrant_count = math.ceil(registrations / SESSIONS)
    start = (timezone.now() + dt.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    sessions = []
    for n in range(1, SESSIONS + 1):
        proposed = propose_session(
            teacher=lead,
            submit=True,
            title=f"{TITLE} {n}",
            format="in_person",
            venue="Lecture Theatre 1",
            capacity=registrant_count,
            target_years=[3],
            starts_at=start + dt.timedelta(hours=n),
            ends_at=start + dt.timedelta(hours=n, minutes=50),
        )
        sessions.append(approve_session(session=proposed, by=lead))
    hashed = make_password(PASSWORD)
    members = Member.objects.bulk_create(
        Member(email=f"student{n}@example.ac.uk", first_name="Student", last_name=str(n), year_of_study=3)
        for n in range(SIGNERS + registrant_count)
    )
    Member.objects.filter(pk__in=[member.pk for member in members]).update(password=hashed)
    EmailAddress.objects.bulk_create(
        EmailAddress(user=member, email=member.email, primary=True, verified=True) for member in members
    )
    members = list(Member.objects.filter(pk__in=[member.pk for member in members]).order_by("pk"))
    registrants = members[SIGNERS:]
    return Seed(sessions, members[:SIGNERS], registrants, [signed_in_cookie(member) for member in registrants])


# --- Journeys ---------------------------------------------------------------------------------


class Browser:
    """A member's browser behind the TLS proxy: keeps its cookies (Secure ones too, as the proxy
    would carry them) and sends the proxy's X-Forwarded-Proto and, on POST, its Origin."""

    def __init__(self, cookies: dict[str, str] | None = None):
        self.cookies = dict(cookies or {})

    def request(self, method: str, path: str, data: dict | None = None, *, expect: int) -> requests.Response:
        headers = {"X-Forwarded-Proto": "https"} | ({"Origin": ORIGIN} if method == "POST" else {})
        try:
            response = requests.request(
                method,
                BASE + path,
                data=data,
                headers=headers,
                cookies=self.cookies,
                allow_redirects=False,
                timeout=TIMEOUT,
            )
        except requests.Timeout:
            raise Failed(f"{method} {path}: no answer in {TIMEOUT} s") from None
        except requests.RequestException as error:
            raise Failed(f"{method} {path}: {type(error).__name__}") from None
        for header in response.raw.headers.getlist("Set-Cookie"):
            name, _, value = header.split(";", 1)[0].partition("=")
            if "max-age=0" in header.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        if response.status_code != expect:
            raise Failed(f"{method} {path}: HTTP {response.status_code}")
        return response


def sign_in(member: Member) -> None:
    browser = Browser()
    page = browser.request("GET", "/accounts/login/", expect=200)
    token = CSRF_FIELD.search(page.text)
    if token is None:
        raise Failed("GET /accounts/login/: no form")
    answer = browser.request(
        "POST",
        "/accounts/login/",
        {"csrfmiddlewaretoken": token.group(1), "login": member.email, "password": PASSWORD},
        expect=302,
    )
    if answer.headers["Location"] != "/":
        raise Failed(f"POST /accounts/login/: redirected to {answer.headers['Location']}")
    if 'href="/accounts/logout/"' not in browser.request("GET", "/", expect=200).text:
        raise Failed("GET /: not signed in")


def register(cookie: str, session: Session) -> None:
    token = secrets.token_hex(16)
    browser = Browser({settings.SESSION_COOKIE_NAME: cookie, settings.CSRF_COOKIE_NAME: token})
    path = f"/sessions/{session.pk}/"
    answer = browser.request("POST", f"{path}register/", {"csrfmiddlewaretoken": token}, expect=302)
    if answer.headers["Location"] != path:
        raise Failed(f"POST {path}register/: redirected to {answer.headers['Location']}")


def read_catalogue(cookie: str) -> None:
    page = Browser({settings.SESSION_COOKIE_NAME: cookie}).request("GET", "/sessions/", expect=200)
    if TITLE not in page.text:
        raise Failed("GET /sessions/: the sessions are not listed")


# --- Load -------------------------------------------------------------------------------------


@dataclass
class Attempt:
    journey: str
    number: int
    started: float  # seconds since the load began
    seconds: float
    error: str = ""  # empty when it succeeded


class Load:
    """Each journey started `rate` times a second on a fixed schedule, whatever the answers."""

    def __init__(self, journeys: dict[str, Callable[[int], None]], *, rate: float):
        self.journeys = journeys
        self.rate = rate
        self.attempts: list[Attempt] = []
        self.stopping = threading.Event()
        # Enough threads for every attempt that may be waiting out its timeouts at once.
        self.pool = ThreadPoolExecutor(max_workers=max(64, math.ceil(len(journeys) * rate * 3 * TIMEOUT) + 16))
        self.drivers: list[threading.Thread] = []
        self.began = 0.0

    def start(self) -> None:
        self.began = time.monotonic()
        for index, name in enumerate(self.journeys):
            offset = index / (len(self.journeys) * self.rate)  # interleaved, not all at once
            driver = threading.Thread(target=self._drive, args=(name, offset), daemon=True)
            driver.start()
            self.drivers.append(driver)

    def now(self) -> float:
        return time.monotonic() - self.began

    def _drive(self, name: str, offset: float) -> None:
        number = 0
        while not self.stopping.wait(max(0.0, offset + number / self.rate - self.now())):
            self.pool.submit(self._attempt, name, number)
            number += 1

    def _attempt(self, name: str, number: int) -> None:
        started = self.now()
        try:
            self.journeys[name](number)
        except Failed as failure:
            error = str(failure)
        except Exception as error:  # the drill reports it with the rest rather than dying
            error = f"{type(error).__name__}: {error}"
        else:
            error = ""
        self.attempts.append(Attempt(name, number, started, self.now() - started, error))

    def stop(self, *, wait: bool = True) -> None:
        self.stopping.set()
        for driver in self.drivers:
            driver.join()
        self.pool.shutdown(wait=wait, cancel_futures=not wait)


# --- Report -----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")


def phase_of(attempt: Attempt, outage: tuple[float, float]) -> str:
    return "before" if attempt.started < outage[0] else "during" if attempt.started < outage[1] else "after"


def journey_report(attempts: list[Attempt], outage: tuple[float, float]) -> bool:
    print("by when each attempt started; latency of every attempt, failures included")
    print(f"{'journey':<13} {'phase':<7} {'attempts':>8} {'ok':>5} {'success':>8} {'p50':>7} {'p95':>7}")
    all_ok = True
    for journey in JOURNEYS:
        mine = [attempt for attempt in attempts if attempt.journey == journey]
        groups = [(phase, [a for a in mine if phase_of(a, outage) == phase]) for phase in PHASES] + [("all", mine)]
        for index, (phase, group) in enumerate(groups):
            ok = sum(not attempt.error for attempt in group)
            rate = f"{100 * ok / len(group):.1f} %" if group else "-"
            p50, p95 = (percentile([attempt.seconds for attempt in group], share) for share in (0.5, 0.95))
            label = journey if index == 0 else ""
            print(f"{label:<13} {phase:<7} {len(group):>8} {ok:>5} {rate:>8} {p50:>6.2f}s {p95:>6.2f}s")
        all_ok &= all(not attempt.error for attempt in mine)
    failures = collections.Counter(
        (attempt.journey, phase_of(attempt, outage), attempt.error) for attempt in attempts if attempt.error
    )
    if failures:
        print("failures:")
        for (journey, phase, error), count in failures.most_common(12):
            print(f"  {journey} {phase}: {count} x {error}")
    return all_ok


def email_report(sink: SmtpSink, drill: Seed) -> tuple[int, int, int]:
    registered = Registration.objects.filter(session__in=drill.sessions, state=RegistrationState.REGISTERED)
    expected = {(email.lower(), title) for email, title in registered.values_list("member__email", "session__title")}
    delivered: collections.Counter[tuple[str, str]] = collections.Counter()
    other = 0
    for message in sink.messages:
        subject = CONFIRMATION.search(str(make_header(decode_header(message["Subject"] or ""))))
        if subject is None:
            other += 1
            continue
        delivered[(parseaddr(message["To"])[1].lower(), subject.group(1))] += 1
    lost = len(expected - delivered.keys())
    duplicated = sum(count > 1 for count in delivered.values())
    unexpected = len(delivered.keys() - expected)
    outbox = dict(collections.Counter(Message.objects.values_list("status", flat=True)))
    print(
        f"e-mails: {len(expected)} registrations in the database, so {len(expected)} confirmations expected; "
        f"{sum(delivered.values())} delivered to {len(delivered)} recipient+session pairs; "
        f"lost {lost}, duplicated {duplicated}, unexpected {unexpected}; {other} other e-mails"
    )
    print(f"outbox rows by status: {outbox}")
    return lost, duplicated, unexpected


def check_registrations(load: Load, drill: Seed) -> None:
    """A redirect is not enough: the place must be in the database."""
    held = set(
        Registration.objects.filter(session__in=drill.sessions, state=RegistrationState.REGISTERED).values_list(
            "member_id", "session_id"
        )
    )
    for attempt in load.attempts:
        if attempt.journey == "registration" and not attempt.error:
            member, session = pair(drill, attempt.number)
            if (member.pk, session.pk) not in held:
                attempt.error = "redirected, but no place in the database"


def pair(drill: Seed, number: int) -> tuple[Member, Session]:
    return drill.registrants[number // SESSIONS], drill.sessions[number % SESSIONS]


# --- The drill --------------------------------------------------------------------------------


def last_critical(name: str) -> str:
    """The last CRITICAL line a process logged (Celery's "Unrecoverable error: …"), if any."""
    reason = "see its log"
    for line in (SCRATCH / f"{name}.log").read_text(errors="replace").splitlines():
        if '"level": "CRITICAL"' in line:
            try:
                reason = json.loads(line)["message"]
            except (ValueError, KeyError):
                pass
    return reason


def outbox_drained() -> bool:
    return not Message.objects.filter(status__in=[MessageStatus.PENDING, MessageStatus.SENDING]).exists()


def main(args: argparse.Namespace) -> int:
    registrations = math.ceil(args.rate * (args.warmup + args.outage + args.recovery) * 1.1) + 10
    print(f"database {DATABASE_URL}; logs in {SCRATCH}", file=sys.stderr)
    recreate_database()
    processes = Processes()
    sink = SmtpSink(port=SMTP_PORT).start()
    load = None
    try:
        redis_server = start_redis(processes)
        drill = seed(registrations=registrations)
        start_app(processes, workers=args.workers)
        load = Load(
            {
                "sign-in": lambda n: sign_in(drill.signers[n % SIGNERS]),
                "registration": lambda n: register(drill.cookies[n // SESSIONS], drill.sessions[n % SESSIONS]),
                "catalogue": lambda n: read_catalogue(drill.cookies[n % len(drill.cookies)]),
            },
            rate=args.rate,
        )
        for member, cookie in zip(drill.signers[:3], drill.cookies, strict=False):
            sign_in(member)  # untimed: the first figures should not be the processes' start-up
            read_catalogue(cookie)
        print(f"warm-up {args.warmup:.0f} s at {args.rate:g} attempts/s per journey", file=sys.stderr)
        load.start()
        time.sleep(args.warmup)

        outage_began = load.now()
        if args.mode == "hung":
            os.kill(redis_server.pid, signal.SIGSTOP)
        else:
            processes.stop(redis_server)
        print(f"Redis {args.mode} for {args.outage:.0f} s", file=sys.stderr)
        time.sleep(args.outage)
        if args.mode == "hung":
            os.kill(redis_server.pid, signal.SIGCONT)
        else:
            start_redis(processes)
        outage_ended = load.now()
        back_at = time.monotonic()
        print(f"Redis back; recovery {args.recovery:.0f} s", file=sys.stderr)
        time.sleep(args.recovery)
        load.stop()

        print(f"waiting up to {args.drain:.0f} s for the outbox to empty", file=sys.stderr)
        deadline = time.monotonic() + args.drain
        while not outbox_drained() and time.monotonic() < deadline:
            time.sleep(1)
        drained = outbox_drained()
        drained_after = time.monotonic() - back_at
        time.sleep(2)  # the last messages the worker has just handed over

        check_registrations(load, drill)
        how = "frozen (SIGSTOP), then thawed" if args.mode == "hung" else "stopped, then started again empty"
        print()
        print(
            f"Redis {how}: {outage_ended - outage_began:.0f} s from {outage_began:.0f} s into the load, "
            f"then {args.recovery:.0f} s of recovery; {args.rate:g} attempts/s per journey; "
            f"gunicorn {args.workers} sync workers, one Celery worker (2 processes) and beat"
        )
        journeys_ok = journey_report(load.attempts, (outage_began, outage_ended))
        lost, duplicated, unexpected = email_report(sink, drill)
        for name, count in sorted(processes.exits.items()):
            print(f"{name} exited {count} time(s) and was started again: {last_critical(name)}")
        if drained:
            print(f"outbox empty {drained_after:.0f} s after Redis came back")
        else:
            print(f"outbox NOT empty {drained_after:.0f} s after Redis came back")
        met = journeys_ok and drained and not (lost or duplicated or unexpected)
        print(f"target (100 % success, 0 lost, 0 duplicated): {'met' if met else 'MISSED'}")
        print(f"logs: {SCRATCH}")
        return 0 if met else 1
    finally:
        if load is not None:
            load.stop(wait=False)
        processes.stop_all()
        sink.stop()


def _interrupted(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        sys.exit(main(ARGS))
    except KeyboardInterrupt:
        print(f"interrupted; every process the drill started is stopped; logs in {SCRATCH}", file=sys.stderr)
        sys.exit(130)
