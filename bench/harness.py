"""What the web benchmarks share: a PostgreSQL database of their own, the production settings,
gunicorn as the Dockerfile runs it, and a phone's browser behind the TLS proxy.

Import it first, call `configure()` before `django.setup()`: the script and gunicorn then share
one environment (the same SECRET_KEY, so tokens the script computes open in gunicorn).

The database is created by the script under the name it is given and dropped at the end only
because the script created it: an existing database of that name is refused, never flushed.
"""

import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
SERVER_URL = "postgres://postgres@127.0.0.1:5432"
TIMEOUT = 60  # seconds a phone waits for a page (gunicorn's own worker timeout is 30)
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Variables that would make a run unlike production if the operator's shell had them set.
UNLIKE_PRODUCTION = (
    "ACCOUNT_RATE_LIMITS_DISABLED",
    "CELERY_TASK_ALWAYS_EAGER",
    "SECURE_SSL_REDIRECT",
    "REQUEST_ID_HEADER",
    "SESSION_COOKIE_AGE",
    "SESSION_BROWSER_MAX_AGE",
)


def add_arguments(parser) -> None:
    parser.add_argument("--port", type=int, required=True, help="port for gunicorn on 127.0.0.1")
    parser.add_argument(
        "--database", required=True, help="name of a database to create for the run (refused if it exists)"
    )
    parser.add_argument("--server", default=SERVER_URL, help=f"PostgreSQL server URL (default {SERVER_URL})")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats of each measured run")


def configure(*, server: str, database: str, port: int) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", database):
        sys.exit(f"--database {database!r}: use lower-case letters, digits and underscores")
    for name in UNLIKE_PRODUCTION:
        os.environ.pop(name, None)
    scratch = Path(tempfile.mkdtemp(prefix="meded-bench-"))
    parts = urlsplit(server)
    os.environ |= {
        "DJANGO_SETTINGS_MODULE": "meded.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{database}")),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Production sits behind a TLS proxy: secure cookies, the HTTPS redirect and CSRF's
        # origin checks all stay on, and the phones below send what the proxy would.
        "USE_X_FORWARDED_PROTO": "1",
        "ALLOWED_EMAIL_DOMAINS": "example.ac.uk",
        "CELERY_BROKER_URL": "filesystem://localhost//",
        "CELERY_FILESYSTEM_BROKER_DIR": str(scratch / "broker"),
        "STATIC_ROOT": str(scratch / "static"),
        "MEDIA_ROOT": str(scratch / "media"),
        "LOG_LEVEL": "WARNING",
    }
    os.environ["BENCH_PORT"] = str(port)
    os.environ["BENCH_SERVER"] = server
    os.environ["BENCH_DATABASE"] = database


