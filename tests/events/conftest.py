"""Fixtures shared by the events tests: a teacher and a published in-person session they lead."""

import pytest

from tests.events.factories import ProposedSessionFactory
from tests.factories import MemberFactory


@pytest.fixture
def lead():
    return MemberFactory(first_name="Tom", roles=["teacher"], year_of_study=5)


@pytest.fixture
def session(lead):
    """Published, in two days' time, in person in LT1, for year 2; a module may define its own."""
    return ProposedSessionFactory(teacher=lead, capacity=None)
