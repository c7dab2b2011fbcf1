"""The feedback pages that list things run the same number of queries at 1 item as at many."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.enums import FormPurpose, QuestionKind
from feedback.services import QuestionSpec, create_form, create_survey
from tests.factories import MemberFactory
from tests.feedback.factories import attend, ended_session, survey_form
from tests.teachers.factories import RosterEntryFactory

pytestmark = pytest.mark.django_db

# session, member, sessions awaiting feedback, their roster, its teachers, open surveys, groups (nav)
TO_GIVE_QUERIES = 7
# session, member, groups (permission, then cached for the nav), forms with their counts
BUILDER_QUERIES = 4


@pytest.mark.parametrize("count", [1, 6])
def test_feedback_to_give_query_count_does_not_grow(client, django_assert_num_queries, count):
    member = MemberFactory(year_of_study=2)
    now = timezone.now()
    for n in range(count):
        session = ended_session(title=f"Session {n}", lead=MemberFactory(roles=["teacher"]))
        RosterEntryFactory(session=session)
        attend(session, member)
        create_survey(
            form=survey_form(),
            title=f"Survey {n}",
            opens_at=now,
            closes_at=now + dt.timedelta(days=7),
            years=[2],
            by=None,
        )
    client.force_login(member)
    with django_assert_num_queries(TO_GIVE_QUERIES):
        page = client.get(reverse("feedback:to_give"))
    assert (len(page.context["sessions"]), len(page.context["surveys"])) == (count, count)


@pytest.mark.parametrize("count", [1, 6])
def test_builder_list_query_count_does_not_grow(client, committee_member, django_assert_num_queries, count):
    for n in range(count):
        create_form(
            title=f"Form {n}",
            purpose=FormPurpose.SESSION,
            questions=[QuestionSpec(kind=QuestionKind.RATING, text="How was it?")],
            by=None,
        )
    client.force_login(committee_member)
    with django_assert_num_queries(BUILDER_QUERIES):
        page = client.get(reverse("feedback:builder"))
    assert len(page.context["forms"]) == count + 2  # and the two forms the app ships with
