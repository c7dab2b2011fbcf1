"""Every form, sent with mistakes, comes back with an error summary at the top of the page:
"There is a problem", each error a link to the control it is about, focused on load, and
"Error: " first in the page's title. Errors are still shown beside each field."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from events.enums import SessionStatus
from feedback import coding
from feedback.services import create_survey
from teachers.services import apply_to_teach
from tests.events.factories import SessionFactory
from tests.factories import PASSWORD, MemberFactory
from tests.feedback.coding_data import codes, session_comment
from tests.feedback.factories import attend, ended_session, survey_form
from tests.test_page_titles import _title

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    """The ids on the page, and the error summary's attributes and links."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.summaries: list[dict] = []
        self.links: list[str] = []
        self._in_summary = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if self._in_summary and tag == "div":
            self._in_summary += 1
        if attrs.get("data-testid") == "error-summary":
            self.summaries.append(attrs)
            self._in_summary = 1
        elif self._in_summary and tag == "a":
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if self._in_summary and tag == "div":
            self._in_summary -= 1


def assert_error_summary(response, *, errors: int | None = None) -> _Page:
    assert response.status_code == 200
    html = response.content.decode()
    page = _Page()
    page.feed(html)
    assert len(page.summaries) == 1, "one error summary"
    summary = page.summaries[0]
    assert (summary["role"], summary["tabindex"]) == ("alert", "-1")
    assert "data-focus-on-load" in summary
    assert "There is a problem" in html
    assert page.links, "the summary lists the errors"
    for href in page.links:
        assert href.startswith("#") and href[1:] in page.ids, f"{href} links to nothing on the page"
    if errors is not None:
        assert len(page.links) == errors
    assert _title(response).startswith("Error: ")
    return page


def _signed_in(client, **kwargs):
    member = MemberFactory(**kwargs)
    client.force_login(member)
    return member


# members


def test_profile(client):
    _signed_in(client)
    response = client.post(reverse("members:profile"), {"year_of_study": "9"})
    page = assert_error_summary(response)
    assert "#id_first_name" in page.links
    # Still beside the field, too.
    assert 'id="error_1_id_first_name"' in response.content.decode()


def test_year_of_study_request(client):
    _signed_in(client, year_of_study=3)
    assert_error_summary(client.post(reverse("members:year_request"), {}))


def test_member_import(client):
    _signed_in(client, roles=["committee"])
    assert_error_summary(client.post(reverse("members:import"), {}))


def test_close_account(client):
    _signed_in(client)
    page = assert_error_summary(client.post(reverse("members:close_account"), {"password": "wrong"}), errors=1)
    assert page.links == ["#id_password"]


# events


def test_edit_a_session_lists_every_problem(client):
    teacher = _signed_in(client, roles=["teacher"])
    session = SessionFactory(lead=teacher, created_by=teacher)
    response = client.post(reverse("events:edit", args=[session.pk]), {"title": ""})
    page = assert_error_summary(response)
    assert "#id_title" in page.links


def test_cancel_a_session(client):
    _signed_in(client, roles=["committee"])
    session = SessionFactory(status=SessionStatus.PUBLISHED)
    assert_error_summary(client.post(reverse("events:cancel", args=[session.pk]), {}))


def test_a_material_with_neither_file_nor_link_comes_back_on_the_session_page(client):
    teacher = _signed_in(client, roles=["teacher"], year_of_study=5)
    session = SessionFactory(status=SessionStatus.PUBLISHED, lead=teacher)
    response = client.post(reverse("events:add_material", args=[session.pk]), {"title": "Slides"})
    page = assert_error_summary(response, errors=1)
    assert page.links == ["#id_title"]
    html = response.content.decode()
    assert 'value="Slides"' in html
    assert "Attach a file or give a link (one of the two)." in html


def test_a_recording_link_that_is_not_a_link(client):
    teacher = _signed_in(client, roles=["teacher"], year_of_study=5)
    session = SessionFactory(status=SessionStatus.PUBLISHED, lead=teacher)
    response = client.post(reverse("events:recording", args=[session.pk]), {"recording_url": "not a link"})
    page = assert_error_summary(response, errors=1)
    assert page.links == ["#id_recording_url"]
    assert 'id="id_recording_url-error">Enter a full link, starting https://.</div>' in response.content.decode()


def test_sending_sessions_back_without_a_comment(client):
    _signed_in(client, roles=["committee"])
    session = SessionFactory(status=SessionStatus.SUBMITTED)
    response = client.post(reverse("events:approvals"), {"action": "send_back", "session": [session.pk]})
    page = assert_error_summary(response, errors=1)
    assert page.links == ["#id_comment"]
    assert f'id="select-{session.pk}" checked' in response.content.decode()


def test_approving_with_nothing_ticked_links_to_the_first_tick_box(client):
    _signed_in(client, roles=["committee"])
    session = SessionFactory(status=SessionStatus.SUBMITTED)
    page = assert_error_summary(client.post(reverse("events:approvals"), {"action": "approve"}), errors=1)
    assert page.links == [f"#select-{session.pk}"]


