"""On a 360 px phone, the register of a full session and the approvals page keep every action on the
screen and big enough to tap; the register is marked from the keyboard alone. Each page leaves a
full-page screenshot in the Playwright output folder (test-results/ unless --output says otherwise)."""

import datetime as dt
import itertools
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from attendance.models import Registration
from attendance.services import register
from tests.events.factories import approved_session, submitted_session
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}
# What a person taps to act (the site's menu button sits outside <main>, not part of these pages). A radio
# drawn as a button (.btn-check) is hidden and tapped through its label; any other radio is tapped itself.
ACTIONS = """() => [
  ...document.querySelectorAll("main button, main input[type=submit], main a.btn"),
  ...[...document.querySelectorAll("main input[type=radio]")].map(
    radio => radio.classList.contains("btn-check") ? radio.labels[0] : radio),
]"""
FOCUSED_STATUS = """() => {
  const focused = document.activeElement;
  const shown = focused.classList.contains("btn-check") ? focused.labels[0] : focused;
  return {name: focused.name || focused.textContent.trim(), top: shown.getBoundingClientRect().top,
          barTop: document.querySelector(".register-save").getBoundingClientRect().top,
          isSave: focused.textContent.trim() === "Save the register"};
}"""
FIRST_NAMES = ["Amira", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Hannah", "Isaac", "Jack"]
LAST_NAMES = ["Adams", "Brown", "Clarke", "Davies"]

# What the sessions here share, besides each one's own: a long room name and meeting link that
# must not widen the page, 60 places, two hours and no description.
LONG_VENUE = "Lecture Theatre 1, Sir Alexander Fleming Building"
PHONE_SESSION = {
    "capacity": 60,
    "meeting_url": "https://teams.microsoft.com/l/meetup-join/a-very-long-meeting-link-that-must-not-widen-the-page",
    "hours": 2,
    "description": "",
}


@pytest.fixture
def committee_teacher(db):
    return MemberFactory(first_name="Sam", email="sam@example.ac.uk", year_of_study=6, roles=["teacher", "committee"])


def _sign_in(page: Page, live_server, member):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _full_register(teacher) -> tuple:
    start = timezone.now() + dt.timedelta(days=3)
    session = approved_session(
        teacher,
        title="Prescribing safety assessment: a long title that has to wrap",
        starts_at=start,
        target_years=[4, 5],
        venue=LONG_VENUE,
        **PHONE_SESSION,
    )
    names = list(itertools.product(FIRST_NAMES, LAST_NAMES))
    names[-1] = ("Bartholomew", "Featherstonehaugh-Worthington")
    registrations = [
        register(
            session=session,
            member=MemberFactory(first_name=first, last_name=last, year_of_study=4 + n % 2),
            mode="online" if n % 3 else "in_person",
        )
        for n, (first, last) in enumerate(names)
    ]
    return session, registrations


def _screenshot(page: Page, output_path: str, name: str) -> None:
    folder = Path(output_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=folder / f"{name}-360.png", full_page=True)


def _unreachable_actions(page: Page) -> list[dict]:
    """Every visible action that leaves the screen sideways or is under 44 px tall."""
    boxes = page.evaluate(
        "("
        + ACTIONS
        + """)()
            .filter(element => element.getClientRects().length)
            .map(element => {
              const box = element.getBoundingClientRect();
              const name = element.textContent.trim() || element.getAttribute("aria-label") || element.value;
              return {name: name.slice(0, 40), x: box.x, right: box.x + box.width, height: box.height};
            })"""
    )
    assert boxes, "no actions found"
    return [box for box in boxes if box["x"] < 0 or box["right"] > PHONE["width"] or box["height"] < 44]


def _scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def test_a_full_register_fits_a_phone_with_every_status_in_reach(
    live_server, page: Page, committee_teacher, output_path
):
    session, registrations = _full_register(committee_teacher)
    _sign_in(page, live_server, committee_teacher)

    page.goto(f"{live_server.url}/sessions/{session.pk}/attendance/")
    _screenshot(page, output_path, "register")

    assert _unreachable_actions(page) == []
    assert not _scrolls_sideways(page)
    expect(page.locator("label.register-status")).to_have_count(4 * len(registrations))
    for status in ("Present", "Late", "Absent", "Excused"):
        expect(
            page.get_by_role("group", name="Bartholomew Featherstonehaugh-Worthington").get_by_label(status)
        ).to_be_visible()


def test_the_register_is_marked_with_tab_and_the_arrow_keys(live_server, page: Page, committee_teacher):
    session, registrations = _full_register(committee_teacher)
    first, second = registrations[0], registrations[4]  # by name: Amira Adams, then Ben Adams
    Registration.objects.filter(pk=first.pk).update(attendance="present")
    page.emulate_media(reduced_motion="reduce")  # no smooth scrolling: where the focus lands is final at once
    _sign_in(page, live_server, committee_teacher)
    page.goto(f"{live_server.url}/sessions/{session.pk}/attendance/")

    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == f"status-{first.pk}":
            break
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("value", "present")  # Tab lands on the chosen status
    # The radio is hidden; its label, drawn as the button, shows the focus ring.
    ring = page.locator(f"label[for='status-{first.pk}-present']").evaluate("e => getComputedStyle(e).outlineStyle")
    assert ring == "solid"

    page.keyboard.press("ArrowRight")
    expect(page.locator(f"#status-{first.pk}-late")).to_be_checked()
    expect(page.locator(f"#status-{first.pk}-present")).not_to_be_checked()
    page.keyboard.press("ArrowRight")
    expect(page.locator(f"#status-{first.pk}-absent")).to_be_checked()
    page.keyboard.press("ArrowLeft")
    expect(page.locator(f"#status-{first.pk}-late")).to_be_checked()

    # Tab moves on to the next person, whose first status takes focus without being chosen.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_id(f"status-{second.pk}-present")
    expect(page.locator(f"#status-{second.pk}-present")).not_to_be_checked()
    page.keyboard.press("ArrowRight")
    expect(page.locator(f"#status-{second.pk}-late")).to_be_checked()
    page.keyboard.press("Space")  # Space keeps the chosen one
    expect(page.locator(f"#status-{second.pk}-late")).to_be_checked()

    # On to Save past everyone else: no focused status is hidden under the Save bar kept at the foot of the
    # screen (WCAG 2.4.11; the page scrolls to keep it clear, but one already on screen may sit partly under it).
    hidden = []
    for _ in range(len(registrations) + 5):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUSED_STATUS)
        if focus["isSave"]:
            break
        if focus["top"] >= focus["barTop"]:
            hidden.append(focus["name"])
    assert hidden == []
    page.keyboard.press("Enter")
    expect(page.get_by_text("has been saved")).to_be_visible()
    assert dict(Registration.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "attendance")) == {
        first.pk: "late",
        second.pk: "late",
    }


