"""Structured logs: one JSON line per request and per task, the request id carried from one to the
other, and nothing in them that names a member or opens a link."""

import contextvars
import io
import json
import logging
import re

import pytest
from celery.worker.request import Request
from django.urls import reverse
from kombu import Connection

from events.enums import SessionStatus
from events.services import calendar_token_for
from events.tasks import complete_ended_sessions
from meded.celery import REQUEST_ID_HEADER
from meded.celery import app as celery_app
from meded.logs import JsonFormatter, RequestIdFilter, RequestPathFilter, request_id
from tests.events.factories import SessionFactory

HEX_ID = re.compile(r"[0-9a-f]{32}")


class JsonLog:
    """What the console handler writes with LOG_FORMAT=json, one parsed object per line."""

    def __init__(self):
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonFormatter())
        self.handler.addFilter(RequestIdFilter())
        self.handler.addFilter(RequestPathFilter())

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self, logger: str | None = None) -> list[dict]:
        parsed = [json.loads(line) for line in self.text.splitlines()]
        return [line for line in parsed if logger is None or line["logger"] == logger]


@pytest.fixture
def json_log():
    log = JsonLog()
    root = logging.getLogger()
    root.addHandler(log.handler)
    yield log
    root.removeHandler(log.handler)


def test_a_request_is_one_json_line_with_its_id_and_the_members_id_never_their_address(client, member, json_log):
    client.force_login(member)
    response = client.get(reverse("members:profile"))
    assert response.status_code == 200
    [line] = json_log.lines("meded.request")
    path = reverse("members:profile")
    assert line == {
        "time": line["time"],
        "level": "INFO",
        "logger": "meded.request",
        "message": f"GET {path} 200 {line['duration_ms']:.1f}ms",
        "request_id": response["X-Request-ID"],
        "method": "GET",
        "path": path,
        "view": "members:profile",
        "status": 200,
        "duration_ms": line["duration_ms"],
        "user_id": member.pk,
    }
    assert HEX_ID.fullmatch(line["request_id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])
    # The page shows the member's name and address; the log names neither.
    assert member.email.encode() in response.content
    for personal in (member.email, member.first_name, member.last_name):
        assert personal not in json_log.text


def test_each_request_has_its_own_id(client, db, json_log):
    first, second = client.get("/"), client.get("/")
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert [line["request_id"] for line in json_log.lines("meded.request")] == [
        first["X-Request-ID"],
        second["X-Request-ID"],
    ]
    assert [line["user_id"] for line in json_log.lines("meded.request")] == [None, None]


def test_secrets_in_urls_never_reach_the_log(client, member, json_log):
    client.force_login(member)
    feed_token = calendar_token_for(member=member).token
    feed = client.get(reverse("events:personal_feed", args=[feed_token]) + "?reset-key=query-secret")
    refused = client.get(reverse("notifications:unsubscribe", args=["forged-unsubscribe-token"]))
    unknown = client.get("/calendar/mangled-link-secret/extra")
    assert (feed.status_code, refused.status_code, unknown.status_code) == (200, 404, 404)
    lines = json_log.lines("meded.request")
    assert [(line["path"], line["view"], line["status"]) for line in lines] == [
        ("/calendar/<token>.ics", "events:personal_feed", 200),
        ("/unsubscribe/<token>/", "notifications:unsubscribe", 404),
        ("/calendar/…", None, 404),
    ]
    # Django's own "Not Found" lines carry the request's id and the same safe path.
    not_found = json_log.lines("django.request")
    assert [(line["message"], line["request_id"]) for line in not_found] == [
        ("Not Found: /unsubscribe/<token>/", refused["X-Request-ID"]),
        ("Not Found: /calendar/…", unknown["X-Request-ID"]),
    ]
    for secret in (feed_token, "query-secret", "forged-unsubscribe-token", "mangled-link-secret"):
        assert secret not in json_log.text


def test_numbers_in_a_path_are_kept(client, member, json_log):
    session = SessionFactory(status=SessionStatus.PUBLISHED, target_years=[2])
    client.force_login(member)
    assert client.get(reverse("events:detail", args=[session.pk])).status_code == 200
    [line] = json_log.lines("meded.request")
    assert (line["path"], line["view"]) == (f"/sessions/{session.pk}/", "events:detail")


def test_the_proxys_request_id_is_used_only_when_its_header_is_trusted(client, db, settings, json_log):
    assert client.get("/", headers={"X-Request-ID": "nginx-0af3e2"})["X-Request-ID"] != "nginx-0af3e2"
    settings.REQUEST_ID_HEADER = "X-Request-ID"
    assert client.get("/", headers={"X-Request-ID": "nginx-0af3e2"})["X-Request-ID"] == "nginx-0af3e2"
    # A value that could forge or break a log line is replaced by an id of ours.
    forged = client.get("/", headers={"X-Request-ID": 'x", "user_id": 1'})["X-Request-ID"]
    assert HEX_ID.fullmatch(forged)
    assert HEX_ID.fullmatch(client.get("/")["X-Request-ID"])  # none sent
    assert [line["request_id"] for line in json_log.lines("meded.request")][1:3] == ["nginx-0af3e2", forged]


def test_health_probes_are_not_logged_while_they_pass(client, db, json_log):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert json_log.lines() == []


def test_a_traceback_stays_on_one_line(json_log):
    logger = logging.getLogger("meded.tests")
    try:
        raise ValueError("first line\nsecond line")
    except ValueError:
        logger.exception("It broke:\n%s", "details", extra={"session_id": 7})
    [raw] = json_log.text.splitlines()
    entry = json.loads(raw)
    assert entry["message"] == "It broke:\ndetails"
    assert entry["session_id"] == 7
    assert entry["exception"].startswith("Traceback (most recent call last):")
    assert entry["exception"].endswith("ValueError: first line\nsecond line")
    assert entry["request_id"] is None


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_by_a_request_logs_one_line_with_that_requests_id(client, member, json_log, mailoutbox):
    """Tasks run eagerly here (tests/conftest.py): the request's registration queues its
    confirmation after commit, still inside the request, as in production."""
    session = SessionFactory(status=SessionStatus.PUBLISHED, target_years=[2])
    client.force_login(member)
    response = client.post(reverse("attendance:register", args=[session.pk]))
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    [task] = json_log.lines("meded.task")
    assert task == {
        "time": task["time"],
        "level": "INFO",
        "logger": "meded.task",
        "message": f"task notifications.send[{task['task_id']}] SUCCESS {task['duration_ms']:.1f}ms",
        "request_id": response["X-Request-ID"],
        "task": "notifications.send",
        "task_id": task["task_id"],
        "state": "SUCCESS",
        "duration_ms": task["duration_ms"],
        "retries": 0,
    }
    [line] = json_log.lines("meded.request")
    assert (line["request_id"], line["status"], line["user_id"]) == (response["X-Request-ID"], 302, member.pk)
    for personal in (member.email, member.first_name, member.last_name):
        assert personal not in json_log.text


def test_a_published_task_carries_the_request_id_in_its_message_to_the_worker(db, json_log):
    """Through a real (in-memory) broker: the id travels in the message's headers, and the worker
    side logs it with the task's line though its own context never had it."""
    celery_app.conf.task_always_eager = False  # restored by tests/conftest.py
    with Connection("memory://") as connection, connection.SimpleQueue("celery") as queue:
        queue.clear()  # the in-memory broker lives as long as the test process
        token = request_id.set("proxy-request-7")
        try:
            complete_ended_sessions.apply_async(connection=connection)
        finally:
            request_id.reset(token)
        message = queue.get(timeout=5)
        assert message.headers[REQUEST_ID_HEADER] == "proxy-request-7"
        contextvars.Context().run(Request(message, app=celery_app, task=complete_ended_sessions).execute)
    [task] = json_log.lines("meded.task")
    assert (task["task"], task["state"], task["request_id"]) == (
        "events.complete_ended_sessions",
        "SUCCESS",
        "proxy-request-7",
    )
    assert task["task_id"] == message.headers["id"]
    assert request_id.get() is None


def test_a_task_published_outside_a_request_has_no_request_id(db, json_log):
    celery_app.conf.task_always_eager = False
    with Connection("memory://") as connection, connection.SimpleQueue("celery") as queue:
        queue.clear()
        complete_ended_sessions.apply_async(connection=connection)
        message = queue.get(timeout=5)
        message.ack()
    assert REQUEST_ID_HEADER not in message.headers
