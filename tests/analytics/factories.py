"""Sessions as the dashboard and the metrics document count them, written straight to the tables
(see tests/events/factories.py)."""

import datetime as dt
from zoneinfo import ZoneInfo

from events.enums import SessionFormat, SessionStatus
from events.models import Session
from teachers.enums import TeachingRole
from tests.attendance.factories import RegisterTakenFactory
from tests.events.factories import SessionFactory
from tests.factories import MemberFactory
from tests.teachers.factories import RosterEntryFactory

LONDON = ZoneInfo("Europe/London")


def held_session(
    *, day: dt.date, title: str = "Cardiology", format: str = SessionFormat.IN_PERSON, years=(1,), **fields
) -> Session:
    """A completed, hour-long session at 18:00 London time on `day`, with its register taken and
    a lead teacher in year 5."""
    starts_at = dt.datetime.combine(day, dt.time(18), tzinfo=LONDON)
    session = SessionFactory(
        title=title,
        format=format,
        status=SessionStatus.COMPLETED,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
        target_years=list(years),
        **fields,
    )
    lead = MemberFactory(year_of_study=5, roles=["teacher"])
    RosterEntryFactory(session=session, teacher=lead, role=TeachingRole.LEAD, year_of_study=5)
    RegisterTakenFactory(session=session)
    return session


def counted_session(
    starts_at: dt.datetime | None = None,
    *,
    hours: float = 1,
    status: str = SessionStatus.COMPLETED,
    register_taken: bool = True,
    **fields,
) -> Session:
    """A session of 2025-26 as the metrics document counts it: starting at `starts_at` (5 November
    2025 at 18:00 London time unless given) for `hours`, completed unless `status` says otherwise,
    with its register taken unless `register_taken=False`. Other fields as for SessionFactory (for
    year 3 and led by nobody unless told)."""
    starts_at = starts_at or dt.datetime(2025, 11, 5, 18, tzinfo=LONDON)
    session = SessionFactory(
        status=status, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=hours), **fields
    )
    if register_taken:
        RegisterTakenFactory(session=session)
    return session