def test_catalogue_filters(client):
    _signed_in(client)
    assert_error_summary(client.get(reverse("events:catalogue"), {"format": "by-carrier-pigeon"}))


# teachers


def test_propose_a_session(client):
    _signed_in(client, roles=["teacher"])
    page = assert_error_summary(client.post(reverse("teachers:propose"), {"submit": "1"}))
    assert "#id_title" in page.links


def test_inviting_a_co_teacher_nobody_is_called(client):
    teacher = _signed_in(client, roles=["teacher"], year_of_study=5)
    session = SessionFactory(lead=teacher, created_by=teacher)
    response = client.post(reverse("teachers:invite", args=[session.pk]), {"name_or_email": "nobody at all"})
    page = assert_error_summary(response, errors=1)
    assert page.links == ["#invitee"]
    html = response.content.decode()
    assert 'value="nobody at all"' in html
    assert 'aria-describedby="invitee-error"' in html


def test_import_a_timetable(client):
    _signed_in(client, roles=["committee"])
    assert_error_summary(client.post(reverse("teachers:import_sessions"), {}))


def test_apply_to_teach(client):
    _signed_in(client, year_of_study=5)
    assert_error_summary(client.post(reverse("teachers:apply"), {}))


def test_declining_an_application_without_a_reason(client):
    applicant = MemberFactory(year_of_study=5, first_name="Aisha", last_name="Khan")
    application = apply_to_teach(member=applicant, subjects="Renal", motivations=["career"])
    _signed_in(client, roles=["committee"])
    response = client.post(reverse("teachers:applications"), {"decision": f"decline:{application.pk}"})
    page = assert_error_summary(response, errors=1)
    assert page.links == [f"#reason-{application.pk}"]
    assert "Give Aisha Khan a reason before declining." in response.content.decode()


# attendance


def test_a_wrong_check_in_code(client):
    _signed_in(client)
    page = assert_error_summary(client.post(reverse("attendance:code"), {"code": "000000"}), errors=1)
    assert page.links == ["#code"]
    assert 'aria-describedby="code-error"' in client.post(reverse("attendance:code"), {"code": "1"}).content.decode()


def test_a_walk_in_with_an_unknown_address_is_shown_again_on_the_register(client):
    _signed_in(client, roles=["committee"])
    session = ended_session()
    response = client.post(
        reverse("attendance:sheet", args=[session.pk]), {"walk_in": "1", "email": "ghost@example.ac.uk"}
    )
    page = assert_error_summary(response, errors=1)
    assert page.links == ["#walk-in-email"]
    html = response.content.decode()
    assert 'value="ghost@example.ac.uk"' in html
    assert 'id="walk-in-email-error">No member has the email ghost@example.ac.uk.</div>' in html


def test_an_attendance_report_without_a_file(client):
    _signed_in(client, roles=["committee"])
    session = ended_session()
    page = assert_error_summary(client.post(reverse("attendance:import_report", args=[session.pk]), {}), errors=1)
    assert page.links == ["#report-file"]


# feedback


def test_session_feedback_lists_each_unanswered_question(client):
    member = _signed_in(client)
    session = ended_session()
    attend(session, member)
    page = assert_error_summary(client.post(reverse("feedback:answer_session", args=[session.pk]), {}))
    assert all(re.fullmatch(r"#id_q\d+(_0)?", href) for href in page.links)


def test_form_builder_lists_the_details_and_every_question(client):
    _signed_in(client, roles=["committee"])
    data = {
        "title": "",
        "purpose": "session",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
        "questions-0-kind": "single",
        "questions-0-text": "Which part helped most?",
        "questions-0-options": "",
    }
    page = assert_error_summary(client.post(reverse("feedback:builder_create"), data))
    assert "#id_title" in page.links
    assert any(href.startswith("#id_questions-0-") for href in page.links)


def test_a_survey_with_unanswered_questions_lists_each_one(client):
    now = timezone.now()
    survey = create_survey(
        form=survey_form(), title="Annual survey", opens_at=now, closes_at=now + dt.timedelta(days=7), by=None
    )
    _signed_in(client, year_of_study=2)
    page = assert_error_summary(client.post(reverse("feedback:answer_survey", args=[survey.pk]), {}))
    required = [question for question in survey_form().questions.all() if question.is_required]
    assert len(page.links) == len([q for q in required if not q.is_for_teachers_only])


def test_a_past_survey_uploaded_without_a_file(client):
    _signed_in(client, roles=["committee"])
    page = assert_error_summary(client.post(reverse("feedback:survey_import"), {"step": "upload"}))
    assert "#id_file" in page.links


def test_an_interview_that_is_no_transcript_links_to_the_file_box(client):
    _signed_in(client, roles=["committee"])
    response = client.post(
        reverse("feedback:coding_interview"),
        {"step": "upload", "file": SimpleUploadedFile("notes.txt", b"hi"), "academic_year": "2025-26", "role": "both"},
    )
    page = assert_error_summary(response, errors=1)
    assert page.links == ["#id_file"]


