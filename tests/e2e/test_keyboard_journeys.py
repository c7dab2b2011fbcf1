"""The main journeys by keyboard alone, in Chromium: Tab, Shift+Tab, Enter, Space and the arrow keys,
never a click, with the focus visible at every stop.

Giving feedback with ratings other than 1 by keyboard is in test_answer_keys.py.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from attendance import checkin
from attendance.enums import RegistrationState
from attendance.models import Registration
from events.enums import SessionStatus
from events.models import Session
from tests.events.factories import SessionFactory, approved_session, in_days
from tests.factories import MemberFactory
from tests.feedback.factories import attend

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}

# The focused element (for a visually hidden .btn-check radio, its label) and how its focus shows.
FOCUSED = """() => {
  const focused = document.activeElement;
  if (!focused || focused === document.body) return null;
  const shown = focused.matches(".btn-check") ? document.querySelector(`label[for="${focused.id}"]`) : focused;
  const style = getComputedStyle(shown);
  const label = focused.labels && focused.labels.length ? focused.labels[0].innerText : "";
  return {
    name: (focused.getAttribute("aria-label") || label || focused.innerText || "").trim().replace(/\\s+/g, " "),
    tag: focused.tagName.toLowerCase(),
    type: focused.getAttribute("type") || "",
    value: focused.value || "",
    // A date and time box's calendar button has the focus inside the box, not the box itself.
    isFocusVisible: focused.matches(":focus-visible, input:focus-within"),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    boxShadow: style.boxShadow,
  };
}"""


def assert_focus_visible(page: Page) -> dict:
    """The focused element matches :focus-visible and shows it: an outline at least 2 px wide, or a box-shadow."""
    focused = page.evaluate(FOCUSED)
    assert focused is not None, "nothing has the focus"
    assert focused["isFocusVisible"], focused
    has_outline = focused["outlineStyle"] != "none" and focused["outlineWidth"] >= 2
    assert has_outline or focused["boxShadow"] != "none", focused
    return focused


def press(page: Page, key: str) -> dict:
    page.keyboard.press(key)
    return assert_focus_visible(page)


def tab_to(page: Page, name: str, *, key: str = "Tab", limit: int = 60) -> dict:
    """Press Tab (or Shift+Tab) until the element named `name` has the focus, checking the focus shows at each stop."""
    seen = []
    for _ in range(limit):
        focused = press(page, key)
        if focused["name"] == name:
            return focused
        seen.append(focused["name"])
    raise AssertionError(f"{name!r} not reached with {key}; focus went through {seen}")


def type_date_and_time(page: Page, day: dt.date, time: str):
    """Fill a date and time box as the keyboard does, part by part in the browser's (US) order; the
    year takes up to six digits, so Tab moves on from it."""
    for key in f"{day:%m%d%Y}":
        page.keyboard.press(key)
    press(page, "Tab")
    for key in time:
        page.keyboard.press(key)
    assert_focus_visible(page)


def _signed_in(page: Page, live_server, member) -> Page:
    client = Client()
    client.force_login(member)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return page


def test_attendee_registers_then_cancels_through_the_confirm_page(live_server, page: Page):
    teacher = MemberFactory(first_name="Tom", year_of_study=5, roles=["teacher"])
    student = MemberFactory(first_name="Aisha", year_of_study=3)
    session = approved_session(
        teacher,
        title="Cardiac cycle",
        format="in_person",
        venue="Lecture Theatre 1",
        capacity=30,
        target_years=[3],
        starts_at=in_days(5),
        description="",
    )
    page.set_viewport_size(DESKTOP)
    _signed_in(page, live_server, student).goto(f"{live_server.url}/sessions/{session.pk}/")

    tab_to(page, "Register")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("registration")).to_contain_text("You have a place (in person).")
    registration = Registration.objects.get(session=session, member=student)
    assert registration.state == RegistrationState.REGISTERED

    # The confirm page says what happens to the place; "Keep my place" is one Tab further, and
    # Shift+Tab comes back to the button that cancels.
    page.locator("body").focus()
    tab_to(page, "Cancel my place")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Cancel your place at “Cardiac cycle”?")).to_be_visible()
    expect(page.get_by_test_id("what-happens")).to_contain_text("Your place goes back to the pool")
    tab_to(page, "Yes, cancel my place")
    assert press(page, "Tab")["name"] == "Keep my place"
    assert press(page, "Shift+Tab")["name"] == "Yes, cancel my place"
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Register")).to_be_visible()
    registration.refresh_from_db()
    assert registration.state == RegistrationState.CANCELLED


def test_attendee_checks_in_on_a_phone_by_typing_the_code(live_server, page: Page):
    student = MemberFactory(first_name="Aisha", year_of_study=3)
    session = SessionFactory(
        title="Cardiac cycle",
        status=SessionStatus.PUBLISHED,
        starts_at=timezone.now() - dt.timedelta(minutes=5),
        ends_at=timezone.now() + dt.timedelta(minutes=55),
    )
    registration = attend(session, student, attendance="")
    page.set_viewport_size(PHONE)
    _signed_in(page, live_server, student).goto(f"{live_server.url}/check-in/")

    # The code box has the focus as the page opens.
    focused = assert_focus_visible(page)
    assert (focused["tag"], focused["name"]) == ("input", "The six digits on the teacher's screen")
    page.keyboard.type(checkin.short_code_for(session.pk))
    focused = press(page, "Tab")
    assert (focused["tag"], focused["name"]) == ("button", "Check in")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("check-in-result")).to_have_text("You are checked in.")
    registration.refresh_from_db()
    assert registration.checked_in_at is not None


def test_teacher_proposes_a_session_and_the_committee_approves_it(live_server, page: Page):
    teacher = MemberFactory(first_name="Tom", last_name="Okafor", year_of_study=5, roles=["teacher"])
    committee = MemberFactory(first_name="Chloe", roles=["committee"])
    day = timezone.localdate() + dt.timedelta(days=10)
    page.set_viewport_size(DESKTOP)
    _signed_in(page, live_server, teacher).goto(f"{live_server.url}/teaching/propose/")

    page.locator("body").focus()
    tab_to(page, "Title*")
    page.keyboard.type("Renal physiology made simple")
    press(page, "Tab")
    page.keyboard.type("Renal")
    tab_to(page, "Format*")
    # A closed select chooses by typing the start of an option: in person, online, hybrid.
    press(page, "o")
    assert page.evaluate("document.activeElement.value") == "online"
    tab_to(page, "Year 1")
    press(page, "Space")
    press(page, "Tab")
    press(page, "Space")
    tab_to(page, "Starts*")
    type_date_and_time(page, day, "0600P")
    tab_to(page, "Ends*")
    type_date_and_time(page, day, "0700P")
    tab_to(page, "Meeting link")
    page.keyboard.type("https://teams.microsoft.com/l/meetup-join/abc")
    tab_to(page, "Submit for approval")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("session-status")).to_have_text("Awaiting approval")
    session = Session.objects.get()
    assert (session.title, session.topic, session.format, session.target_year_numbers) == (
        "Renal physiology made simple",
        "Renal",
        "online",
        [1, 2],
    )
    assert timezone.localtime(session.starts_at).replace(tzinfo=None) == dt.datetime.combine(day, dt.time(18))

    # The committee reaches the queue through the menu's dropdown, and approves it.
    page.context.clear_cookies()
    _signed_in(page, live_server, committee).goto(f"{live_server.url}/")
    page.locator("body").focus()
    tab_to(page, "Committee")
    press(page, "Enter")
    tab_to(page, "Sessions awaiting approval", key="ArrowDown", limit=12)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("awaiting approval")
    page.locator("body").focus()
    tab_to(page, "Approve Renal physiology made simple")
    page.keyboard.press("Enter")
    expect(page.get_by_text("1 session published.")).to_be_visible()
    session.refresh_from_db()
    assert session.status == SessionStatus.PUBLISHED
