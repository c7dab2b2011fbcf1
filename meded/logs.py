"""Structured logs: the request id that ties a request to the tasks it enqueues, a JSON formatter
(one line per record), and paths written without the secrets some URLs carry.

What MedEd itself logs names members by id only: never an e-mail address, a name, a feedback
answer or a token. URLs are the trap — a calendar feed, an unsubscribe link, a check-in code, a
password-reset key all carry their secret in the path — so a path is logged with every captured
value that is not a number replaced by its name (`/calendar/<token>.ics`), and never with its
query string.
"""

import datetime as dt
import json
import logging
import re
import uuid
from contextvars import ContextVar

from django.urls import resolve

# The request (or the task, which carries its request's id) this thread or coroutine is serving.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# What a proxy may hand us as an id: nginx's $request_id, a UUID, most tracing ids. Anything else
# (too long, spaces, quotes, line breaks) is replaced by an id of our own.
_REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str:
    """The proxy's id if it has a sane shape, else a new one."""
    if value and _REQUEST_ID_SHAPE.fullmatch(value):
        return value
    return new_request_id()


def loggable_path(request) -> tuple[str, str | None]:
    """The request's path with every captured value that is not a number replaced by `<name>`,
    and the view's name; an unknown path is cut to its first segment, as it may be a mangled link."""
    try:
        match = request.resolver_match or resolve(request.path_info, getattr(request, "urlconf", None))
    except Exception:  # Resolver404 above all: a log line must never fail a request
        first = request.path_info.lstrip("/").split("/", 1)
        path = "/" + first[0][:64] + ("/…" if len(first) > 1 and first[1] else "")
        return path, None
    captured = [(f"<{name}>", value) for name, value in match.kwargs.items()]
    captured += [("<arg>", value) for value in match.args]
    path = request.path_info
    # Longest first, so a value inside another is not replaced before the one containing it.
    for placeholder, value in sorted(captured, key=lambda pair: -len(str(pair[1]))):
        if not isinstance(value, int) and str(value):
            path = path.replace(str(value), placeholder)
    return request.path[: len(request.path) - len(request.path_info)] + path, match.view_name


class RequestIdFilter(logging.Filter):
    """Gives every record the current request id (None outside requests and tasks). Django logs
    a 4xx or 5xx response once the middleware has returned, with the request attached: its id
    comes from there."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get() or getattr(getattr(record, "request", None), "request_id", None)
        return True


class RequestPathFilter(logging.Filter):
    """Django's own request lines ("Not Found: /path") name the raw path, token and all: swap in the
    loggable one."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if path is None or not isinstance(record.args, tuple):
            return True
        # Django escapes the arguments of these lines (unicode_escape) against log injection.
        raw = {path, path.encode("unicode_escape").decode("ascii")}
        if any(isinstance(arg, str) and arg in raw for arg in record.args):
            safe, _view = loggable_path(request)
            record.args = tuple(safe if isinstance(arg, str) and arg in raw else arg for arg in record.args)
        return True


# Attributes every LogRecord has; anything else on a record came from `extra=` and is a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
# Objects passed in `extra=` by Django that would print themselves with the full URL and query.
_NEVER = {"request", "server_time"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id, then the record's
    extra fields; a traceback goes in `exception`, with its line breaks escaped like any other."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in _NEVER and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)
