"""Middleware that comes before all the rest: the request id and the one log line per request,
then the health endpoints; and, after all the rest, the "busy" page for a request that waited too
long for a lock."""

import functools
import logging
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.db import OperationalError
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils.functional import empty

from meded import health
from meded.logs import accepted_request_id, loggable_path, new_request_id, request_id

logger = logging.getLogger("meded.request")


@functools.cache
def _health_paths(urlconf: str | None, script_prefix: str) -> dict[str, object]:
    # The script prefix is part of the key: reverse() puts it in front of the path.
    views = {"healthz": health.healthz, "readyz": health.readyz}
    return {reverse(name, urlconf=urlconf): view for name, view in views.items()}


def _health_view(request):
    """The health view this request is for, if it is for one (the URLs are named in meded/urls.py)."""
    return _health_paths(getattr(request, "urlconf", None), get_script_prefix()).get(request.path)


class RequestIdMiddleware:
    """Gives the request an id — the trusted proxy's (REQUEST_ID_HEADER) or a new one — that every
    log line of the request and of the tasks it enqueues carries (`meded.logs.request_id`), sends it
    back in X-Request-ID, and logs one line per request: method, path (without its secrets, see
    `meded.logs`), view, status, duration, the member's id (never their address) and the id.
    Health probes are logged at DEBUG unless they fail, so every few seconds of them do not bury
    the requests of people."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        header = settings.REQUEST_ID_HEADER
        rid = accepted_request_id(request.headers.get(header)) if header else new_request_id()
        request.request_id = rid
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            self._log(request, response, started)
            return response
        finally:
            request_id.reset(token)

    def _log(self, request, response, started: float) -> None:
        status = response.status_code
        if status >= 500:
            level = logging.ERROR
        elif _health_view(request) is not None:
            level = logging.DEBUG
        elif status >= 400:
            level = logging.WARNING
        else:
            level = logging.INFO
        if not logger.isEnabledFor(level):
            return
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        path, view = loggable_path(request)
        logger.log(
            level,
            "%s %s %s %.1fms",
            request.method,
            path,
            status,
            duration_ms,
            extra={
                "method": request.method,
                "path": path,
                "view": view,
                "status": status,
                "duration_ms": duration_ms,
                "user_id": _user_id(request),
            },
        )


def _user_id(request) -> int | None:
    """The signed-in member's id, without a query of its own: from the user if the request loaded
    it, else from the session if the request read it, else unknown."""
    user = getattr(request, "user", None)
    if user is None:
        return None
    loaded = getattr(user, "_wrapped", user)
    if loaded is not empty:
        return loaded.pk if loaded.is_authenticated else None
    session = getattr(request, "session", None)
    if session is None or not hasattr(session, "_session_cache"):
        return None
    raw = session.get(SESSION_KEY)
    return get_user_model()._meta.pk.to_python(raw) if raw is not None else None


class HealthCheckMiddleware:
    """Answers /healthz and /readyz before the host check, the HTTPS redirect, sessions, sign-in
    and CSRF. The container healthcheck calls them as http://127.0.0.1:8000/..., which is neither
    an allowed host nor HTTPS, and a probe should not create sessions or depend on the database
    through the session and user lookups. They return nothing that is built from the Host header
    and are never cached, which is what the host check protects. (SECURE_REDIRECT_EXEMPT is not
    needed: SecurityMiddleware never sees these requests.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = _health_view(request)
        if view is not None:
            return view(request)
        return self.get_response(request)


# PostgreSQL's "lock_not_available": a statement waited `lock_timeout` for a lock and gave up.
LOCK_NOT_AVAILABLE = "55P03"


def waited_too_long_for_a_lock(exception: BaseException) -> bool:
    """Whether a database error is a lock wait that ran past DATABASE_LOCK_TIMEOUT_MS."""
    return isinstance(exception, OperationalError) and getattr(exception.__cause__, "sqlstate", None) == (
        LOCK_NOT_AVAILABLE
    )


class BusyMiddleware:
    """A request that waited DATABASE_LOCK_TIMEOUT_MS for a row another request holds (a crowd
    registering for the last places at once, a long import) answers 503 "busy, please try again"
    with Retry-After, in the site's layout, instead of a 500. Nothing it did was kept: its
    transaction rolled back when the statement failed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not waited_too_long_for_a_lock(exception):
            return None
        path, view = loggable_path(request)
        logger.warning("busy: %s %s (%s) waited too long for a lock", request.method, path, view)
        response = render(request, "busy.html", status=503)
        response["Retry-After"] = "5"
        return response
