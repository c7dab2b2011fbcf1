"""The request id from a web process to a real Celery worker, through the configured broker (Redis
in CI), both writing JSON lines as in production."""

import json
import subprocess
import sys
import textwrap

import pytest

from events.enums import SessionStatus
from tests.events.factories import SessionFactory
from tests.factories import MemberFactory
from tests.integration.conftest import ROOT, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def process_env(process_env):
    return process_env | {"LOG_FORMAT": "json", "REQUEST_ID_HEADER": "X-Request-ID"}


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _task_lines(log_text: str, name: str) -> list[dict]:
    return [line for line in _json_lines(log_text) if line["logger"] == "meded.task" and line["task"] == name]


def test_the_request_id_reaches_the_worker_that_runs_the_task_the_request_enqueued(process_env, celery_worker_process):
    _worker, worker_log = celery_worker_process
    session = SessionFactory(status=SessionStatus.PUBLISHED, target_years=[2])
    member = MemberFactory(email="aisha.khan@example.ac.uk", first_name="Aisha", last_name="Khan", year_of_study=2)
    # A web process: a member registers through the whole middleware stack, behind a proxy that
    # named the request; the registration's confirmation is queued after its commit.
    code = textwrap.dedent(
        f"""
        from django.test import Client
        from members.models import Member
        client = Client(HTTP_HOST="localhost", headers={{"X-Request-ID": "proxy-7f3a9c"}})
        client.force_login(Member.objects.get(pk={member.pk}))
        response = client.post("/sessions/{session.pk}/register/")
        print(response.status_code, response["X-Request-ID"])
        """
    )
    web = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=process_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert web.returncode == 0, web.stderr
    assert web.stdout.split()[-2:] == ["302", "proxy-7f3a9c"]
    [request_line] = [line for line in _json_lines(web.stderr) if line["logger"] == "meded.request"]
    assert (request_line["request_id"], request_line["user_id"], request_line["status"]) == (
        "proxy-7f3a9c",
        member.pk,
        302,
    )

    wait_for(
        lambda: _task_lines(worker_log.read_text(), "notifications.send"),
        timeout=60,
        message=f"The worker logged no notifications.send line:\n{worker_log.read_text()}",
    )
    [task] = _task_lines(worker_log.read_text(), "notifications.send")
    assert (task["state"], task["request_id"], task["level"]) == ("SUCCESS", "proxy-7f3a9c", "INFO")
    assert task["duration_ms"] > 0
    # Every line the worker wrote while running that task carries the id too (not the consumer's
    # "received", written before the message is handed to the task).
    about_it = [line for line in _json_lines(worker_log.read_text()) if task["task_id"] in line["message"]]
    assert [(line["logger"], line["request_id"]) for line in about_it] == [
        ("celery.worker.strategy", None),
        ("celery.app.trace", "proxy-7f3a9c"),
        ("meded.task", "proxy-7f3a9c"),
    ]
    for text in (web.stderr, worker_log.read_text()):
        assert "aisha.khan@example.ac.uk" not in text
        assert "Khan" not in text
