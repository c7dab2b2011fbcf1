"""Pages that list sessions run the same number of queries for 5 sessions as for 200."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Series
from events.services import approve_session, create_session, submit_session
from teachers.services import add_to_roster
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _sessions(count: int, *, status: str = "published", teachers=None):
    teachers = teachers or [MemberFactory(roles=["teacher"]) for _ in range(3)]
    series = Series.objects.get_or_create(title="Revision")[0]
    start = timezone.now() + dt.timedelta(days=2)
    for n in range(count):
        session = create_session(
            created_by=teachers[0],
            title=f"Session {n}",
            format="hybrid",
            venue="Room 1",
            meeting_url="https://teams.example/meet",
            starts_at=start + dt.timedelta(hours=n),
            ends_at=start + dt.timedelta(hours=n, minutes=50),
            target_years=[1, 2],
            topic="Renal",
            series=series if n % 2 else None,
            capacity=30,
            online_capacity=50,
        )
        add_to_roster(session=session, teacher=teachers[0], role="lead")
        add_to_roster(session=session, teacher=teachers[n % 2 + 1])
        if status in ("submitted", "published"):
            submit_session(session=session, by=teachers[0])
        if status == "published":
            approve_session(session=session, by=teachers[0])
    return teachers


# session, member, groups (nav), topics, series (filter), the page's sessions with their count, their
# target years, their rosters with the teachers
CATALOGUE_QUERIES = 8
# session, member, groups: the listing for these filters comes from the cache (events/cards.py)
CATALOGUE_QUERIES_LISTED = 3


@pytest.mark.parametrize("count", [5, 200])
def test_catalogue_query_count_does_not_grow_with_sessions(client, django_assert_num_queries, count):
    _sessions(count)
    client.force_login(MemberFactory(year_of_study=1))
    with django_assert_num_queries(CATALOGUE_QUERIES):
        response = client.get(reverse("events:catalogue"))
    assert len(response.context["sessions"]) == min(count, 12)
    assert response.context["paginator"].count == count

    client.force_login(MemberFactory(year_of_study=1))  # another member of the same year
    with django_assert_num_queries(CATALOGUE_QUERIES_LISTED):
        again = client.get(reverse("events:catalogue"))
    assert again.content.decode().count('class="card h-100 session-card"') == min(count, 12)
    assert f"{count} sessions found." in again.content.decode()


@pytest.mark.parametrize("count", [5, 200])
def test_catalogue_with_every_filter_query_count_does_not_grow(client, django_assert_num_queries, count):
    _sessions(count)
    series = Series.objects.get()
    client.force_login(MemberFactory(year_of_study=1))
    today = timezone.localdate()
    query = {
        "year": 2,
        "format": "hybrid",
        "topic": "Renal",
        "series": series.pk,
        "q": "Session",
        "date_from": today.isoformat(),
        "date_to": (today + dt.timedelta(days=30)).isoformat(),
    }
    # The chosen series is validated against the filter's list of series, with no query of its own.
    with django_assert_num_queries(CATALOGUE_QUERIES):
        response = client.get(reverse("events:catalogue"), query)
    assert response.context["paginator"].count == count // 2


@pytest.mark.parametrize("count", [5, 200])
def test_approval_queue_query_count_does_not_grow_with_sessions(client, django_assert_num_queries, count):
    _sessions(count, status="submitted")
    client.force_login(MemberFactory(roles=["committee"]))
    # session, member, groups, sessions, target years, roster with its teachers; then for the clash
    # warnings the overlapping sessions, their target years, rosters and teachers
    with django_assert_num_queries(10):
        response = client.get(reverse("events:approvals"))
    assert len(response.context["rows"]) == count


@pytest.mark.parametrize("count", [5, 200])
def test_teacher_dashboard_query_count_does_not_grow_with_sessions(client, django_assert_num_queries, count):
    teachers = _sessions(count)
    client.force_login(teachers[0])
    # session, member, groups, sessions, target years, roster with its teachers, invitations to co-teach
    with django_assert_num_queries(7):
        response = client.get(reverse("teachers:dashboard"))
    assert len(response.context["upcoming"]) == count


def test_session_page_query_count(client, django_assert_num_queries):
    _sessions(1)
    from events.models import Session

    session = Session.objects.get()
    client.force_login(MemberFactory(year_of_study=1))
    # session, member, groups, session + series + places taken, target years, roster with its teachers,
    # materials, the viewer's own registration
    with django_assert_num_queries(8):
        response = client.get(reverse("events:detail", args=[session.pk]))
    assert response.context["session"] == session


def test_catalogue_offers_each_topic_once(client):
    _sessions(3)
    client.force_login(MemberFactory(year_of_study=1))
    response = client.get(reverse("events:catalogue"))
    assert response.context["filter_form"].fields["topic"].choices == [("", "Any topic"), ("Renal", "Renal")]
