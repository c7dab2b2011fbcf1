"""The feedback window: feedback on a session opens when it ends and closes FEEDBACK_WINDOW_DAYS
later. Its Python form (`feedback_closes_at`, `is_feedback_open`) and its SQL form
(`feedback_not_closed`, `feedback_open`) sit side by side; a test checks they agree.

It lives here, with the session whose end it counts from, rather than in `feedback`, because
`attendance` (below `feedback`) asks it too: My sessions and the certificate of attendance."""

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from events.models import Session


def _window() -> dt.timedelta:
    return dt.timedelta(days=settings.FEEDBACK_WINDOW_DAYS)


def feedback_closes_at(session: Session) -> dt.datetime:
    """When feedback on `session` closes."""
    return session.ends_at + _window()


def is_feedback_open(session: Session, *, now: dt.datetime | None = None) -> bool:
    """Whether feedback on `session` is open now: it has ended and its window has not closed."""
    now = now or timezone.now()
    return session.ends_at <= now < feedback_closes_at(session)


def feedback_not_closed(*, now: dt.datetime | None = None, prefix: str = "") -> Q:
    """SQL form of `now < feedback_closes_at(session)`, on the session reached by `prefix`
    (e.g. "session__" from a registration)."""
    now = now or timezone.now()
    return Q(**{f"{prefix}ends_at__gt": now - _window()})


def feedback_open(*, now: dt.datetime | None = None, prefix: str = "") -> Q:
    """SQL form of `is_feedback_open`, on the session reached by `prefix`."""
    now = now or timezone.now()
    return Q(**{f"{prefix}ends_at__lte": now}) & feedback_not_closed(now=now, prefix=prefix)