def test_coding_filters(client):
    _signed_in(client, roles=["committee"])
    assert_error_summary(client.get(reverse("feedback:coding"), {"session": "not-a-session"}))


def _builder_data(*rows: dict) -> dict:
    data = {
        "title": "Workshop feedback",
        "purpose": "session",
        "questions-TOTAL_FORMS": str(len(rows)),
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data |= {f"questions-{index}-{name}": value for name, value in row.items()}
    return data


def test_form_builder_lists_a_refused_save_linking_to_the_form(client):
    _signed_in(client, roles=["committee"])
    twice = {"kind": "likert", "text": "I learnt a lot.", "metric_key": "knowledge", "is_required": "on"}
    response = client.post(reverse("feedback:builder_create"), _builder_data(twice, twice | {"text": "Again."}))
    page = assert_error_summary(response, errors=1)
    assert page.links == ["#id_title"]
    assert "Each metric can be measured by one question of a form only." in response.content.decode()


def test_form_builder_without_questions_links_to_the_first_question(client):
    _signed_in(client, roles=["committee"])
    page = assert_error_summary(client.post(reverse("feedback:builder_create"), _builder_data({"text": ""})))
    assert page.links[0].startswith("#id_")


def test_choose_a_session_form(client):
    committee = _signed_in(client, roles=["committee"])
    session = SessionFactory(status=SessionStatus.PUBLISHED, lead=committee)
    assert_error_summary(client.post(reverse("feedback:session_form", args=[session.pk]), {"form": "0"}))


def test_send_a_survey(client):
    _signed_in(client, roles=["committee"])
    assert_error_summary(client.post(reverse("feedback:survey_create"), {}))


def test_codebook_keeps_what_was_typed_and_says_what_is_wrong(client):
    _signed_in(client, roles=["committee"])
    book = codes(Community=["Belonging"])
    theme = book["Belonging"].theme
    response = client.post(
        reverse("feedback:coding_codebook"),
        {"action": f"add_code:{theme.pk}", f"new-code-{theme.pk}-name": "belonging"},
    )
    page = assert_error_summary(response, errors=1)
    assert page.links == [f"#id_new-code-{theme.pk}-name"]
    assert 'value="belonging"' in response.content.decode()


def test_the_same_coder_twice_links_the_problem_to_the_form(client):
    committee, other = _signed_in(client, roles=["committee"]), MemberFactory(roles=["committee"])
    codes(Community=["Belonging"])
    for coder in (committee, other):
        coding.save_coding(answer=session_comment("Friendly"), coder=coder, codes=[])
    response = client.get(reverse("feedback:coding_agreement"), {"a": committee.pk, "b": committee.pk})
    page = assert_error_summary(response, errors=1)
    assert page.links == ["#id_a"]


# notifications


def test_email_choices(client):
    _signed_in(client)
    assert_error_summary(client.post(reverse("notifications:preferences"), {"categories": ["no-such-kind"]}))


# analytics


def test_dashboard_filters(client):
    _signed_in(client, roles=["committee"])
    response = client.get(reverse("analytics:dashboard"), {"academic_year": "2025-26", "starts_on": "2030-01-01"})
    page = assert_error_summary(response, errors=1)
    assert page.links == ["#id_starts_on"]


# sign-in and account pages


def test_sign_in_with_a_wrong_password_links_to_the_email_field(client):
    MemberFactory(email="ada@example.ac.uk")
    response = client.post(reverse("account_login"), {"login": "ada@example.ac.uk", "password": "wrong"})
    page = assert_error_summary(response, errors=1)
    assert page.links == ["#id_login"]


def test_join(client):
    assert_error_summary(client.post(reverse("account_signup"), {"email": "someone@gmail.com"}))


def test_forgotten_password(client):
    assert_error_summary(client.post(reverse("account_reset_password"), {"email": "not an address"}))


def test_change_password(client):
    _signed_in(client)
    response = client.post(
        reverse("account_change_password"), {"oldpassword": "wrong", "password1": PASSWORD, "password2": "x"}
    )
    assert_error_summary(response)


def test_add_an_email_address(client):
    _signed_in(client)
    assert_error_summary(client.post(reverse("account_email"), {"action_add": "1", "email": "nope"}))


def test_a_page_without_errors_has_no_summary(client):
    _signed_in(client)
    response = client.get(reverse("members:profile"))
    assert 'data-testid="error-summary"' not in response.content.decode()
    assert not _title(response).startswith("Error")


@pytest.mark.parametrize(
    "name",
    ["events:catalogue", "events:month", "feedback:coding", "feedback:coding_themes", "analytics:dashboard"],
)
def test_filter_pages_opened_without_filters_have_no_summary(client, name):
    _signed_in(client, roles=["committee"])
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert 'data-testid="error-summary"' not in response.content.decode()
    assert not _title(response).startswith("Error")
