""" "May give feedback" in its two forms: `feedback.services.check_can_respond_to_session` (Python,
with the reason) and `feedback.selectors.registrations_owing_feedback` (SQL, behind
`feedback_due`, the requests sweep and My sessions) pick the same places."""

import itertools

import pytest
from django.utils import timezone

from attendance.enums import AttendanceStatus, RegistrationState
from events.enums import SessionStatus
from feedback.models import Receipt
from feedback.selectors import feedback_due, registrations_owing_feedback
from feedback.services import FeedbackError, check_can_respond_to_session
from teachers.enums import TeachingRole
from tests.events.factories import RosterEntryFactory
from tests.factories import MemberFactory
from tests.feedback.factories import attend, ended_session

pytestmark = pytest.mark.django_db

# (registration state, attendance, on the roster, has a receipt)
PLACES = [
    *((RegistrationState.REGISTERED, status, False, False) for status in ["", *AttendanceStatus.values]),
    (RegistrationState.WAITLISTED, "", False, False),
    (RegistrationState.CANCELLED, "", False, False),
    (RegistrationState.REGISTERED, AttendanceStatus.PRESENT, True, False),
    (RegistrationState.REGISTERED, AttendanceStatus.PRESENT, False, True),
]


def _may_respond(session, member, now) -> bool:
    try:
        check_can_respond_to_session(session=session, member=member, now=now)
    except FeedbackError:
        return False
    return True


def test_may_give_feedback_in_sql_agrees_with_python(settings):
    settings.FEEDBACK_WINDOW_DAYS = 14
    sessions = [
        ended_session(hours_ago=hours, status=status, register_taken=taken)
        for status, hours, taken in itertools.product(
            [SessionStatus.PUBLISHED, SessionStatus.COMPLETED, SessionStatus.CANCELLED], [-3, 2, 15 * 24], [False, True]
        )
    ]
    places = []
    for session in sessions:
        for state, attendance, teaches, answered in PLACES:
            member = MemberFactory(year_of_study=3)
            places.append(attend(session, member, state=state, attendance=attendance))
            if teaches:
                RosterEntryFactory(session=session, teacher=member, role=TeachingRole.CO_TEACHER)
            if answered:
                Receipt.objects.create(session=session, member=member)
    now = timezone.now()

    in_sql = set(registrations_owing_feedback(now=now))

    assert in_sql == {place for place in places if _may_respond(place.session, place.member, now)}
    # Published and completed sessions that ended 2 hours ago: present and late always, unmarked
    # only while no register has been taken.
    assert len(in_sql) == 2 * (2 + 3)
    member = next(iter(in_sql)).member
    assert list(feedback_due(member=member, now=now)) == [next(iter(in_sql)).session]
