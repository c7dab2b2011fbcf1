"""The coding pages run the same number of queries for a few comments as for many."""

import pytest
from django.urls import reverse

from feedback import coding
from feedback.enums import YearBand
from tests.factories import MemberFactory
from tests.feedback.coding_data import codes, empty_codebook, past_session, session_comment, survey, survey_comment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_codebook():
    empty_codebook()


def _coded(count: int, *, coder_a, coder_b) -> None:
    """`count` comments from sessions and a survey, all coded by both coders, who disagree on
    every third, a third of which are resolved; plus as many comments nobody has coded."""
    book = list(codes(Academic=["Exams", "Skills"], Career=["Portfolio"], Community=["Belonging"]).values())
    sessions = [past_session(f"Session {n}", days_ago=n + 1) for n in range(max(count // 5, 1))]
    the_survey = survey()
    for n in range(count):
        if n % 2:
            comment = session_comment(f"Comment {n}", session=sessions[n % len(sessions)], is_held_back=n % 7 == 0)
        else:
            comment = survey_comment(f"Comment {n}", of=the_survey, band=YearBand.YEARS_1_2)
        ticked = [book[n % 4], book[(n + 1) % 4]]
        coding.save_coding(answer=comment, coder=coder_a, codes=ticked)
        coding.save_coding(answer=comment, coder=coder_b, codes=ticked[:1] if n % 3 == 0 else ticked)
        if n % 9 == 0:
            coding.resolve_coding(answer=comment, resolver=coder_a, codes=ticked[1:])
        session_comment(f"Uncoded {n}", session=sessions[0])


@pytest.fixture
def coders():
    return MemberFactory(roles=["committee"]), MemberFactory(roles=["committee"])


# session, member, groups, then: the sessions with comments (filter),
# the next comment, my codes for it, progress, themes, codes
@pytest.mark.parametrize("count", [3, 60])
def test_coding_screen_query_count_does_not_grow(client, django_assert_num_queries, coders, count):
    _coded(count, coder_a=coders[0], coder_b=coders[1])
    client.force_login(coders[0])
    with django_assert_num_queries(9):
        response = client.get(reverse("feedback:coding"), {"source": "sessions", "show": "all"})
    assert response.context["answer"] is not None
    assert response.context["total"] == count // 2 + count


# session, member, groups, the coders, themes, codes, the rows of both coders' codings, the page's comments
@pytest.mark.parametrize("count", [3, 60])
def test_agreement_query_count_does_not_grow(client, django_assert_num_queries, coders, count):
    _coded(count, coder_a=coders[0], coder_b=coders[1])
    client.force_login(coders[0])
    with django_assert_num_queries(8):
        response = client.get(reverse("feedback:coding_agreement"))
    assert response.context["result"].comments == count
    assert len(response.context["result"].disagreements) == len(range(0, count, 3))


# session, member, groups, the sessions with comments (filter), themes with counts and example
# slots, codes with counts, the examples, the coded total, the interviews by role
@pytest.mark.parametrize("count", [3, 60])
def test_themes_query_count_does_not_grow(client, django_assert_num_queries, coders, count):
    _coded(count, coder_a=coders[0], coder_b=coders[1])
    client.force_login(coders[0])
    with django_assert_num_queries(9):
        response = client.get(reverse("feedback:coding_themes"))
    assert response.context["coded"] == count
    examples = [len(theme.examples) for theme in response.context["themes"]]
    # With 3: comment 0 resolved to Skills (Academic); 1 has Skills and Portfolio; 2 Portfolio and Belonging.
    assert examples == {3: [2, 2, 1], 60: [3, 3, 3]}[count]
    if count == 3:
        assert [theme.comments for theme in response.context["themes"]] == [2, 2, 1]


# session, member, groups, the sessions with comments (filter), the coded comments, their counted
# codes, their codings with coders, the codes with themes
@pytest.mark.parametrize("count", [3, 60])
def test_export_query_count_does_not_grow(client, django_assert_num_queries, coders, count):
    _coded(count, coder_a=coders[0], coder_b=coders[1])
    client.force_login(coders[0])
    with django_assert_num_queries(8):
        response = client.get(reverse("feedback:coding_export"))
    assert response.content.decode("utf-8-sig").count("\r\n") == count + 1


# session, member, groups, themes, codes
@pytest.mark.parametrize("count", [3, 60])
def test_codebook_query_count_does_not_grow(client, django_assert_num_queries, coders, count):
    _coded(count, coder_a=coders[0], coder_b=coders[1])
    client.force_login(coders[0])
    with django_assert_num_queries(5):
        client.get(reverse("feedback:coding_codebook"))
