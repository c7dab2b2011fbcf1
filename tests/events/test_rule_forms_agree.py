"""Rules kept in two forms, a Python predicate and a SQL filter, side by side in one module:
each test builds rows on both sides of every boundary and checks the two forms pick the same."""

import datetime as dt

import pytest
from django.utils import timezone

from events.eligibility import for_year, is_for_year
from events.feedback_window import feedback_closes_at, feedback_not_closed, feedback_open, is_feedback_open
from events.models import Session
from events.permissions import on_roster, teaches
from teachers.enums import TeachingRole
from tests.events.factories import RosterEntryFactory, SessionFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_feedback_window_in_sql_agrees_with_python(settings):
    settings.FEEDBACK_WINDOW_DAYS = 14
    now = timezone.now()
    window = dt.timedelta(days=14)
    second = dt.timedelta(seconds=1)
    ends = [now + second, now, now - second, now - window + second, now - window, now - window - second]
    sessions = [SessionFactory(starts_at=end - dt.timedelta(hours=1), ends_at=end) for end in ends]

    open_in_sql = set(Session.objects.filter(feedback_open(now=now)))
    not_closed_in_sql = set(Session.objects.filter(feedback_not_closed(now=now)))

    assert open_in_sql == {s for s in sessions if is_feedback_open(s, now=now)}
    assert not_closed_in_sql == {s for s in sessions if now < feedback_closes_at(s)}
    assert open_in_sql == set(sessions[1:4])  # from the end until 14 days after it
    assert not_closed_in_sql == set(sessions[:4])


def test_target_year_eligibility_in_sql_agrees_with_python():
    sessions = [
        SessionFactory(target_years=[3]),
        SessionFactory(target_years=[2, 4]),
        SessionFactory(target_years=[]),
        SessionFactory(target_years=[3], is_open_to_all_years=True),
        SessionFactory(target_years=[], is_open_to_all_years=True),
    ]
    for year in (None, 1, 2, 3, 4):
        in_sql = set(Session.objects.filter(for_year(year)))
        assert in_sql == {s for s in sessions if is_for_year(s, year)}, year
    assert set(Session.objects.filter(for_year(3))) == {sessions[0], sessions[3], sessions[4]}


def test_the_roster_check_in_sql_agrees_with_python():
    lead, co_teacher, attendee = MemberFactory.create_batch(3)
    taught = SessionFactory(lead=lead)
    RosterEntryFactory(session=taught, teacher=co_teacher, role=TeachingRole.CO_TEACHER)
    sessions = [taught, SessionFactory(lead=co_teacher), SessionFactory()]
    for member in (lead, co_teacher, attendee):
        in_sql = set(Session.objects.filter(on_roster(member=member)))
        assert in_sql == {s for s in sessions if teaches(member, s)}
    assert set(Session.objects.filter(on_roster(member=co_teacher))) == {sessions[0], sessions[1]}
    assert not Session.objects.filter(on_roster(member=attendee)).exists()
