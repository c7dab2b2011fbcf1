"""Results, moderation and survey pages run the same number of queries whatever the amount of feedback."""

import pytest
from django.urls import reverse

from tests.factories import MemberFactory
from tests.feedback.factories import answer, closed_survey, past_session, respond, session_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _minimum(settings):
    settings.FEEDBACK_MIN_RESPONSES = 2


def _feedback(session, count: int) -> None:
    form = session_form()
    for n in range(count):
        respond(
            form=form,
            session=session,
            overall=n % 5 + 1,
            knowledge=(n + 2) % 5 + 1,
            format_preference=["online", "in_person"][n % 2],
            went_well=f"Comment {n}",
        )


# session, member; the session, its roster, their teachers; groups; responses counted; the questions
# with their forms, their options; figures per question; per value; comments
SESSION_RESULTS = 12


@pytest.mark.parametrize("count", [3, 30])
def test_session_results_query_count_does_not_grow(client, django_assert_num_queries, count):
    teacher = MemberFactory(roles=["teacher"])
    session = past_session(lead=teacher)
    _feedback(session, count)
    client.force_login(teacher)
    with django_assert_num_queries(SESSION_RESULTS):
        response = client.get(reverse("feedback:session_results", args=[session.pk]))
    assert response.context["results"].responses == count


# session, member, groups; sessions with their counts; questions, options; per question; per value; comments
MY_RESULTS = 9


@pytest.mark.parametrize("sessions", [2, 12])
def test_my_results_query_count_does_not_grow(client, django_assert_num_queries, sessions):
    teacher = MemberFactory(roles=["teacher"])
    for days_ago in range(1, sessions + 1):
        _feedback(past_session(lead=teacher, days_ago=days_ago), 3)
    client.force_login(teacher)
    with django_assert_num_queries(MY_RESULTS):
        response = client.get(reverse("feedback:my_results"))
    assert response.context["results"].responses == 3 * sessions


# session, member, groups; comments counted (pagination); the page of comments with questions and
# sessions; the sessions for the filter
MODERATION = 6


@pytest.mark.parametrize("sessions", [1, 8])
def test_moderation_query_count_does_not_grow(client, django_assert_num_queries, committee_member, sessions):
    for days_ago in range(1, sessions + 1):
        _feedback(past_session(days_ago=days_ago), 4)
    client.force_login(committee_member)
    with django_assert_num_queries(MODERATION):
        response = client.get(reverse("feedback:moderation"))
    assert response.context["paginator"].count == 4 * sessions


# session, member, groups; surveys with forms and counts; their audience years
SURVEY_LIST = 5


@pytest.mark.parametrize("count", [1, 10])
def test_survey_list_query_count_does_not_grow(client, django_assert_num_queries, committee_member, count):
    for n in range(count):
        answer(closed_survey(title=f"Survey {n}", years=[n % 6 + 1]), "years_1_2", knowledge=4)
    client.force_login(committee_member)
    with django_assert_num_queries(SURVEY_LIST):
        response = client.get(reverse("feedback:surveys"))
    assert len(response.context["surveys"]) == count


def _survey_answers(survey, count: int) -> None:
    for n in range(count):
        answer(
            survey,
            ["years_1_2", "years_3_6"][n % 2],
            knowledge=n % 5 + 1,
            format_preference=["online", "in_person"][n % 2],
            teaching_motivations=["career", "enjoyment"][: n % 2 + 1],
            society_gives=f"Comment {n}",
        )


# session, member, groups; the survey and its form; responses by band; questions, options; per
# question; per value; comments
SURVEY_RESULTS = 10


@pytest.mark.parametrize("count", [4, 40])
def test_survey_results_query_count_does_not_grow(client, django_assert_num_queries, committee_member, count):
    survey = closed_survey()
    _survey_answers(survey, count)
    client.force_login(committee_member)
    with django_assert_num_queries(SURVEY_RESULTS):
        response = client.get(reverse("feedback:survey_results", args=[survey.pk]))
    assert response.context["results"].responses == count


# session, member, groups; the survey and its form; questions; responses with bands; answers
SURVEY_CSV = 7


@pytest.mark.parametrize("count", [4, 40])
def test_survey_export_query_count_does_not_grow(client, django_assert_num_queries, committee_member, count):
    survey = closed_survey()
    _survey_answers(survey, count)
    client.force_login(committee_member)
    with django_assert_num_queries(SURVEY_CSV):
        response = client.get(reverse("feedback:survey_csv", args=[survey.pk]))
    assert response.content.decode("utf-8-sig").count("\n") == count + 1
