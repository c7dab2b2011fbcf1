"""Places at sessions and taken registers, written straight to the tables: the registration
service rightly refuses sessions that have started or do not suit the member, which these rows
often need to be. Tests of registering itself go through attendance.services."""

import factory

from attendance.enums import AttendanceStatus, Mode, RegistrationState
from attendance.models import RegisterTaken, Registration
from events.enums import SessionStatus
from tests.events.factories import SessionFactory
from tests.factories import MemberFactory


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A place in person at a published session, for a member in year 2, with the member's year
    recorded as the service records it. Traits: `waitlisted`, `cancelled`, `online`, `attended`
    (present, or as `attendance` says, in the mode booked), `walk_in` (attended without having
    registered ahead)."""

    class Meta:
        model = Registration

    session = factory.SubFactory(SessionFactory, status=SessionStatus.PUBLISHED, target_years=[2])
    member = factory.SubFactory(MemberFactory, year_of_study=2)
    mode = Mode.IN_PERSON
    state = RegistrationState.REGISTERED
    year_of_study = factory.LazyAttribute(lambda o: o.member.year_of_study)

    class Params:
        waitlisted = factory.Trait(state=RegistrationState.WAITLISTED)
        cancelled = factory.Trait(state=RegistrationState.CANCELLED)
        online = factory.Trait(mode=Mode.ONLINE)
        attended = factory.Trait(attendance=AttendanceStatus.PRESENT, attended_mode=factory.SelfAttribute("mode"))
        walk_in = factory.Trait(attended=True, is_walk_in=True)


class RegisterTakenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegisterTaken

    session = factory.SubFactory(SessionFactory, status=SessionStatus.COMPLETED)
