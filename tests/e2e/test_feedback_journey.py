"""Feedback after a session, end to end in Chromium: an attendee who was present answers the form
on her phone; once five people have responded the lead teacher sees the totals; a committee
member codes the written comment with the keyboard.
"""

import re
from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from playwright.sync_api import Page, expect

from feedback.models import Coding, PendingResponse, Receipt, Response
from feedback.services import submit_response
from tests.factories import PASSWORD, MemberFactory
from tests.feedback.factories import answers_for, attend, ended_session, sealed_answers, session_form

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
COMMENT = "The worked blood gas examples finally made compensation click."
FORMAT_QUESTION = "Which format would you prefer for sessions like this?"


@pytest.fixture
def shipped_data(transactional_db):
    """The default session form and the codebook, which the app ships as data migrations. A
    transactional test before this one empties the tables, so they are written again here (each
    function skips what exists). serialized_rollback cannot do it: after a plain transactional
    test's flush has recreated the content types, restoring the snapshot collides with them."""
    import_module("feedback.migrations.0002_default_forms").create_forms(apps, None)
    import_module("feedback.migrations.0003_codebook").create_codebook(apps, None)


def _sign_in(page: Page, base_url: str, email: str):
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Successfully signed in")).to_be_visible()


def _tap_answer(page: Page, question: str, answer: str):
    """Tap the big button for `answer` under `question` (the radio itself is visually hidden)."""
    page.get_by_role("group", name=question).locator("label").filter(
        has_text=re.compile(f"^{re.escape(answer)}$")
    ).tap()


