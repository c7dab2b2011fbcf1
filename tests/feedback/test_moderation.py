"""The committee holds back written comments on sessions before teachers see them, and releases them."""

import pytest
from django.urls import reverse

from feedback.models import Answer
from feedback.results import comments_for_moderation, session_results
from tests.factories import MemberFactory
from tests.feedback.factories import answer, closed_survey, past_session, respond, session_form
from tests.feedback.test_results import by_metric

pytestmark = pytest.mark.django_db


def _comment(session, text: str) -> Answer:
    respond(form=session_form(), session=session, overall=4, improve=text)
    return Answer.objects.get(text=text)


def test_moderation_lists_session_comments_newest_sessions_first(client, committee_member):
    older, newer = past_session(days_ago=10, title="Older"), past_session(days_ago=1, title="Newer")
    for text in ("old one", "old two"):
        _comment(older, text)
    _comment(newer, "new one")
    answer(closed_survey(), "years_1_2", society_gives="A survey comment, not moderated here")
    respond(form=session_form(), session=newer, overall=5)  # a rating is not a comment
    client.force_login(committee_member)
    response = client.get(reverse("feedback:moderation"))
    comments = list(response.context["comments"])
    assert [c.text for c in comments[:1]] == ["new one"]
    assert sorted(c.text for c in comments[1:]) == ["old one", "old two"]
    assert [c.pk for c in comments[1:]] == sorted(c.pk for c in comments[1:])  # random keys, not arrival
    html = response.content.decode()
    assert html.index("Newer") < html.index("Older")
    assert "not moderated here" not in html


def test_moderation_filters_by_session(client, committee_member):
    first, second = past_session(title="First", days_ago=5), past_session(title="Second", days_ago=2)
    past_session(title="No comments")
    _comment(first, "about the first")
    _comment(second, "about the second")
    client.force_login(committee_member)
    response = client.get(reverse("feedback:moderation"), {"session": first.pk})
    assert [c.text for c in response.context["comments"]] == ["about the first"]
    assert list(response.context["sessions"]) == [second, first]


def test_holding_back_hides_a_comment_from_teachers_until_released(client, settings, committee_member):
    settings.FEEDBACK_MIN_RESPONSES = 1
    teacher = MemberFactory(roles=["teacher"])
    session = past_session(lead=teacher)
    comment = _comment(session, "Unkind words")
    client.force_login(committee_member)
    response = client.post(reverse("feedback:moderation"), {"action": f"hold:{comment.pk}", "session": str(session.pk)})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('feedback:moderation')}?session={session.pk}#comment-{comment.pk}"
    comment.refresh_from_db()
    assert comment.is_held_back
    assert by_metric(session_results(session=session), "improve").comments == []
    client.force_login(teacher)
    teacher_page = client.get(reverse("feedback:session_results", args=[session.pk])).content.decode()
    assert "Unkind words" not in teacher_page
    assert "Unkind words" not in client.get(reverse("feedback:my_results")).content.decode()

    client.force_login(committee_member)
    client.post(reverse("feedback:moderation"), {"action": f"release:{comment.pk}"})
    comment.refresh_from_db()
    assert not comment.is_held_back
    client.force_login(teacher)
    assert "Unkind words" in client.get(reverse("feedback:session_results", args=[session.pk])).content.decode()


def test_the_page_shows_what_is_held_back_and_offers_the_opposite(client, committee_member):
    session = past_session()
    held, shown = _comment(session, "Held one"), _comment(session, "Shown one")
    Answer.objects.filter(pk=held.pk).update(is_held_back=True)
    client.force_login(committee_member)
    html = client.get(reverse("feedback:moderation")).content.decode()
    assert f'value="release:{held.pk}"' in html
    assert f'value="hold:{shown.pk}"' in html
    assert f'value="hold:{held.pk}"' not in html


