"""Rosters, applications and co-teaching invitations, written straight to the tables (no
workflow): tests of the workflow itself go through teachers.services."""

import factory

from teachers.enums import TeachingRole
from teachers.models import CoTeachingInvitation, RosterEntry
from tests.factories import MemberFactory


class RosterEntryFactory(factory.django.DjangoModelFactory):
    """A co-teacher on a session. `year_of_study` is left blank unless given (entries from before
    the year was recorded look so); the roster service records the teacher's year."""

    class Meta:
        model = RosterEntry

    # By path: tests/events/factories.py imports this module for its `lead`.
    session = factory.SubFactory("tests.events.factories.SessionFactory")
    teacher = factory.SubFactory(MemberFactory, roles=["teacher"])
    role = TeachingRole.CO_TEACHER


class CoTeachingInvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation to co-teach a session, from its lead unless `invited_by` is given."""

    class Meta:
        model = CoTeachingInvitation

    session = factory.SubFactory("tests.events.factories.SessionFactory")
    teacher = factory.SubFactory(MemberFactory, roles=["teacher"])
    invited_by = factory.SubFactory(MemberFactory, roles=["teacher"])