def _fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_attendee_answers_on_a_phone_teacher_sees_five_responses_committee_codes_the_comment(
    live_server, shipped_data, page: Page, new_context, tmp_path
):
    assert settings.FEEDBACK_MIN_RESPONSES == 5
    teacher = MemberFactory(
        email="tom@example.ac.uk", first_name="Tom", last_name="Okafor", year_of_study=5, roles=["teacher"]
    )
    coder = MemberFactory(email="chloe@example.ac.uk", first_name="Chloe", roles=["committee"])
    aisha = MemberFactory(email="aisha@example.ac.uk", first_name="Aisha", last_name="Khan", year_of_study=3)
    others = [MemberFactory(year_of_study=3) for _ in range(4)]
    session = ended_session(title="Acid–base disorders", lead=teacher, register_taken=True, target_years=[3])
    for member in [aisha, *others]:
        attend(session, member)
    form = session_form()
    questions = {question.metric_key: question for question in form.questions.all()}
    shots = iter(range(1, 100))

    def shot(on: Page, name: str):
        on.screenshot(path=tmp_path / f"{next(shots):02d}-{name}.png", full_page=True)

    # 1. On her phone, Aisha finds the session under "Feedback to give" in the menu.
    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    _sign_in(phone, live_server.url, aisha.email)
    phone.get_by_role("button", name="Show menu").tap()
    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Feedback to give").tap()
    card = phone.get_by_test_id(f"awaiting-session-{session.pk}")
    expect(card).to_contain_text("Acid–base disorders")
    expect(card).to_contain_text("Tom Okafor")
    assert _fits_the_phone(phone)
    shot(phone, "feedback-to-give")
    card.get_by_role("link", name="Give feedback on Acid–base disorders").tap()
    expect(phone.get_by_role("heading", name="Feedback on “Acid–base disorders”")).to_be_visible()
    assert _fits_the_phone(phone)
    shot(phone, "form")

    # She answers everything but the format, writes what went well, and sends.
    _tap_answer(phone, "Overall, how would you rate this session?", "5 – excellent")
    _tap_answer(phone, "How would you rate the quality of the teaching?", "5 – excellent")
    _tap_answer(phone, "This session improved my knowledge of the topic.", "Strongly agree")
    _tap_answer(phone, "How confident did you feel about this topic before the session?", "2")
    _tap_answer(phone, "How confident do you feel about this topic after the session?", "4")
    _tap_answer(phone, "This session motivated me to study.", "Agree")
    _tap_answer(phone, "I feel part of a community of peers.", "Agree")
    phone.get_by_label("What went well? (optional)").tap()
    phone.keyboard.type(COMMENT)
    phone.get_by_role("button", name="Send my answers").tap()

    # The missing answer is named at the top and next to its question; what she gave is kept.
    expect(phone.get_by_role("alert")).to_contain_text(f"{FORMAT_QUESTION} Please answer this question.")
    expect(phone.get_by_role("alert")).to_be_focused()
    format_group = phone.get_by_role("group", name=FORMAT_QUESTION)
    expect(format_group.locator(f"#error-{questions['format_preference'].pk}")).to_have_text(
        "Please answer this question."
    )
    expect(format_group).to_have_accessible_description("Please answer this question.")
    overall = phone.get_by_role("group", name="Overall, how would you rate this session?")
    expect(overall.get_by_label("5 – excellent")).to_be_checked()
    before = phone.get_by_role("group", name="How confident did you feel about this topic before the session?")
    expect(before.get_by_label("2", exact=True)).to_be_checked()
    motivation = phone.get_by_role("group", name="This session motivated me to study.")
    expect(motivation.get_by_label("Agree", exact=True)).to_be_checked()
    expect(phone.get_by_label("What went well? (optional)")).to_have_value(COMMENT)
    assert not PendingResponse.objects.exists() and not Response.objects.exists() and not Receipt.objects.exists()
    assert _fits_the_phone(phone)
    shot(phone, "missing-answer")

    _tap_answer(phone, FORMAT_QUESTION, "In person")
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.get_by_test_id("feedback-thanks")).to_contain_text("Thank you for your feedback")
    expect(phone).to_have_url(f"{live_server.url}/feedback/sessions/{session.pk}/thanks/")
    assert _fits_the_phone(phone)
    shot(phone, "thanks")

    # Her answers wait sealed until five have responded; opened, they are exactly what she gave.
    pending = PendingResponse.objects.get()
    assert pending.session_id == session.pk and pending.form_id == form.pk and not Response.objects.exists()
    given = {}
    for answer in sealed_answers(pending):
        given[answer.question.metric_key] = answer.number or (answer.option and answer.option.value) or answer.text
    assert given == {
        "overall": 5,
        "teaching_quality": 5,
        "knowledge": 5,
        "confidence_before": 2,
        "confidence_after": 4,
        "motivation": 4,
        "community": 4,
        "format_preference": "in_person",
        "went_well": COMMENT,
    }
    assert list(Receipt.objects.filter(session=session).values_list("member__email", flat=True)) == [aisha.email]

    # Coming back, she is told she has already responded, and nothing waits for her.
    phone.goto(f"{live_server.url}/feedback/sessions/{session.pk}/")
    expect(phone.get_by_test_id("feedback-refusal")).to_have_text(
        "You have already given feedback on this session. Thank you!"
    )
    expect(phone.get_by_role("button", name="Send my answers")).to_have_count(0)
    shot(phone, "already-responded")
    phone.get_by_role("link", name="Feedback to give").last.tap()
    expect(phone.get_by_text("Nothing waiting: thank you!")).to_be_visible()
    assert PendingResponse.objects.count() == 1
    phone.context.close()

    # 2. Three more attendees respond: four responses, and the lead teacher sees only the count.
    for member in others[:3]:
        submit_response(member=member, session=session, answers=answers_for(form, scale=4, text=""))
    page.set_viewport_size(DESKTOP)
    _sign_in(page, live_server.url, teacher.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My teaching").click()
    page.get_by_role("link", name="Feedback on Acid–base disorders").click()
    expect(page.get_by_role("heading", name="Feedback: Acid–base disorders")).to_be_visible()
    expect(page.get_by_test_id("not-enough")).to_have_text(
        "4 responses, not enough to show. Results appear once 5 people have given feedback, "
        "so that nobody's answers can be picked out."
    )
    expect(page.get_by_test_id("question-result")).to_have_count(0)
    expect(page.get_by_text(COMMENT)).to_have_count(0)
    shot(page, "results-four")

    # The fifth response: each question's distribution, its mean, and the comment.
    submit_response(member=others[3], session=session, answers=answers_for(form, scale=4, text=""))
    page.reload()
    expect(page.get_by_test_id("responses")).to_contain_text("5 responses.")
    expect(page.get_by_test_id("not-enough")).to_have_count(0)
    results = page.get_by_test_id("question-result")
    expect(results).to_have_count(len(questions))

    def result(question: str):
        return results.filter(has=page.get_by_role("heading", name=question, exact=True))

    def rows(question: str) -> list[list[str]]:
        return [row.locator("th, td").all_inner_texts()[:3] for row in result(question).locator("tbody tr").all()]

    overall_result = result("Overall, how would you rate this session?")
    expect(overall_result.get_by_test_id("summary")).to_have_text("5 answers · mean 4.20 out of 5")
    assert rows("Overall, how would you rate this session?") == [
        ["1 – poor", "0", "0.0"],
        ["2", "0", "0.0"],
        ["3", "0", "0.0"],
        ["4", "4", "80.0"],
        ["5 – excellent", "1", "20.0"],
    ]
    expect(
        result("How confident did you feel about this topic before the session?").get_by_test_id("summary")
    ).to_have_text("5 answers · mean 3.60 out of 5")
    expect(result("This session improved my knowledge of the topic.").get_by_test_id("summary")).to_have_text(
        "5 answers · mean 4.20 out of 5 · 100.0% agree or strongly agree"
    )
    assert rows("This session improved my knowledge of the topic.") == [
        ["Strongly disagree", "0", "0.0"],
        ["Disagree", "0", "0.0"],
        ["Neither agree nor disagree", "0", "0.0"],
        ["Agree", "4", "80.0"],
        ["Strongly agree", "1", "20.0"],
    ]
    expect(result(FORMAT_QUESTION).get_by_test_id("summary")).to_have_text("5 answers")
    assert rows(FORMAT_QUESTION) == [["Online", "4", "80.0"], ["In person", "1", "20.0"], ["No preference", "0", "0.0"]]
    expect(result("What went well?").get_by_test_id("comments")).to_have_text(COMMENT)
    expect(result("What could be improved?")).to_contain_text("No comments.")
    shot(page, "results-five")

    # 3. A committee member opens the coding screen, ticks a code by its key and saves with Enter.
    _sign_in(page, live_server.url, coder.email)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Committee").click()
    nav.get_by_role("link", name="Coding").click()
    expect(page.get_by_role("heading", name="What went well?")).to_be_visible()
    expect(page.locator("blockquote")).to_have_text(COMMENT)
    expect(page.get_by_text("0 of 1 coded by you")).to_be_visible()
    shot(page, "coding")
    page.locator("[data-coding-form] input[type=checkbox]").first.focus()  # keys work in the coding form
    page.keyboard.press("3")
    expect(page.get_by_label("3 Teaching quality")).to_be_checked()
    shot(page, "coding-ticked")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your codes have been saved.")).to_be_visible()
    expect(page.get_by_text("1 of 1 coded by you")).to_be_visible()
    expect(page.get_by_text("You have coded every comment that matches these filters.")).to_be_visible()
    shot(page, "coded")

    coding = Coding.objects.get()
    assert (coding.answer.text, coding.coder_id, coding.is_agreed) == (COMMENT, coder.pk, False)
    assert [code.name for code in coding.codes.all()] == ["Teaching quality"]
