"""Every predicate in events/permissions.py, for each kind of user and each status of a session."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from attendance.models import Registration
from events import permissions
from events.enums import SessionStatus
from events.models import Session
from events.selectors import session_for_page
from teachers.services import add_to_roster
from tests.events.factories import SessionFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "member", "lead", "co_teacher", "other_teacher", "committee"]
STATUSES = [s.value for s in SessionStatus]
ON_ROSTER = {"lead", "co_teacher"}
SIGNED_IN = set(ROLES) - {"anonymous"}

# predicate -> status -> the roles for which it is true
EXPECTED = {
    "can_view_session": {
        "draft": ON_ROSTER | {"committee"},
        "submitted": ON_ROSTER | {"committee"},
        "published": SIGNED_IN,
        "completed": SIGNED_IN,
        "cancelled": SIGNED_IN,
    },
    "can_edit_session": {
        "draft": ON_ROSTER | {"committee"},
        "submitted": ON_ROSTER | {"committee"},
        "published": {"lead", "committee"},
        "completed": set(),
        "cancelled": set(),
    },
    "can_submit_session": {
        "draft": ON_ROSTER,
        "submitted": set(),
        "published": set(),
        "completed": set(),
        "cancelled": set(),
    },
    "can_cancel_session": {
        "draft": {"lead", "committee"},
        "submitted": {"lead", "committee"},
        "published": {"lead", "committee"},
        "completed": set(),
        "cancelled": set(),
    },
    "sees_meeting_link": dict.fromkeys(STATUSES, ON_ROSTER | {"committee"}),
}


@pytest.fixture
def users():
    return {
        "anonymous": AnonymousUser(),
        "member": MemberFactory(year_of_study=3),
        "lead": MemberFactory(roles=["teacher"]),
        "co_teacher": MemberFactory(roles=["teacher"]),
        "other_teacher": MemberFactory(roles=["teacher"]),
        "committee": MemberFactory(roles=["committee"], year_of_study=None),
    }


def _session(users, status) -> Session:
    # Published, completed and cancelled here mean sessions that were in the catalogue.
    was_listed = status in ("published", "completed", "cancelled")
    session = SessionFactory(
        status=status,
        lead=users["lead"],
        meeting_url="https://teams.example/x",
        published_at=timezone.now() if was_listed else None,
    )
    add_to_roster(session=session, teacher=users["co_teacher"])
    # An unrelated session on which the other teacher teaches: being a teacher elsewhere grants nothing here.
    SessionFactory(status=status, lead=users["other_teacher"])
    return session_for_page(pk=session.pk)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("predicate", sorted(EXPECTED))
def test_session_predicate_by_role_and_status(users, predicate, status):
    session = _session(users, status)
    check = getattr(permissions, predicate)
    allowed = {role for role in ROLES if check(users[role], session)}
    assert allowed == EXPECTED[predicate][status]


def test_can_propose_session_only_for_teachers(users):
    assert {role for role in ROLES if permissions.can_propose_session(users[role])} == {
        "lead",
        "co_teacher",
        "other_teacher",
    }


def test_can_review_sessions_only_for_the_committee(users):
    assert {role for role in ROLES if permissions.can_review_sessions(users[role])} == {"committee"}


def test_inactive_members_lose_their_roles():
    session = session_for_page(pk=SessionFactory(status=SessionStatus.SUBMITTED).pk)
    committee = MemberFactory(roles=["committee", "teacher"], is_active=False)
    assert permissions.can_view_session(committee, session) is False
    assert permissions.can_edit_session(committee, session) is False
    assert permissions.can_review_sessions(committee) is False
    assert permissions.can_propose_session(committee) is False


@pytest.mark.parametrize("status", STATUSES)
def test_predicates_make_no_query_on_a_session_fetched_for_its_page(users, status, django_assert_num_queries):
    session = _session(users, status)
    with django_assert_num_queries(0):
        _every_predicate(users["anonymous"], session)
    for role in SIGNED_IN:
        permissions.can_review_sessions(users[role])  # reads and caches the member's groups
        with django_assert_num_queries(0):
            _every_predicate(users[role], session)


def test_control_a_session_fetched_without_its_roster_does_query(users, django_assert_num_queries):
    # Shows the test above would catch a predicate that reads the roster from the database.
    session = Session.objects.get(pk=_session(users, SessionStatus.DRAFT).pk)
    permissions.can_review_sessions(users["lead"])
    with django_assert_num_queries(1):
        assert permissions.can_view_session(users["lead"], session) is True


def _every_predicate(user, session):
    permissions.can_propose_session(user)
    permissions.can_review_sessions(user)
    for predicate in EXPECTED:
        getattr(permissions, predicate)(user, session)


@pytest.mark.parametrize(
    ("state", "checked_in", "minutes_to_start", "expected"),
    [
        ("registered", False, 60, True),
        ("waitlisted", False, 60, True),
        ("registered", True, 10, False),  # checked in before the start: the place is their attendance
        ("registered", False, -5, False),  # started, whatever late registration allows
        ("waitlisted", False, -5, False),
        ("cancelled", False, 60, False),
    ],
)
def test_cancellation_open_until_the_start_and_never_once_checked_in(
    state, checked_in, minutes_to_start, expected, django_assert_num_queries
):
    now = timezone.now()
    start = now + dt.timedelta(minutes=minutes_to_start)
    session = Session(status=SessionStatus.PUBLISHED, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    registration = Registration(state=state, checked_in_at=now if checked_in else None)
    with django_assert_num_queries(0):
        assert permissions.cancellation_open(session, registration, now=now) is expected
        assert permissions.cancellation_open(session, None, now=now) is False
