"""Factories for sessions and their parts. They write rows directly (no workflow, no change log):
tests of the workflow itself go through events.services, and `submitted_session` and
`approved_session` build a session through the services, as a teacher and the committee would."""

import datetime as dt

import factory
from django.utils import timezone

from events.enums import SessionFormat, SessionStatus
from events.models import Series, Session, SessionTargetYear
from events.services import approve_session
from teachers.enums import TeachingRole
from teachers.services import propose_session
from tests.factories import MemberFactory
from tests.teachers.factories import RosterEntryFactory

MEETING_URL = "https://teams.example/j"
PROPOSED_MEETING_URL = "https://teams.example/join/abc"


def in_days(days: float, *, hour: int = 18) -> dt.datetime:
    """A whole-minute local time `days` from today, so it survives a round trip through the form."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _starts_at(*, starts_in: dt.timedelta | None, ended_ago: dt.timedelta | None) -> dt.datetime:
    if ended_ago is not None:
        return timezone.now() - ended_ago - dt.timedelta(hours=1)
    return in_days(7) if starts_in is None else timezone.now() + starts_in


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series
        django_get_or_create = ["title"]

    title = factory.Sequence(lambda n: f"Series {n}")


class SessionFactory(factory.django.DjangoModelFactory):
    """A draft, in person, a week ahead at 18:00 (or `starts_in` from now), for an hour, for year
    3. Pass `ended_ago` (a timedelta) for one that ended that long before now, having started an
    hour before it ended, and `created_ago` (a timedelta) for one written that long ago (the
    approval queue's oldest request comes first). Pass `target_years=[...]` and `lead=member`.
    Traits: `hybrid` and `online` (with a meeting link; online has no room or places)."""

    class Meta:
        model = Session
        skip_postgeneration_save = True

    class Params:
        starts_in = None
        ended_ago = None
        created_ago = None
        hybrid = factory.Trait(format=SessionFormat.HYBRID, meeting_url=MEETING_URL)
        online = factory.Trait(format=SessionFormat.ONLINE, venue="", capacity=None, meeting_url=MEETING_URL)

    title = factory.Sequence(lambda n: f"Session {n}")
    format = SessionFormat.IN_PERSON
    venue = "Lecture Theatre 1"
    starts_at = factory.LazyAttribute(lambda o: _starts_at(starts_in=o.starts_in, ended_ago=o.ended_ago))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=1))
    status = SessionStatus.DRAFT
    created_at = factory.LazyAttribute(lambda o: timezone.now() - (o.created_ago or dt.timedelta()))
    created_by = factory.SubFactory(MemberFactory, roles=["teacher"])
    published_at = factory.LazyAttribute(lambda o: timezone.now() if o.status in SessionStatus.held else None)
    cancellation_reason = factory.LazyAttribute(
        lambda o: "Teacher unwell" if o.status == SessionStatus.CANCELLED else ""
    )

    @factory.post_generation
    def target_years(obj, create, extracted, **kwargs):
        if create:
            for year in [3] if extracted is None else extracted:
                SessionTargetYearFactory(session=obj, year=year)

    @factory.post_generation
    def lead(obj, create, extracted, **kwargs):
        if create and extracted is not None:
            RosterEntryFactory(session=obj, teacher=extracted, role=TeachingRole.LEAD)


class SessionTargetYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionTargetYear

    session = factory.SubFactory(SessionFactory, target_years=[])
    year = 3


class PublishedSessionFactory(SessionFactory):
    """A session in the catalogue: published, for year 2 (the `member` fixture's year). Pass a
    `status` for one that went on from there (completed, cancelled)."""

    status = SessionStatus.PUBLISHED

    @factory.post_generation
    def target_years(obj, create, extracted, **kwargs):
        if create:
            for year in [2] if extracted is None else extracted:
                SessionTargetYearFactory(session=obj, year=year)


class ProposedSessionFactory(PublishedSessionFactory):
    """A session as a teacher's proposal leaves it once the committee approved it (what
    `propose_session` then `approve_session` write, without the change log): "Renal", published,
    in person at LT1 for 30, for year 2, starting `starts_in` from now (two days) for an hour,
    created and led by `teacher` (a new year-5 teacher unless given), whose year the roster
    records. Pass `status` for a proposal still in draft or awaiting approval. Traits as for
    sessions, and `running` (started five minutes ago)."""

    class Params:
        teacher = factory.SubFactory(MemberFactory, roles=["teacher"], year_of_study=5)
        starts_in = dt.timedelta(days=2)
        running = factory.Trait(starts_in=-dt.timedelta(minutes=5))

    title = "Renal"
    venue = "LT1"
    capacity = 30
    created_by = factory.SelfAttribute("teacher")

    @factory.post_generation
    def lead(obj, create, extracted, **kwargs):
        if create:
            teacher = obj.created_by if extracted is None else extracted
            RosterEntryFactory(
                session=obj, teacher=teacher, role=TeachingRole.LEAD, year_of_study=teacher.year_of_study
            )


def submitted_session(
    teacher,
    *,
    title: str = "Renal physiology",
    format: str = SessionFormat.HYBRID,
    venue: str | None = None,
    meeting_url: str | None = None,
    target_years=(1, 2),
    starts_at: dt.datetime | None = None,
    hours: float = 1,
    description: str = "Bring questions.",
    **fields,
) -> Session:
    """A session `teacher` proposed and submitted for approval through the services
    (teachers.services.propose_session: the change log, and `teacher` on the roster as lead in
    their year). Unless told: "Renal physiology", hybrid, in "Room 1" (none when online) and at
    PROPOSED_MEETING_URL (none when in person), for years 1 and 2, five days ahead at 18:00 for
    `hours` (one), described as "Bring questions.", with no limit on places. Other fields as for
    events.services.create_session (`capacity`, `series`, ...)."""
    starts_at = in_days(5) if starts_at is None else starts_at
    if venue is None:
        venue = "" if format == SessionFormat.ONLINE else "Room 1"
    if meeting_url is None:
        meeting_url = "" if format == SessionFormat.IN_PERSON else PROPOSED_MEETING_URL
    return propose_session(
        teacher=teacher,
        submit=True,
        title=title,
        format=format,
        venue=venue,
        meeting_url=meeting_url,
        target_years=list(target_years),
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        description=description,
        **fields,
    )


def approved_session(teacher, **fields) -> Session:
    """A session proposed as `submitted_session` (same defaults and fields) and then approved
    through events.services.approve_session by `teacher`: published, as the committee leaves it."""
    return approve_session(session=submitted_session(teacher, **fields), by=teacher)
