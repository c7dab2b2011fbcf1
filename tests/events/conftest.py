"""Fixtures shared by the events tests: a teacher and a published in-person session they lead."""

import datetime as dt

import pytest
from django.utils import timezone

from events.services import approve_session
from teachers.services import propose_session
from tests.factories import MemberFactory


@pytest.fixture
def lead():
    return MemberFactory(first_name="Tom", roles=["teacher"], year_of_study=5)


@pytest.fixture
def session(lead):
    """Published, in two days' time, in person in LT1, for year 2; a module may define its own."""
    start = timezone.now() + dt.timedelta(days=2)
    session = propose_session(
        teacher=lead,
        submit=True,
        title="Renal",
        format="in_person",
        venue="LT1",
        target_years=[2],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    return approve_session(session=session, by=lead)
