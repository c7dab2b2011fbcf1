from celery import shared_task

from events import services


@shared_task(name="events.complete_ended_sessions")
def complete_ended_sessions() -> int:
    return services.complete_ended_sessions()