CHOOSE = "Choose a comment to hold back or release."


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("hold:not-a-key", CHOOSE),
        ("hold:", CHOOSE),
        ("delete:{pk}", CHOOSE),
        ("hold:{rating}", "Only written comments can be held back."),
    ],
)
def test_a_bad_request_changes_nothing(client, committee_member, action, message):
    session = past_session()
    comment = _comment(session, "Stays")
    rating = Answer.objects.get(question__metric_key="overall")
    client.force_login(committee_member)
    response = client.post(
        reverse("feedback:moderation"), {"action": action.format(pk=comment.pk, rating=rating.pk)}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [message]
    assert not Answer.objects.filter(is_held_back=True).exists()


def test_survey_comments_cannot_be_held_back_here(client, committee_member):
    survey = closed_survey()
    answer(survey, "years_1_2", society_gives="Survey text")
    comment = Answer.objects.get(text="Survey text")
    client.force_login(committee_member)
    client.post(reverse("feedback:moderation"), {"action": f"hold:{comment.pk}"})
    comment.refresh_from_db()
    assert not comment.is_held_back


@pytest.mark.parametrize("roles", [[], ["teacher"]])
def test_only_the_committee_moderates(client, roles):
    teacher = MemberFactory(roles=["teacher"])
    session = past_session(lead=teacher)
    comment = _comment(session, "Leave me")
    client.force_login(teacher if roles else MemberFactory())
    assert client.get(reverse("feedback:moderation")).status_code == 403
    assert client.post(reverse("feedback:moderation"), {"action": f"hold:{comment.pk}"}).status_code == 403
    comment.refresh_from_db()
    assert not comment.is_held_back


def test_comments_for_moderation_selector_scopes_to_a_session():
    first, second = past_session(), past_session()
    _comment(first, "a")
    _comment(second, "b")
    assert [c.text for c in comments_for_moderation(viewer=MemberFactory(), session_id=second.pk)] == ["b"]


def test_a_committee_member_who_taught_the_session_does_not_see_its_held_back_comments(client, settings):
    settings.FEEDBACK_MIN_RESPONSES = 1
    teaching_chair = MemberFactory(roles=["committee", "teacher"])
    other_chair = MemberFactory(roles=["committee"])
    session = past_session(lead=teaching_chair)
    comment = _comment(session, "About the teacher, held back")
    Answer.objects.filter(pk=comment.pk).update(is_held_back=True)
    client.force_login(other_chair)
    assert (
        "About the teacher, held back"
        in client.get(reverse("feedback:session_results", args=[session.pk])).content.decode()
    )
    client.force_login(teaching_chair)
    page = client.get(reverse("feedback:session_results", args=[session.pk]))
    assert page.status_code == 200
    assert "About the teacher, held back" not in page.content.decode()
    assert page.context["can_moderate"] is False


def test_a_committee_member_who_taught_a_session_neither_moderates_nor_codes_its_held_back_comments(client):
    """Another committee member moderates them: on the moderation page the session and its comments
    are left out for the one who taught it (with a note why), a crafted POST cannot hold or release
    them, and the coding screens skip its held-back comments, while the other committee member
    sees and codes everything."""
    from feedback import coding

    teaching_chair = MemberFactory(roles=["committee", "teacher"])
    other_chair = MemberFactory(roles=["committee"])
    taught, other = past_session(lead=teaching_chair, title="Taught"), past_session(title="Not taught")
    held = _comment(taught, "Held back about the teacher")
    Answer.objects.filter(pk=held.pk).update(is_held_back=True)
    _comment(taught, "Shown to the teacher anyway")
    _comment(other, "On someone else's session")

    client.force_login(teaching_chair)
    page = client.get(reverse("feedback:moderation"))
    assert [c.text for c in page.context["comments"]] == ["On someone else's session"]
    assert [s.pk for s in page.context["sessions"]] == [other.pk]
    assert "another committee member moderates them." in page.content.decode()
    client.post(reverse("feedback:moderation"), {"action": f"release:{held.pk}"})
    held.refresh_from_db()
    assert held.is_held_back
    mine = coding.CommentFilters(viewer=teaching_chair)
    assert {a.text for a in coding.comments_for_coder(coder=teaching_chair, filters=mine)} == {
        "Shown to the teacher anyway",
        "On someone else's session",
    }
    screen = client.get(reverse("feedback:coding") + f"?comment={held.pk}")
    assert screen.status_code == 404
    assert client.post(reverse("feedback:coding"), {"answer": held.pk}).status_code == 404

    client.force_login(other_chair)
    page = client.get(reverse("feedback:moderation"))
    assert len(page.context["comments"]) == 3
    assert "another committee member moderates them." not in page.content.decode()
    theirs = coding.CommentFilters(viewer=other_chair)
    assert len(coding.comments_for_coder(coder=other_chair, filters=theirs)) == 3
    # Coded by the other chair, the held-back comment counts in their theme counts, not in theirs.
    from feedback.models import Code, Theme

    code = Code.objects.create(theme=Theme.objects.create(name="Teaching style"), name="About the teacher")
    coding.save_coding(answer=held, coder=other_chair, codes=[code])
    assert coding.coded_comments(filters=theirs).count() == 1
    assert coding.coded_comments(filters=mine).count() == 0
    themes, coded = coding.theme_counts(filters=coding.CommentFilters(viewer=teaching_chair, session_id=taught.pk))
    assert coded == 0 and sum(theme.comments for theme in themes) == 0
