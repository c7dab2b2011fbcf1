from celery import shared_task

from feedback.requests import write_feedback_requests


@shared_task(name="feedback.write_requests")
def write_requests() -> dict[str, int]:
    """Every few minutes (beat): feedback requests for sessions that have ended, and the reminder."""
    return write_feedback_requests()
