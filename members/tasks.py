from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(name="members.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete expired sign-in sessions so the table does not grow for ever."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
