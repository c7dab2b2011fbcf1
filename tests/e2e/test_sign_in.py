import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(page: Page):
    page.set_default_timeout(10_000)
    return page


def test_member_signs_in_and_sees_their_profile(live_server, page: Page):
    MemberFactory(email="aisha.khan@example.ac.uk", first_name="Aisha", last_name="Khan", year_of_study=2)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("Aisha.Khan@example.ac.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Welcome, Aisha")).to_be_visible()
    page.get_by_role("link", name="My profile").first.click()
    expect(page).to_have_url(re.compile(r"/profile/$"))
    expect(page.get_by_role("heading", name="My profile")).to_be_visible()
    expect(page.get_by_test_id("profile-email")).to_contain_text("aisha.khan@example.ac.uk")
    # The year is shown, not edited: a correction is a request to the committee.
    expect(page.get_by_test_id("profile-year")).to_have_text("Year 2")
    page.get_by_role("link", name="Ask to correct your year").click()
    page.get_by_label("The year you are in").select_option("3")
    page.get_by_role("button", name="Send to the committee").click()
    expect(page.get_by_text("Your request has gone to the committee")).to_be_visible()
    expect(page.get_by_test_id("year-request-status")).to_contain_text("correct your year to Year 3")
    expect(page.get_by_test_id("profile-year")).to_have_text("Year 2")


def test_wrong_password_is_refused_with_a_message(live_server, page: Page):
    MemberFactory(email="ben@example.ac.uk")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("ben@example.ac.uk")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The email address and/or password you specified are not correct.")
    expect(page).to_have_title("Error: Sign in – MedEd")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    summary.get_by_role("link").click()
    expect(page.get_by_label("Email")).to_be_focused()


def test_phone_layout_has_a_working_menu_button(live_server, page: Page):
    member = MemberFactory(email="chen@example.ac.uk", first_name="Chen")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    profile_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="My profile")
    expect(profile_link).to_be_hidden()
    page.get_by_role("button", name="Show menu").click()
    expect(profile_link).to_be_visible()


def test_signing_in_from_the_home_page_ends_with_the_browser_unless_kept(live_server, page: Page):
    MemberFactory(email="dara@example.ac.uk", first_name="Dara")
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_label("Keep me signed in")).not_to_be_checked()
    page.get_by_label("Email").fill("dara@example.ac.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome, Dara")).to_be_visible()
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    assert cookie["expires"] == -1  # a browser-session cookie