def test_sessions_awaiting_approval_fit_a_phone_with_their_warnings_and_buttons(
    live_server, page: Page, committee_teacher, output_path
):
    start = timezone.now() + dt.timedelta(days=5)
    published = approved_session(
        committee_teacher,
        title="Cardiac cycle and heart sounds",
        starts_at=start,
        target_years=[4, 5],
        venue=LONG_VENUE,
        **PHONE_SESSION,
    )
    submitted_session(
        MemberFactory(first_name="Lucy", last_name="Hart", year_of_study=6, roles=["teacher"]),
        title="Prescribing safety assessment: a practice paper under exam conditions",
        starts_at=published.starts_at,
        target_years=[4, 5],
        venue=LONG_VENUE,
        **PHONE_SESSION,
    )
    submitted_session(
        MemberFactory(first_name="Tom", last_name="Okafor", year_of_study=4, roles=["teacher"]),
        title="Cardiology for finals",
        starts_at=start + dt.timedelta(days=3),
        target_years=[4, 5, 6],
        venue="Seminar Room 3",
        **PHONE_SESSION,
    )
    submitted_session(
        MemberFactory(year_of_study=5, roles=["teacher"]),
        title="Anatomy of the upper limb",
        starts_at=start + dt.timedelta(days=6),
        target_years=[1, 2],
        format="online",
        venue="",
        **PHONE_SESSION,
    )
    _sign_in(page, live_server, committee_teacher)

    page.goto(f"{live_server.url}/sessions/approvals/")
    _screenshot(page, output_path, "approvals")

    assert _unreachable_actions(page) == []
    assert not _scrolls_sideways(page)
    expect(page.locator(".approval-card")).to_have_count(3)
    expect(page.locator(".approval-card button[value^='approve:']")).to_have_count(3)
    expect(page.get_by_text("Clashes with “Cardiac cycle and heart sounds”")).to_be_visible()
    expect(page.get_by_text("Tom Okafor (year 4) is not at least 1 year above year 6.")).to_be_visible()

    page.get_by_role("button", name="Approve Cardiology for finals").click()
    expect(page.get_by_text("1 session published.")).to_be_visible()
    expect(page.locator(".approval-card")).to_have_count(2)


def test_the_catalogues_skip_link_takes_the_keyboard_past_the_filters(live_server, page: Page, committee_teacher):
    approved_session(
        committee_teacher,
        title="Cardiac cycle and heart sounds",
        starts_at=timezone.now() + dt.timedelta(days=5),
        target_years=[6],
        venue=LONG_VENUE,
        **PHONE_SESSION,
    )
    _sign_in(page, live_server, committee_teacher)
    page.goto(f"{live_server.url}/sessions/")

    skip = page.get_by_role("link", name="Skip to results")
    for _ in range(15):
        page.keyboard.press("Tab")
        if skip.evaluate("e => e === document.activeElement"):
            break
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["width"] > 50 and box["height"] >= 24  # shown once focused
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_be_focused()
    expect(page.locator("#results")).to_have_text("1 session found.")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Cardiac cycle and heart sounds")
