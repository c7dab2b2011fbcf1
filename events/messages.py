"""The sessions' messages (registered with `notifications.registry` by `EventsConfig.ready()`):
how a batch reads the sessions it is about, the context every session e-mail shares, and the
teachers' check of a session's details two days before it, with its sweep.

What registrants are told about a session (confirmations, reminders, changes, cancellations)
needs their place, so it is the attendance app's (`attendance/messages.py`).
"""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from events.enums import SessionStatus
from events.models import Session
from events.permissions import can_edit_session
from meded.links import url_for
from notifications import registry
from notifications.enums import Category, MessageKind
from notifications.registry import Batch, NotWanted
from notifications.services import notify_many, occurrence_time

DETAILS_CHECK_BEFORE = dt.timedelta(days=2)


def session_context(session: Session, **extra) -> dict:
    """What every e-mail about a session has: the session and a link to its page."""
    return {"session": session, "session_url": url_for("events:detail", session.pk), **extra}


def _details_check(message, session: Session, batch: Batch) -> dict:
    if session.status != SessionStatus.PUBLISHED or session.starts_at <= timezone.now():
        raise NotWanted("The session is no longer upcoming.")
    if message.occurrence != occurrence_time(session.starts_at):
        raise NotWanted("The session has moved since.")
    return session_context(
        session,
        # Co-teachers cannot edit a published session: they are pointed at the lead instead.
        edit_url=url_for("events:edit", session.pk) if can_edit_session(message.recipient, session) else "",
        registered=session.registrations.holding_places().count(),
    )


def notify_teachers(sessions: QuerySet[Session], *, kind: MessageKind, occurrence=lambda session: "") -> int:
    """Write `kind` about each of `sessions` to the teachers on its roster, with `occurrence(session)`
    as the cause's moment; returns how many messages are new."""
    return sum(
        notify_many(
            kind=kind,
            recipients=[entry.teacher_id for entry in session.roster.all()],
            about=session,
            occurrence=occurrence(session),
        )
        for session in sessions.prefetch_related("roster")
    )


def details_checks(*, now: dt.datetime) -> int:
    """Teachers of a published session are asked to check its details two days before."""
    sessions = Session.objects.filter(
        status=SessionStatus.PUBLISHED, starts_at__gt=now, starts_at__lte=now + DETAILS_CHECK_BEFORE
    )
    return notify_teachers(
        sessions, kind=MessageKind.DETAILS_CHECK, occurrence=lambda session: occurrence_time(session.starts_at)
    )


# The roster and its teachers, read once per batch: the permission predicates and the e-mails
# (who teaches, who sees the link) read them from every session.
registry.register_about(Session, lambda: Session.objects.prefetch_related("roster__teacher"))
registry.register_kind(MessageKind.DETAILS_CHECK, _details_check, category=Category.TEACHING)
registry.register_sweep("details_checks", details_checks)
