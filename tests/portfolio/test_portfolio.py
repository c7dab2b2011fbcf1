"""The teaching portfolio page: sessions taught (lead or co-teacher), attendees, and exactly the
feedback figures of the results pages, under the same minimum-responses rule; and the comments a
teacher picks to quote."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from attendance.enums import AttendanceStatus
from feedback.models import Answer
from feedback.results import session_results, teacher_results
from portfolio.models import PickedComment
from portfolio.selectors import choosable_comments, is_portfolio_metric, portfolio_for
from portfolio.services import PortfolioError, pick_comments
from teachers.enums import TeachingRole
from tests.factories import MemberFactory
from tests.feedback.factories import attend, past_session, respond, respond_many, session_form
from tests.teachers.factories import RosterEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _minimum(settings):
    settings.FEEDBACK_MIN_RESPONSES = 3


@pytest.fixture
def tom():
    return MemberFactory(first_name="Tom", last_name="Okafor", email="tom@example.ac.uk", roles=["teacher"])


@pytest.fixture
def taught(tom):
    """Three sessions: two led (one below the minimum), one co-taught; all ended."""
    form = session_form()
    renal = past_session(lead=tom, days_ago=30, title="Renal physiology")
    cardiac = past_session(days_ago=20, title="Cardiac cycle")
    RosterEntryFactory(session=cardiac, teacher=tom, role=TeachingRole.CO_TEACHER)
    small = past_session(lead=tom, days_ago=10, title="Small group")
    for session, count in ((renal, 4), (cardiac, 3)):
        respond_many(count - 1, form=form, session=session, overall=5, knowledge=4)
        respond(form=form, session=session, overall=3, knowledge=2, went_well=f"Clear on {session.title}")
    respond_many(2, form=form, session=small, overall=1, knowledge=1, went_well="Too small to show")
    for _attendee in range(2):
        attend(renal, MemberFactory(year_of_study=2))
    attend(renal, MemberFactory(year_of_study=2), attendance=AttendanceStatus.ABSENT)
    return {"renal": renal, "cardiac": cardiac, "small": small}


def test_portfolio_lists_led_and_co_taught_sessions_with_attendees(tom, taught):
    portfolio = portfolio_for(teacher=tom)

    assert [
        (row.session.title, row.role, row.registered, row.attended, row.is_counted) for row in portfolio.sessions
    ] == [
        ("Small group", "Lead", 0, 0, False),
        ("Cardiac cycle", "Co-teacher", 0, 0, True),
        ("Renal physiology", "Lead", 3, 2, True),
    ]
    assert portfolio.hours_text == "3"
    assert portfolio.attended == 2


def test_portfolio_figures_are_exactly_those_of_the_results_pages(tom, taught):
    portfolio = portfolio_for(teacher=tom)
    overall = teacher_results(teacher=tom)

    assert [question.metric_key for question in portfolio.metrics] == [
        question.metric_key for question in overall.questions if is_portfolio_metric(question) and question.figures.n
    ]
    assert [question.metric_key for question in portfolio.metrics] == ["overall", "knowledge"]
    assert portfolio.responses == overall.responses == 7
    for index, question in enumerate(portfolio.metrics):
        same = next(q for q in overall.questions if q.metric_key == question.metric_key)
        assert question.figures == same.figures
        for row in portfolio.sessions:
            if not row.is_counted:
                assert row.figures[index] is None
                continue
            page = session_results(session=row.session)
            on_page = next(q for q in page.questions if q.metric_key == question.metric_key)
            assert row.figures[index] == on_page.figures
    overall_rating = next(q for q in portfolio.metrics if q.metric_key == "overall")
    assert (overall_rating.figures.n, overall_rating.figures.mean) == (7, Decimal("4.43"))


def test_a_session_below_the_minimum_shows_no_figures_nor_comments(client, tom, taught):
    client.force_login(tom)
    page = client.get(reverse("portfolio:mine")).content.decode()

    assert "Small group, " in page and ": fewer than 3 responses</th>" in page
    assert "Too small to show" not in page
    assert "Clear on Renal physiology" in page and "Clear on Cardiac cycle" in page
    overall = page.split("All sessions shown (7 responses)")[1].split("</tr>")[1]
    assert re.sub(r"<[^>]+>", " ", overall).split() == ["Overall", "rating", "4.43", "–", "7"]


def test_teacher_picks_up_to_five_released_comments_they_can_see(tom, taught):
    held = respond(form=session_form(), session=taught["renal"], overall=4, went_well="Held back")
    Answer.objects.filter(response=held, text="Held back").update(is_held_back=True)
    choosable = {comment.text: comment.id for comment in choosable_comments(teacher=tom)}
    assert sorted(choosable) == ["Clear on Cardiac cycle", "Clear on Renal physiology"]

    pick_comments(teacher=tom, answer_ids=[choosable["Clear on Renal physiology"], choosable["Clear on Cardiac cycle"]])

    assert [comment.text for comment in portfolio_for(teacher=tom).picked] == [
        "Clear on Renal physiology",
        "Clear on Cardiac cycle",
    ]
    held_id = str(Answer.objects.get(text="Held back").pk)
    small_id = str(Answer.objects.filter(text="Too small to show").first().pk)
    for refused in (held_id, small_id):
        with pytest.raises(PortfolioError, match="Choose among the comments"):
            pick_comments(teacher=tom, answer_ids=[refused])
    assert PickedComment.objects.filter(teacher=tom).count() == 2


def test_a_teacher_cannot_pick_another_teachers_comment(tom, taught):
    other = MemberFactory(roles=["teacher"])
    theirs = past_session(lead=other, title="Theirs")
    respond_many(3, form=session_form(), session=theirs, overall=5, went_well="Not Tom's")
    answer = Answer.objects.filter(text="Not Tom's").first()

    with pytest.raises(PortfolioError):
        pick_comments(teacher=tom, answer_ids=[str(answer.pk)])


def test_no_more_than_five_comments(tom, taught):
    respond_many(6, form=session_form(), session=taught["renal"], overall=4, went_well="More")
    ids = [comment.id for comment in choosable_comments(teacher=tom)]
    assert len(ids) >= 6

    with pytest.raises(PortfolioError, match="at most 5"):
        pick_comments(teacher=tom, answer_ids=ids[:6])
    pick_comments(teacher=tom, answer_ids=ids[:5])
    assert PickedComment.objects.filter(teacher=tom).count() == 5


def test_a_comment_held_back_after_being_picked_leaves_the_portfolio(tom, taught):
    (comment,) = [c for c in choosable_comments(teacher=tom) if c.text == "Clear on Cardiac cycle"]
    pick_comments(teacher=tom, answer_ids=[comment.id])
    Answer.objects.filter(pk=comment.id).update(is_held_back=True)

    assert portfolio_for(teacher=tom).picked == []


def test_the_page_saves_the_teachers_choice(client, tom, taught):
    client.force_login(tom)
    ids = [comment.id for comment in choosable_comments(teacher=tom)]

    response = client.post(reverse("portfolio:mine"), {"comment": ids}, follow=True)

    assert "Your portfolio now quotes 2 comments." in response.content.decode()
    assert response.content.decode().count(" checked>") == 2


def test_too_many_comments_on_the_page_says_so_at_the_top_and_keeps_what_was_ticked(client, tom, taught):
    respond_many(6, form=session_form(), session=taught["renal"], overall=4, went_well="More")
    ids = [comment.id for comment in choosable_comments(teacher=tom)][:6]
    client.force_login(tom)

    response = client.post(reverse("portfolio:mine"), {"comment": ids})

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: My teaching portfolio – MedEd</title>" in page
    assert '<a class="alert-link" href="#comment-1">Choose at most 5 comments.</a>' in page
    assert 'id="comments-error">Choose at most 5 comments.</div>' in page
    assert page.count(" checked>") == 6
    assert not PickedComment.objects.filter(teacher=tom).exists()


def test_the_portfolio_is_for_teachers(client, member):
    client.force_login(member)
    assert client.get(reverse("portfolio:mine")).status_code == 403
