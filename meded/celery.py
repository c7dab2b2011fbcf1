import logging
import os
import time
from contextvars import Token

from celery import Celery, signals

from meded.logs import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meded.settings")

app = Celery("meded")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# --- Logs: the worker and beat log as the web does; a task carries its request's id ------------
task_logger = logging.getLogger("meded.task")
# The message header that carries the id of the request (or task) that enqueued a task.
REQUEST_ID_HEADER = "request_id"
# Start time and the request id to restore, per task running in this process.
_running: dict[str, tuple[float, Token]] = {}


@signals.setup_logging.connect
def _log_with_django_settings(**kwargs):
    """Without a receiver here Celery replaces the root handlers with its own plain format; with
    it, the worker and beat use LOGGING (JSON in production) and LOG_LEVEL, not --loglevel."""
    from logging.config import dictConfig

    from django.conf import settings  # read when the worker starts, after DJANGO_SETTINGS_MODULE is set

    dictConfig(settings.LOGGING)


@signals.before_task_publish.connect
def _carry_request_id(headers=None, **kwargs):
    """Runs in whatever process enqueues the task: the web request's id (or, inside a task, that
    task's) goes with the message. Tasks run eagerly are not published and keep the id anyway."""
    current = request_id.get()
    if current and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, current)


@signals.task_prerun.connect
def _task_started(task_id=None, task=None, **kwargs):
    carried = getattr(task.request, REQUEST_ID_HEADER, None) or request_id.get()
    _running[task_id] = (time.perf_counter(), request_id.set(carried))


@signals.task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    """One line per task: its name, id, final state, duration and (through the filter) request id."""
    started, token = _running.pop(task_id, (None, None))
    try:
        if started is None:
            return
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        level = {"FAILURE": logging.ERROR, "RETRY": logging.WARNING}.get(state, logging.INFO)
        task_logger.log(
            level,
            "task %s[%s] %s %.1fms",
            task.name,
            task_id,
            state,
            duration_ms,
            extra={
                "task": task.name,
                "task_id": task_id,
                "state": state,
                "duration_ms": duration_ms,
                "retries": task.request.retries or 0,
            },
        )
    finally:
        if token is not None:
            request_id.reset(token)