def _maintenance(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{os.environ['BENCH_SERVER']}/postgres", autocommit=True) as connection:
        connection.execute(sql)


@contextmanager
def own_database(*, keep: bool) -> Iterator[None]:
    """Create the run's database and migrate it; drop it afterwards unless kept. Only a database
    this call created is ever dropped."""
    import psycopg
    from django.core.management import call_command
    from django.db import connections

    name = os.environ["BENCH_DATABASE"]
    try:
        _maintenance(f'CREATE DATABASE "{name}"')
    except psycopg.errors.DuplicateDatabase:
        sys.exit(f"database {name} exists: choose another --database (the benchmark creates its own)")
    try:
        call_command("migrate", verbosity=0)
        yield
    finally:
        connections.close_all()
        if keep:
            print(f"kept database {name}", file=sys.stderr)
        else:
            _maintenance(f'DROP DATABASE "{name}" WITH (FORCE)')


def image_worker_options() -> list[str]:
    """The worker options of the Dockerfile's CMD (`--workers` onwards), so a benchmark runs
    gunicorn as the production image does and cannot drift from it."""
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    arguments = json.loads(cmd.group(1))
    return arguments[arguments.index("--workers") :]


def worker_options(config: str | None) -> list[str]:
    """gunicorn's worker options for `sync:N` (N sync workers) or `gthread:NxT` (N workers of T
    threads); None is the Dockerfile's own."""
    if config is None:
        return image_worker_options()
    kind, _, shape = config.partition(":")
    workers, _, threads = shape.partition("x")
    if kind == "sync" and workers.isdigit() and not threads:
        return ["--workers", workers]
    if kind == "gthread" and workers.isdigit() and threads.isdigit():
        return ["--workers", workers, "--worker-class", "gthread", "--threads", threads]
    sys.exit(f"unknown worker configuration {config!r}: sync:N or gthread:NxT")


@contextmanager
def gunicorn(config: str | None = None, *, port: int | None = None) -> Iterator[str]:
    """gunicorn as the production image runs it (the Dockerfile's worker options), or with the
    worker configuration `config` (see worker_options), on BENCH_PORT or `port`; yields the base
    URL once /readyz answers."""
    import requests
    from django.core.management import call_command

    call_command("collectstatic", "--no-input", verbosity=0)  # as the image does when it is built
    port = port or int(os.environ["BENCH_PORT"])
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkstemp(prefix="meded-bench-gunicorn-", suffix=".log")[1])
    command = [sys.executable, "-m", "gunicorn", "meded.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    with log.open("ab") as output:
        command += worker_options(config)
        server = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                sys.exit(f"gunicorn exited with status {server.returncode}; see {log}")
            try:
                if requests.get(f"{base}/readyz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"gunicorn did not answer on port {port} in 60 s; see {log}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class Failed(Exception):
    """A phone did not reach the page it should have; the message says where and how."""


class Browser:
    """A phone's browser behind the TLS proxy: keeps its cookies (Secure ones too, as the proxy
    carries them) and sends the proxy's X-Forwarded-Proto and, on POST, its Origin."""

    def __init__(self, base: str, cookies: dict[str, str] | None = None):
        self.base = base
        self.origin = base.replace("http://", "https://", 1)
        self.cookies = dict(cookies or {})

    def request(self, method: str, path: str, data: dict | None = None, *, expect: int):
        import requests

        headers = {"X-Forwarded-Proto": "https"} | ({"Origin": self.origin} if method == "POST" else {})
        try:
            response = requests.request(
                method,
                self.base + path,
                data=data,
                headers=headers,
                cookies=self.cookies,
                allow_redirects=False,
                timeout=TIMEOUT,
            )
        except requests.RequestException as error:
            raise Failed(f"{method} {path}: {type(error).__name__}") from None
        for header in response.raw.headers.getlist("Set-Cookie"):
            name, _, value = header.split(";", 1)[0].partition("=")
            if "max-age=0" in header.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip().strip('"')
        if response.status_code != expect:
            raise Failed(f"{method} {path}: HTTP {response.status_code}")
        return response

    def sign_in(self, *, email: str, password: str, onward: str = "", remember: bool = True):
        """The sign-in page and its form, as a member fills them in; returns the redirect."""
        login = "/accounts/login/" + (f"?next={onward}" if onward else "")
        page = self.request("GET", login, expect=200)
        token = CSRF_FIELD.search(page.text)
        if token is None:
            raise Failed(f"GET {login}: no form")
        form = {"csrfmiddlewaretoken": token.group(1), "login": email, "password": password}
        if onward:
            form["next"] = onward
        if remember:
            form["remember"] = "on"
        answer = self.request("POST", login, form, expect=302)
        if answer.headers["Location"] != (onward or "/"):
            raise Failed(f"POST {login}: redirected to {answer.headers['Location']}")
        return answer


def timed(work: Callable[[int], object], count: int, concurrency: int) -> tuple[float, list]:
    """Run work(0..count-1) on `concurrency` threads; the wall time and each outcome (an
    exception counts as that item's outcome, not as the run's failure)."""
    from concurrent.futures import ThreadPoolExecutor

    def attempt(n: int):
        try:
            return work(n)
        except Exception as error:  # every failure is counted and reported
            return error

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(attempt, range(count)))
    return time.perf_counter() - started, outcomes


def spread(values: list[float]) -> str:
    """Median and range, as the summaries print them."""
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"
