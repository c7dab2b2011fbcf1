import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from feedback.models import Answer, Form, PendingResponse, Question, Receipt, Response
from feedback.services import submit_response
from tests.factories import MemberFactory
from tests.feedback.factories import answers_for, attend, ended_session, session_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(MemberFactory(is_staff=True, is_superuser=True, year_of_study=None))
    return client


@pytest.fixture
def response(settings):
    settings.FEEDBACK_MIN_RESPONSES = 1  # released at once, so the admin shows it
    session, member = ended_session(), MemberFactory(email="respondent@example.ac.uk", last_name="Respondent")
    attend(session, member)
    submit_response(member=member, session=session, answers=answers_for(session_form()))
    assert not PendingResponse.objects.exists()
    return Response.objects.get()


@pytest.mark.parametrize("model", [Form, Question, Response, Answer, Receipt])
def test_every_feedback_list_opens(admin_client_, response, model):
    meta = model._meta
    page = admin_client_.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert page.status_code == 200


def test_a_response_shows_its_answers_and_nothing_about_its_member(admin_client_, response):
    page = admin_client_.get(reverse("admin:feedback_response_change", args=[response.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Clear and well paced." in html
    assert "respondent@example.ac.uk" not in html and "Respondent" not in html
    receipt = Receipt.objects.get()
    assert reverse("admin:feedback_receipt_change", args=[receipt.pk]) not in html


def test_responses_answers_and_receipts_cannot_be_changed_in_the_admin(admin_client_, response):
    page = admin_client_.post(reverse("admin:feedback_response_delete", args=[response.pk]), {"post": "yes"})
    assert page.status_code == 403
    assert Response.objects.count() == 1
    assert admin_client_.get(reverse("admin:feedback_receipt_add")).status_code == 403


def test_an_answered_form_is_frozen_and_the_action_makes_a_new_version(admin_client_, response):
    form = session_form()
    page = admin_client_.get(reverse("admin:feedback_form_change", args=[form.pk]))
    assert 'name="title"' not in page.content.decode()
    admin_client_.post(
        reverse("admin:feedback_form_changelist"), {"action": "make_new_version", "_selected_action": [form.pk]}
    )
    current = Form.objects.get(family="session-feedback", is_current=True)
    assert (current.version, current.is_default, current.questions.count()) == (2, True, 10)


def test_pending_responses_are_not_in_the_admin_and_released_ones_show(admin_client_, settings):
    settings.FEEDBACK_MIN_RESPONSES = 2
    session, first, second = ended_session(), MemberFactory(), MemberFactory()
    attend(session, first)
    attend(session, second)
    assert PendingResponse not in admin.site._registry
    with pytest.raises(NoReverseMatch):
        reverse("admin:feedback_pendingresponse_changelist")

    pending = submit_response(
        member=first, session=session, answers=answers_for(session_form(), text="The first comment given")
    )
    assert (PendingResponse.objects.count(), Response.objects.count()) == (1, 0)
    responses = admin_client_.get(reverse("admin:feedback_response_changelist")).content.decode()
    answers = admin_client_.get(reverse("admin:feedback_answer_changelist")).content.decode()
    assert str(pending.pk) not in responses and str(pending.pk) not in answers
    assert "The first comment given" not in answers
    assert admin_client_.get(reverse("admin:feedback_response_change", args=[pending.pk])).status_code == 302

    submit_response(
        member=second, session=session, answers=answers_for(session_form(), text="The second comment given")
    )
    assert (PendingResponse.objects.count(), Response.objects.count()) == (0, 2)
    responses = admin_client_.get(reverse("admin:feedback_response_changelist")).content.decode()
    answers = admin_client_.get(reverse("admin:feedback_answer_changelist")).content.decode()
    assert all(str(pk) in responses for pk in Response.objects.values_list("pk", flat=True))
    assert "The first comment given" in answers and "The second comment given" in answers
    released = Response.objects.first()
    assert admin_client_.get(reverse("admin:feedback_response_change", args=[released.pk])).status_code == 200


def test_no_question_can_be_added_to_an_answered_form(admin_client_, response):
    answered = session_form()
    assert admin_client_.get(reverse("admin:feedback_question_add"), {"form": answered.pk}).status_code == 403
    page = admin_client_.get(reverse("admin:feedback_question_add"))
    assert page.status_code == 200
    choices = {str(form.pk) for form in page.context["adminform"].form.fields["form"].queryset}
    assert str(answered.pk) not in choices
    assert str(Form.objects.get(family="society-survey").pk) in choices
    posted = admin_client_.post(
        reverse("admin:feedback_question_add"),
        {
            "form": answered.pk,
            "position": 99,
            "kind": "text",
            "text": "Sneaked in",
            "options-TOTAL_FORMS": 0,
            "options-INITIAL_FORMS": 0,
        },
    )
    assert posted.status_code == 403
    assert not Question.objects.filter(text="Sneaked in").exists()


def test_a_survey_with_responses_keeps_its_form_in_the_admin(admin_client_, settings):
    from tests.feedback.factories import a_survey, survey_form

    survey = a_survey(form=survey_form())
    url = reverse("admin:feedback_survey_change", args=[survey.pk])
    assert 'name="form"' in admin_client_.get(url).content.decode()
    submit_response(member=MemberFactory(year_of_study=2), survey=survey, answers=answers_for(survey_form()))
    assert 'name="form"' not in admin_client_.get(url).content.decode()


def test_the_receipt_list_names_no_session_or_survey(admin_client_, response):
    page = admin_client_.get(reverse("admin:feedback_receipt_changelist")).content.decode()
    receipt = Receipt.objects.select_related("session").get()
    assert "a session" in page
    assert receipt.session.title not in page
    assert (
        admin_client_.get(
            reverse("admin:feedback_receipt_changelist"), {"session__id__exact": receipt.session_id}
        ).status_code
        == 400
    )


@pytest.mark.parametrize(
    "lookup",
    ["session_id", "session", "session__title", "survey_id", "survey__id__exact", "member__feedback_receipts__session"],
)
def test_the_receipt_list_cannot_be_narrowed_to_one_scope_by_any_spelling(admin_client_, response, lookup):
    receipt = Receipt.objects.get()
    answer = admin_client_.get(reverse("admin:feedback_receipt_changelist"), {lookup: receipt.session_id or 1})
    assert answer.status_code == 400


def test_the_receipt_list_can_be_narrowed_to_one_member(admin_client_, response):
    receipt = Receipt.objects.select_related("member").get()
    page = admin_client_.get(reverse("admin:feedback_receipt_changelist"), {"member__id__exact": receipt.member_id})
    assert page.status_code == 200
    assert str(receipt.member) in page.content.decode()
