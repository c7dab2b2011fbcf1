from celery import shared_task

from feedback.asking import write_feedback_requests
from feedback.services import release_due


@shared_task(name="feedback.write_requests")
def write_requests() -> dict[str, int]:
    """Every few minutes (beat): feedback requests for sessions that have ended, and the reminder."""
    return write_feedback_requests()


@shared_task(name="feedback.release_due")
def release() -> int:
    """Every few minutes (beat): release closed surveys' answers, and any session's held back."""
    return release_due()
