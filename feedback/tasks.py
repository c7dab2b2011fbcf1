from celery import shared_task

from feedback.requests import write_feedback_requests
from feedback.services import release_closed_surveys


@shared_task(name="feedback.write_requests")
def write_requests() -> dict[str, int]:
    """Every few minutes (beat): feedback requests for sessions that have ended, and the reminder."""
    return write_feedback_requests()


@shared_task(name="feedback.release_closed_surveys")
def release_surveys() -> int:
    """Every few minutes (beat): open the sealed answers of surveys that have closed, all at once."""
    return release_closed_surveys()
