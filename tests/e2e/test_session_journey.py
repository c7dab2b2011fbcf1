import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from events.models import Session
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page: Page, base_url: str, email: str):
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Successfully signed in")).to_be_visible()


def test_teacher_proposes_committee_approves_attendee_finds_it_with_a_filter(live_server, page: Page):
    MemberFactory(email="tom@example.ac.uk", first_name="Tom", last_name="Okafor", year_of_study=5, roles=["teacher"])
    MemberFactory(email="chloe@example.ac.uk", first_name="Chloe", roles=["committee"])
    MemberFactory(email="aisha@example.ac.uk", first_name="Aisha", year_of_study=2)
    day = timezone.localdate() + dt.timedelta(days=10)

    # The teacher proposes a session for years 1 and 2 and submits it.
    _sign_in(page, live_server.url, "tom@example.ac.uk")
    page.get_by_role("link", name="Propose a session").first.click()
    page.get_by_label("Title").fill("Renal physiology made simple")
    page.get_by_label("Topic").fill("Renal")
    page.get_by_label("Format").select_option("online")
    page.get_by_label("Year 1").check()
    page.get_by_label("Year 2").check()
    page.get_by_label("Starts").fill(f"{day:%Y-%m-%d}T18:00")
    page.get_by_label("Ends").fill(f"{day:%Y-%m-%d}T19:00")
    page.get_by_label("Meeting link").fill("https://teams.microsoft.com/l/meetup-join/abc")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("has been sent to the committee for approval")).to_be_visible()
    expect(page.get_by_test_id("session-status")).to_have_text("Awaiting approval")

    # The committee approves it from the queue.
    _sign_in(page, live_server.url, "chloe@example.ac.uk")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Committee").click()
    nav.get_by_role("link", name="Sessions awaiting approval").click()
    page.get_by_role("button", name="Approve Renal physiology made simple").click()
    expect(page.get_by_text("1 session published.")).to_be_visible()
    assert Session.objects.get().status == "published"

    # An attendee in year 2 finds it in the catalogue, narrowing by topic.
    _sign_in(page, live_server.url, "aisha@example.ac.uk")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions", exact=True).click()
    expect(page.get_by_label("Year", exact=True)).to_have_value("2")
    page.get_by_label("Topic").select_option("Renal")
    page.get_by_role("button", name="Show sessions").click()
    expect(page).to_have_url(re.compile(r"topic=Renal"))
    card = page.get_by_role("article").filter(has_text="Renal physiology made simple")
    expect(card).to_contain_text("Tom Okafor")
    expect(card).to_contain_text("18:00–19:00")
    card.get_by_role("link", name="Renal physiology made simple").click()
    expect(page.get_by_role("heading", name="Renal physiology made simple")).to_be_visible()
    expect(page.get_by_text("The link is shown once you have a place.")).to_be_visible()

    # She registers, and the meeting link appears.
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("You have a place at “Renal physiology made simple”.")).to_be_visible()
    expect(page.get_by_test_id("registration")).to_contain_text("You have a place (online).")
    expect(page.get_by_role("link", name="https://teams.microsoft.com/l/meetup-join/abc")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My sessions").click()
    expect(page.get_by_role("link", name="Join online")).to_have_attribute(
        "href", "https://teams.microsoft.com/l/meetup-join/abc"
    )
