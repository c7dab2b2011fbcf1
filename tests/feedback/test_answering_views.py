"""The feedback page, the survey page, the thank-you pages and "Feedback to give"."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import Answer, PendingResponse, Receipt, Response
from feedback.services import create_survey
from tests.factories import MemberFactory
from tests.feedback.factories import (
    answers_for,
    attend,
    close_and_release,
    ended_session,
    post_data,
    sealed_answers,
    session_form,
    survey_form,
)

pytestmark = pytest.mark.django_db


def _url(session):
    return reverse("feedback:answer_session", args=[session.pk])


def test_an_attendee_sees_each_scale_as_a_fieldset_with_a_legend_and_large_buttons(client):
    session, member = ended_session(title="Renal physiology"), MemberFactory()
    attend(session, member)
    client.force_login(member)
    page = client.get(_url(session))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Feedback on “Renal physiology”" in html
    assert html.count("<fieldset") == 8  # seven scales and the format choice; the two comments are labelled boxes
    assert '<legend class="fs-6 fw-semibold mb-1">This session improved my knowledge of the topic.</legend>' in html
    assert html.count('class="btn-check" type="radio"') == 7 * 5 + 3
    assert html.count("<textarea") == 2


def test_each_rating_says_what_its_ends_mean_confidence_from_not_at_all_to_very_confident(client):
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    client.force_login(member)
    html = client.get(_url(session)).content.decode()
    questions = {question.metric_key: question for question in session_form().questions.all()}
    for key, (low, high) in {
        "overall": ("poor", "excellent"),
        "teaching_quality": ("poor", "excellent"),
        "confidence_before": ("not at all confident", "very confident"),
        "confidence_after": ("not at all confident", "very confident"),
    }.items():
        field = f"id_q{questions[key].pk}"
        assert (
            f'<label class="btn btn-outline-primary answer-option" for="{field}_0">1'
            f'<span class="visually-hidden"> – {low}</span></label>'
        ) in html
        assert f'<label class="btn btn-outline-primary answer-option" for="{field}_2">3</label>' in html
        assert (
            f'<label class="btn btn-outline-primary answer-option" for="{field}_4">5'
            f'<span class="visually-hidden"> – {high}</span></label>'
        ) in html
    assert html.count('<div class="answer-scale-ends small text-body-secondary mt-1" aria-hidden="true">') == 4
    assert html.count("<span>not at all confident</span><span>very confident</span>") == 2
    assert html.count("<span>poor</span><span>excellent</span>") == 2


def test_submitting_records_the_answers_and_shows_the_thank_you_page(client):
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    client.force_login(member)
    page = client.post(_url(session), post_data(answers_for(session_form(), overall=5)), follow=True)
    assert page.redirect_chain == [(reverse("feedback:answer_session_thanks", args=[session.pk]), 302)]
    assert "Thank you for your feedback" in page.content.decode()
    pending = PendingResponse.objects.get(session=session)
    overall = session_form().questions.get(metric_key="overall")
    assert [answer.number for answer in sealed_answers(pending) if answer.question_id == overall.pk] == [5]
    assert Receipt.objects.filter(session=session, member=member).count() == 1


def test_a_missing_answer_is_shown_next_to_its_question_and_nothing_is_saved(client):
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    client.force_login(member)
    answers = answers_for(session_form())
    knowledge = session_form().questions.get(metric_key="knowledge")
    del answers[knowledge.pk]
    page = client.post(_url(session), post_data(answers))
    html = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in html
    assert (
        f'<a class="alert-link" href="#id_q{knowledge.pk}_0">'
        "This session improved my knowledge of the topic. Please answer this question.</a>"
    ) in html
    assert f'id="error-{knowledge.pk}">Please answer this question.' in html
    assert (PendingResponse.objects.count(), Response.objects.count(), Answer.objects.count()) == (0, 0, 0)
    assert Receipt.objects.count() == 0
    # What was answered stays ticked.
    overall = session_form().questions.get(metric_key="overall")
    assert f'name="q{overall.pk}" id="id_q{overall.pk}_3" value="4" autocomplete="off" checked>' in html


def test_an_out_of_range_value_is_refused_by_the_form(client):
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    client.force_login(member)
    page = client.post(_url(session), post_data(answers_for(session_form(), overall=6)))
    assert "Select a valid choice. 6 is not one of the available choices." in page.content.decode()
    assert (PendingResponse.objects.count(), Response.objects.count()) == (0, 0)


def test_a_second_visit_says_they_have_already_responded(client):
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    client.force_login(member)
    client.post(_url(session), post_data(answers_for(session_form())))
    page = client.get(_url(session))
    assert "You have already given feedback on this session. Thank you!" in page.content.decode()
    again = client.post(_url(session), post_data(answers_for(session_form())))
    assert "You have already given feedback on this session. Thank you!" in again.content.decode()
    assert (PendingResponse.objects.count(), Response.objects.count(), Receipt.objects.count()) == (1, 0, 1)


def test_an_absent_member_is_told_why_and_cannot_post(client):
    session, member = ended_session(register_taken=True), MemberFactory()
    attend(session, member, attendance="absent")
    client.force_login(member)
    page = client.get(_url(session))
    assert page.status_code == 200
    assert "The register shows you as absent" in page.content.decode()
    client.post(_url(session), post_data(answers_for(session_form())))
    assert (PendingResponse.objects.count(), Response.objects.count()) == (0, 0)


def test_a_draft_session_is_not_found(client):
    session, member = ended_session(status="draft"), MemberFactory()
    client.force_login(member)
    assert client.get(_url(session)).status_code == 404


def test_feedback_to_give_lists_open_sessions_without_a_receipt_and_open_surveys(client):
    member = MemberFactory(year_of_study=2)
    due, answered, absent = (ended_session(title=t) for t in ("Due", "Answered", "Absent"))
    old = ended_session(title="Old", hours_ago=24 * 30)
    for session in (due, answered, old):
        attend(session, member)
    attend(absent, member, attendance="absent")
    client.force_login(member)
    client.post(_url(answered), post_data(answers_for(session_form())))
    now = timezone.now()
    mine = create_survey(
        form=survey_form(),
        title="Annual survey",
        opens_at=now,
        closes_at=now + dt.timedelta(days=7),
        years=[1, 2],
        by=None,
    )
    create_survey(
        form=survey_form(), title="Later years", opens_at=now, closes_at=now + dt.timedelta(days=7), years=[5], by=None
    )
    page = client.get(reverse("feedback:to_give"))
    assert [s.title for s in page.context["sessions"]] == ["Due"]
    assert [s.pk for s in page.context["surveys"]] == [mine.pk]
    assert reverse("feedback:answer_session", args=[due.pk]) in page.content.decode()


def test_a_survey_response_keeps_the_band_and_hides_teacher_questions_from_attendees(client):
    now = timezone.now()
    survey = create_survey(
        form=survey_form(), title="Annual survey", opens_at=now, closes_at=now + dt.timedelta(days=7), by=None
    )
    member = MemberFactory(year_of_study=2)
    client.force_login(member)
    url = reverse("feedback:answer_survey", args=[survey.pk])
    page = client.get(url)
    assert "Why do you teach with the society?" not in page.content.decode()
    page = client.post(url, post_data(answers_for(survey_form(), society_role="attendee")))
    assert page["Location"] == reverse("feedback:answer_survey_thanks", args=[survey.pk])
    assert PendingResponse.objects.get(survey=survey).year_band == "years_1_2"
    assert close_and_release(survey) == 1
    response = Response.objects.get(survey=survey)
    assert (response.year_band, response.session) == ("years_1_2", None)
    assert not response.answers.filter(question__metric_key="teaching_motivations").exists()


def test_teachers_answer_the_motivations_question(client):
    now = timezone.now()
    survey = create_survey(
        form=survey_form(), title="Annual survey", opens_at=now, closes_at=now + dt.timedelta(days=7), by=None
    )
    teacher = MemberFactory(year_of_study=5, roles=["teacher"])
    client.force_login(teacher)
    url = reverse("feedback:answer_survey", args=[survey.pk])
    assert "Why do you teach with the society?" in client.get(url).content.decode()
    question = survey_form().questions.get(metric_key="teaching_motivations")
    data = post_data(answers_for(survey_form(), society_role="teacher"))
    missing = client.post(url, data)
    assert f'id="error-{question.pk}">Please answer this question.' in missing.content.decode()
    chosen = list(question.options.filter(value__in=["helping_others", "career"]).values_list("pk", flat=True))
    client.post(url, data | {f"q{question.pk}": chosen})
    assert close_and_release(survey) == 1
    response = Response.objects.get(survey=survey)
    assert response.year_band == "years_3_6"
    assert set(response.answers.filter(question=question).values_list("option__value", flat=True)) == {
        "helping_others",
        "career",
    }


def test_a_survey_for_other_years_says_so(client):
    now = timezone.now()
    survey = create_survey(
        form=survey_form(),
        title="Finals survey",
        opens_at=now,
        closes_at=now + dt.timedelta(days=7),
        years=[5, 6],
        by=None,
    )
    client.force_login(MemberFactory(year_of_study=2))
    page = client.get(reverse("feedback:answer_survey", args=[survey.pk]))
    assert "This survey is for year 5, 6; your profile says year 2." in page.content.decode()


def test_a_closed_survey_says_when_it_closed(client):
    opens = timezone.make_aware(dt.datetime(2025, 3, 1, 9))
    survey = create_survey(
        form=survey_form(), title="Old", opens_at=opens, closes_at=opens + dt.timedelta(days=14), by=None
    )
    client.force_login(MemberFactory())
    page = client.get(reverse("feedback:answer_survey", args=[survey.pk]))
    assert "This survey closed on 15 March 2025." in page.content.decode()
