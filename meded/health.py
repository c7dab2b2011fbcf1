"""Health endpoints for the proxy and the container healthchecks.

- `/healthz` (liveness): the process answers. It touches nothing else — no database, no cache,
  no session — so a database outage never makes the orchestrator restart healthy web processes.
- `/readyz` (readiness): the database (`SELECT 1`), the cache (a set and get) and the Celery broker
  (a connection) each with its latency. Only the database decides: without it MedEd can show
  nothing, so the answer is 503 and the proxy should stop sending traffic. A cache or broker
  outage is `"degraded"` with 200: every web process shares the one cache and broker, so failing
  readiness would take all of them out of the proxy at once and turn a partial outage into a whole
  one. Pages that need neither keep working, and e-mails wait in the outbox until the sweep
  reaches the broker again.

Both are answered by `meded.middleware.HealthCheckMiddleware` ahead of the host check, the HTTPS
redirect, sessions and sign-in (see there), and are never cached.
"""

import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from meded.celery import app as celery_app

logger = logging.getLogger(__name__)

# How long the cache and the broker may take before they count as down. The database has no such
# deadline here: set `connect_timeout` in DATABASE_URL (docs/operations.md).
CHECK_TIMEOUT_SECONDS = 2.0
CACHE_KEY = "meded:readyz"


def _check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    cache = caches["default"]
    value = os.urandom(8).hex()
    cache.set(CACHE_KEY, value, timeout=10)
    if cache.get(CACHE_KEY) != value:
        raise RuntimeError("the cache did not return the value just set")


def _check_broker() -> None:
    conf = celery_app.conf
    if conf.broker_url.startswith("filesystem://"):
        # The embedded broker is folders on this machine: it is there when they are.
        options = conf.broker_transport_options
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            folder = options.get(key)
            if folder and not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
                raise FileNotFoundError(f"broker folder {key} is missing or read-only")
        return
    with celery_app.connection_for_write(connect_timeout=CHECK_TIMEOUT_SECONDS) as connection:
        connection.ensure_connection(max_retries=0, timeout=CHECK_TIMEOUT_SECONDS)


def _timed(check: Callable[[], None]) -> tuple[float, BaseException | None]:
    """Run a check: how long it took in ms, and its error if it failed."""
    started = time.perf_counter()
    try:
        check()
    except Exception as error:
        return _ms_since(started), error
    return _ms_since(started), None


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


class _BoundedCheck:
    """Runs a check in one long-lived thread of its own, so a server that accepts but never answers
    holds the probe for CHECK_TIMEOUT_SECONDS at most. The same thread serves every probe (and so
    keeps the cache's connection pool); while an earlier probe is still stuck, the check is down at
    once rather than queueing behind it. A daemon thread, not an executor's: a stuck check must not
    hold up a worker that is shutting down."""

    def __init__(self, check: Callable[[], None]):
        self._check = check
        self._lock = threading.Lock()
        self._pending: Future | None = None
        self._thread: threading.Thread | None = None
        self._queue: queue.SimpleQueue[Future] = queue.SimpleQueue()

    def start(self) -> Future | None:
        with self._lock:
            if self._pending is not None and not self._pending.done():
                return None
            if self._thread is None or not self._thread.is_alive():  # first use, or a forked process
                self._queue = queue.SimpleQueue()
                self._thread = threading.Thread(
                    target=self._serve, args=(self._queue,), name=f"readiness{self._check.__name__}", daemon=True
                )
                self._thread.start()
            self._pending = Future()
            self._queue.put(self._pending)
            return self._pending

    def _serve(self, requests: "queue.SimpleQueue[Future]") -> None:
        while True:
            future = requests.get()
            if future.set_running_or_notify_cancel():
                future.set_result(_timed(self._check))


_bounded_cache = _BoundedCheck(_check_cache)
_bounded_broker = _BoundedCheck(_check_broker)


def _wait(future: Future | None, started: float) -> tuple[float, BaseException | None]:
    """A bounded check's latency and error, waiting no longer than the deadline."""
    if future is None:
        return 0.0, TimeoutError("the previous check has not answered yet")
    remaining = max(0.0, CHECK_TIMEOUT_SECONDS - (time.perf_counter() - started))
    try:
        return future.result(timeout=remaining)
    except FutureTimeout:
        return _ms_since(started), TimeoutError(f"no answer in {CHECK_TIMEOUT_SECONDS:g} s")


# Credentials in a URL inside an error message (user:password@host) never reach the log.
_URL_CREDENTIALS = re.compile(r"://[^/@\s]*@")


def readiness() -> tuple[str, dict[str, dict]]:
    """Check the database, the cache and the broker (the last two in parallel with the first);
    return the overall status ("ok"; "degraded" when only the cache or the broker is down; "down"
    when the database is) and each check's status, latency in ms and, when down, the error's type."""
    started = time.perf_counter()
    futures = {"cache": _bounded_cache.start(), "broker": _bounded_broker.start()}
    outcomes = {"database": _timed(_check_database)}
    outcomes |= {name: _wait(future, started) for name, future in futures.items()}
    checks = {}
    for name, (latency_ms, error) in outcomes.items():
        checks[name] = {"status": "ok" if error is None else "down", "latency_ms": latency_ms}
        if error is None:
            continue
        checks[name]["error"] = type(error).__name__
        logger.log(
            logging.ERROR if name == "database" else logging.WARNING,
            "readiness: %s is down (%s) after %.1f ms: %s",
            name,
            type(error).__name__,
            latency_ms,
            _URL_CREDENTIALS.sub("://***@", str(error))[:300],
            extra={"check": name, "error": type(error).__name__, "latency_ms": latency_ms},
        )
    if checks["database"]["status"] != "ok":
        return "down", checks
    if any(check["status"] != "ok" for check in checks.values()):
        return "degraded", checks
    return "ok", checks


@login_not_required
@never_cache
@require_safe
def healthz(request) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@login_not_required
@never_cache
@require_safe
def readyz(request) -> JsonResponse:
    status, checks = readiness()
    return JsonResponse({"status": status, "checks": checks}, status=503 if status == "down" else 200)
