"""Factories for sessions and their parts. They write rows directly (no workflow, no change log):
tests of the workflow itself go through events.services."""

import datetime as dt

import factory
from django.utils import timezone

from events.enums import SessionFormat, SessionStatus
from events.models import Series, Session, SessionTargetYear
from teachers.enums import TeachingRole
from teachers.models import RosterEntry
from tests.factories import MemberFactory


def in_days(days: float, *, hour: int = 18) -> dt.datetime:
    """A whole-minute local time `days` from today, so it survives a round trip through the form."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series
        django_get_or_create = ["title"]

    title = factory.Sequence(lambda n: f"Series {n}")


class SessionFactory(factory.django.DjangoModelFactory):
    """A draft, in person, a week ahead, for year 3. Pass `target_years=[...]` and `lead=member`."""

    class Meta:
        model = Session
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Session {n}")
    format = SessionFormat.IN_PERSON
    venue = "Lecture Theatre 1"
    starts_at = factory.LazyFunction(lambda: in_days(7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=1))
    status = SessionStatus.DRAFT
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


class RosterEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RosterEntry

    session = factory.SubFactory(SessionFactory)
    teacher = factory.SubFactory(MemberFactory, roles=["teacher"])
    role = TeachingRole.CO_TEACHER
