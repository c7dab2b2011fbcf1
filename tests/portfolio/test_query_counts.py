"""The portfolio page runs the same number of queries whatever the number of sessions taught."""

import pytest
from django.urls import reverse

from attendance.enums import AttendanceStatus
from tests.factories import MemberFactory
from tests.feedback.factories import attend, past_session, respond, session_form

pytestmark = pytest.mark.django_db

# session, member, groups; the results (sessions with their counts; questions, options; per
# question; per value; comments); the sessions with roles and attendees, their target years; the
# picked comments; the approval; the portfolio certificates issued
PORTFOLIO = 14


@pytest.mark.parametrize("sessions", [1, 3])
def test_portfolio_query_count_does_not_grow(client, django_assert_num_queries, settings, sessions):
    settings.FEEDBACK_MIN_RESPONSES = 2
    teacher = MemberFactory(roles=["teacher"])
    for days_ago in range(1, sessions + 1):
        session = past_session(lead=teacher, days_ago=days_ago)
        for n in range(3):
            respond(form=session_form(), session=session, overall=n + 2, went_well=f"Comment {n}")
        attend(session, MemberFactory(year_of_study=2), attendance=AttendanceStatus.PRESENT)
    client.force_login(teacher)

    with django_assert_num_queries(PORTFOLIO):
        response = client.get(reverse("portfolio:mine"))

    portfolio = response.context["portfolio"]
    assert (len(portfolio.sessions), portfolio.attended, portfolio.responses) == (sessions, sessions, 3 * sessions)
