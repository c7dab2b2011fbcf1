"""50 members registering at once for 10 places, on real PostgreSQL connections.

SQLite serialises all writers on the file, so the race only exists on PostgreSQL, which CI runs.
The control shows that this harness does catch overbooking when the count and the write are not
protected by the lock.
"""

import datetime as dt
import time

import pytest
from django.db import connection, transaction

from attendance.enums import RegistrationState
from attendance.models import Registration
from attendance.services import RegistrationRefused, cancel_registration, check_in, register, waitlist_position
from tests.concurrency import all_at_once
from tests.events.factories import ProposedSessionFactory
from tests.factories import MemberFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (as in CI)"),
]

MEMBERS, PLACES = 50, 10


def test_fifty_members_at_once_get_ten_places_and_forty_ordered_waiting_list_places(capsys):
    session = ProposedSessionFactory(title="Popular", capacity=PLACES)
    members = [MemberFactory(year_of_study=2) for _ in range(MEMBERS)]

    started = time.monotonic()
    failures = all_at_once(members, lambda m: register(session=session, member=m, mode="in_person"))
    seconds = time.monotonic() - started

    assert failures == []
    registrations = list(Registration.objects.filter(session=session).order_by("queued_at", "pk"))
    states = [r.state for r in registrations]
    assert states.count(RegistrationState.REGISTERED) == PLACES
    assert states.count(RegistrationState.WAITLISTED) == MEMBERS - PLACES
    # Places went to the first ten to arrive, and the queue follows arrival order exactly.
    assert states[:PLACES] == [RegistrationState.REGISTERED] * PLACES
    assert [waitlist_position(r) for r in registrations[PLACES:]] == list(range(1, MEMBERS - PLACES + 1))
    assert len({r.member_id for r in registrations}) == MEMBERS
    with capsys.disabled():
        print(
            f"\n  {MEMBERS} concurrent registrations for {PLACES} places: {seconds:.2f} s, "
            f"{states.count('registered')} registered, {states.count('waitlisted')} waitlisted"
        )


def test_the_same_member_twice_at_once_holds_one_registration():
    session = ProposedSessionFactory(title="Popular", capacity=PLACES)
    member = MemberFactory(year_of_study=2)

    failures = all_at_once([member] * 8, lambda m: register(session=session, member=m, mode="in_person"))

    assert Registration.objects.filter(session=session, member=member).count() == 1
    assert len(failures) == 7
    assert {str(f) for f in failures} == {"You are already registered for this session."}


def test_control_without_the_lock_this_harness_sees_overbooking():
    session = ProposedSessionFactory(title="Popular", capacity=PLACES)
    members = [MemberFactory(year_of_study=2) for _ in range(MEMBERS)]

    def unlocked_register(member):
        # What register() would be without select_for_update: count, pause, write.
        with transaction.atomic():
            taken = Registration.objects.filter(session=session, state=RegistrationState.REGISTERED).count()
            time.sleep(0.05)
            state = RegistrationState.REGISTERED if taken < PLACES else RegistrationState.WAITLISTED
            Registration.objects.create(session=session, member=member, mode="in_person", state=state, year_of_study=2)

    failures = all_at_once(members, unlocked_register)

    assert failures == []
    assert Registration.objects.filter(session=session, state=RegistrationState.REGISTERED).count() > PLACES


def test_checking_in_and_cancelling_at_once_never_loses_the_check_in():
    # Both take the session's lock, so whichever comes second sees the first: a cancellation after
    # the check-in is refused, and a check-in after the cancellation checks the member in afresh.
    # Check-in is open; cancelling still would be.
    session = ProposedSessionFactory(starts_in=dt.timedelta(minutes=10), capacity=PLACES)
    members = [MemberFactory(year_of_study=2) for _ in range(PLACES)]
    registrations = {member.pk: register(session=session, member=member) for member in members}

    def check_in_or_cancel(job):
        action, member = job
        if action == "check in":
            check_in(session=session, member=member, source="qr")
        else:
            try:
                cancel_registration(registration=registrations[member.pk])
            except RegistrationRefused:
                pass

    jobs = [(action, member) for member in members for action in ("check in", "cancel")]
    failures = all_at_once(jobs, check_in_or_cancel)

    assert failures == []
    rows = Registration.objects.filter(session=session)
    assert sorted(rows.values_list("state", "attendance")) == [("registered", "present")] * PLACES
    assert rows.filter(checked_in_at__isnull=True).count() == 0
