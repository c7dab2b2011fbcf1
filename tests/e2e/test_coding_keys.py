"""The coding screen in the browser: a committee member codes comments with the keyboard only."""

import pytest
from playwright.sync_api import Page, expect

from feedback.models import Coding
from tests.factories import PASSWORD, MemberFactory
from tests.feedback.coding_data import codes, empty_codebook, session_comment

pytestmark = pytest.mark.django_db(transaction=True)


def test_committee_member_codes_a_comment_by_keyboard_and_moves_on(live_server, page: Page):
    empty_codebook()
    book = codes(Academic=["Exam preparation", "Clinical skills"], Community=["Belonging"])
    first, second = sorted(
        [session_comment("The exam tips were brilliant"), session_comment("I made friends in year 4")],
        key=lambda answer: answer.pk,
    )
    coder = MemberFactory(email="chloe@example.ac.uk", roles=["committee"])

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(coder.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Successfully signed in")).to_be_visible()

    page.goto(f"{live_server.url}/feedback/coding/")
    expect(page.get_by_text(first.text)).to_be_visible()
    expect(page.get_by_text("Keys, while focus is in this form (Tab to a code’s box)")).to_be_visible()
    # Focus outside the coding form: a key ticks nothing (WCAG 2.1.4).
    page.keyboard.press("1")
    expect(page.get_by_label("1 Exam preparation")).not_to_be_checked()
    page.get_by_label("1 Exam preparation").focus()
    page.keyboard.press("1")
    page.keyboard.press("3")
    page.keyboard.press("3")  # pressed twice: unticked again
    expect(page.get_by_label("1 Exam preparation")).to_be_checked()
    expect(page.get_by_label("3 Belonging")).not_to_be_checked()
    page.keyboard.press("Enter")

    expect(page.get_by_text(second.text)).to_be_visible()
    expect(page.get_by_text("1 of 2 coded by you")).to_be_visible()
    page.keyboard.press("3")  # the new page's focus is outside the form again
    expect(page.get_by_label("3 Belonging")).not_to_be_checked()
    # Typing in a field leaves the codes alone.
    page.get_by_label("Show", exact=True).focus()
    page.keyboard.press("3")
    expect(page.get_by_label("3 Belonging")).not_to_be_checked()

    coding = Coding.objects.get(answer=first, coder=coder)
    assert [code.name for code in coding.codes.all()] == [book["Exam preparation"].name]
