"""The states and modes other apps ask a registration about have a Python form (properties, for
one row) and an SQL form (queryset methods, for many) side by side in attendance/models.py; they
must agree on every combination."""

import itertools

import pytest

from attendance.enums import Mode, RegistrationState
from attendance.models import Registration
from tests.attendance.factories import RegistrationFactory
from tests.events.factories import PublishedSessionFactory

pytestmark = pytest.mark.django_db


def test_each_queryset_method_selects_exactly_the_rows_its_property_accepts():
    session = PublishedSessionFactory(hybrid=True)
    for state, mode in itertools.product(RegistrationState, Mode):
        RegistrationFactory(session=session, state=state, mode=mode)
    rows = list(Registration.objects.all())
    assert len(rows) == 6

    for selected, accepts in [
        (Registration.objects.active(), lambda r: r.is_active),
        (Registration.objects.holding_places(), lambda r: r.holds_place),
        (Registration.objects.in_person(), lambda r: r.is_in_person),
        (Registration.objects.online(), lambda r: r.is_online),
        (Registration.objects.holding_places().online(), lambda r: r.holds_place and r.is_online),
    ]:
        assert set(selected) == {r for r in rows if accepts(r)}
        assert selected.exists()

    # The session's reverse relation (how the events app reads them) offers the same methods.
    assert set(session.registrations.active()) == {r for r in rows if r.state != RegistrationState.CANCELLED}
    assert {r.state for r in session.registrations.holding_places()} == {RegistrationState.REGISTERED}
    assert [r.is_waitlisted for r in rows].count(True) == 2
