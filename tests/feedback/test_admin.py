import pytest
from django.urls import reverse

from feedback.models import Answer, Form, Question, Receipt, Response
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
    return submit_response(member=member, session=session, answers=answers_for(session_form()))


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


def test_the_admin_shows_no_unreleased_response_or_answer(admin_client_, settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    pending = submit_response(member=member, session=session, answers=answers_for(session_form()))
    assert Response.objects.get().is_released is False
    responses = admin_client_.get(reverse("admin:feedback_response_changelist"))
    answers = admin_client_.get(reverse("admin:feedback_answer_changelist"))
    assert str(pending.pk) not in responses.content.decode()
    assert "Clear and well paced." not in answers.content.decode()
    assert admin_client_.get(reverse("admin:feedback_response_change", args=[pending.pk])).status_code == 302
