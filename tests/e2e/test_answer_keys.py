"""Answering feedback with the keyboard alone, and seeing where the focus is, in Chromium.

Scale questions are native radio groups drawn as buttons: Tab moves between groups, the arrow keys
move within one and choose, Space chooses. Every focused control shows a ring of at least 3:1.
"""

import pytest
from playwright.sync_api import Page, expect

from feedback.models import PendingResponse
from tests.factories import PASSWORD, MemberFactory
from tests.feedback.factories import attend, ended_session, sealed_answers, session_form

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
DARK_RING = "rgb(11, 12, 12)"
YELLOW = "rgb(255, 191, 71)"
COMMENT = "Clear worked examples."

# What the focused element shows: a .btn-check radio is visually hidden, so its label is what shows
# the ring. `background` is the first opaque background behind the ring.
FOCUS_RING = """() => {
  const focused = document.activeElement;
  const shown = focused.matches(".btn-check") ? document.querySelector(`label[for="${focused.id}"]`) : focused;
  const style = getComputedStyle(shown);
  let behind = shown.parentElement;
  while (behind && getComputedStyle(behind).backgroundColor.match(/rgba\\(.*, 0\\)|transparent/)) {
    behind = behind.parentElement;
  }
  return {
    isFocusVisible: focused.matches(":focus-visible"),
    tag: focused.tagName.toLowerCase(),
    name: focused.getAttribute("name") || "",
    value: focused.value || "",
    text: shown.textContent.trim(),
    inMenu: !!focused.closest("nav[aria-label='Main']"),
    inDropdown: !!focused.closest(".dropdown-menu"),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth),
    outlineColor: style.outlineColor,
    boxShadow: style.boxShadow,
    background: behind ? getComputedStyle(behind).backgroundColor : "rgb(255, 255, 255)",
  };
}"""


def _luminance(rgb: str) -> float:
    channels = [int(part) / 255 for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _assert_focus_shown(page: Page) -> dict:
    ring = page.evaluate(FOCUS_RING)
    assert ring["isFocusVisible"], ring
    assert ring["outlineStyle"] == "solid" and ring["outlineWidth"] >= 3, ring
    assert _contrast(ring["outlineColor"], ring["background"]) >= 3, ring
    return ring


def _sign_in(page: Page, base_url: str, email: str):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Successfully signed in")).to_be_visible()


def _attendee_with_a_form(live_server, page: Page):
    member = MemberFactory(email="aisha@example.ac.uk", first_name="Aisha", year_of_study=3)
    session = ended_session(title="Acid–base disorders", register_taken=True, target_years=[3])
    attend(session, member)
    _sign_in(page, live_server.url, member.email)
    page.goto(f"{live_server.url}/feedback/sessions/{session.pk}/")
    expect(page.get_by_role("heading", name="Feedback on “Acid–base disorders”")).to_be_visible()
    return session


def test_keyboard_alone_gives_ratings_other_than_1_with_the_focus_always_visible(live_server, page: Page):
    page.set_viewport_size(DESKTOP)
    session = _attendee_with_a_form(live_server, page)
    form = session_form()
    questions = {question.metric_key: question for question in form.questions.all()}
    name = {key: f"q{question.pk}" for key, question in questions.items()}

    # Each question's scale says what its ends mean: confidence is not rated from poor to excellent.
    confidence = page.get_by_role("group", name="How confident did you feel about this topic before the session?")
    expect(confidence.get_by_role("radio", name="1 – not at all confident")).to_have_count(1)
    expect(confidence.get_by_role("radio", name="5 – very confident")).to_have_count(1)
    expect(confidence).to_contain_text("not at all confident")
    expect(confidence.get_by_role("radio", name="5 – excellent")).to_have_count(0)
    overall = page.get_by_role("group", name="Overall, how would you rate this session?")
    expect(overall.get_by_role("radio", name="1 – poor")).to_have_count(1)
    expect(overall.get_by_role("radio", name="5 – excellent")).to_have_count(1)

    # Tab from the top of the page to the first question, the focus visible at every stop.
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        ring = _assert_focus_shown(page)
        if ring["name"] == name["overall"]:
            break
    assert (ring["name"], ring["value"]) == (name["overall"], "1")

    def press(key: str, *, expect_name: str, expect_value: str):
        page.keyboard.press(key)
        ring = _assert_focus_shown(page)
        assert (ring["name"], ring["value"]) == (expect_name, expect_value), ring
        if ring["tag"] == "input":
            # The focused answer is drawn with the dark ring and yellow halo of every other control.
            assert (ring["outlineColor"], YELLOW in ring["boxShadow"]) == (DARK_RING, True), str(ring)

    # Space chooses 1, the arrow keys move on and choose, Tab goes to the next question.
    press("Space", expect_name=name["overall"], expect_value="1")
    expect(overall.get_by_role("radio", name="1 – poor")).to_be_checked()
    for value in ("2", "3", "4"):
        press("ArrowRight", expect_name=name["overall"], expect_value=value)
    expect(overall.get_by_role("radio", name="4", exact=True)).to_be_checked()

    press("Tab", expect_name=name["teaching_quality"], expect_value="1")
    press("ArrowRight", expect_name=name["teaching_quality"], expect_value="2")
    press("ArrowRight", expect_name=name["teaching_quality"], expect_value="3")
    press("Space", expect_name=name["teaching_quality"], expect_value="3")

    press("Tab", expect_name=name["knowledge"], expect_value="1")
    for value in ("2", "3", "4", "5"):
        press("ArrowDown", expect_name=name["knowledge"], expect_value=value)

    press("Tab", expect_name=name["confidence_before"], expect_value="1")
    press("ArrowRight", expect_name=name["confidence_before"], expect_value="2")

    # ArrowLeft from the first answer wraps round to the last, as in any radio group.
    press("Tab", expect_name=name["confidence_after"], expect_value="1")
    press("ArrowLeft", expect_name=name["confidence_after"], expect_value="5")
    press("ArrowLeft", expect_name=name["confidence_after"], expect_value="4")

    press("Tab", expect_name=name["motivation"], expect_value="1")
    for value in ("2", "3", "4"):
        press("ArrowDown", expect_name=name["motivation"], expect_value=value)

    press("Tab", expect_name=name["community"], expect_value="1")
    press("ArrowRight", expect_name=name["community"], expect_value="2")

    options = {option.pk: option.value for option in questions["format_preference"].options.all()}
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    ring = _assert_focus_shown(page)
    assert (ring["name"], options[int(ring["value"])]) == (name["format_preference"], "no_preference")

    press("Tab", expect_name=name["went_well"], expect_value="")
    page.keyboard.type(COMMENT)
    press("Tab", expect_name=name["improve"], expect_value="")
    page.keyboard.press("Tab")
    ring = _assert_focus_shown(page)
    assert (ring["tag"], ring["text"]) == ("button", "Send my answers")
    page.keyboard.press("Space")
    expect(page.get_by_test_id("feedback-thanks")).to_contain_text("Thank you for your feedback")

    pending = PendingResponse.objects.get()
    assert pending.session_id == session.pk
    given = {}
    for answer in sealed_answers(pending):
        given[answer.question.metric_key] = answer.number or (answer.option and answer.option.value) or answer.text
    assert given == {
        "overall": 4,
        "teaching_quality": 3,
        "knowledge": 5,
        "confidence_before": 2,
        "confidence_after": 4,
        "motivation": 4,
        "community": 2,
        "format_preference": "no_preference",
        "went_well": COMMENT,
    }


def test_main_menu_shows_a_visible_focus_ring_on_every_link(live_server, page: Page):
    page.set_viewport_size(DESKTOP)
    committee = MemberFactory(email="chloe@example.ac.uk", first_name="Chloe", roles=["committee"])
    _sign_in(page, live_server.url, committee.email)
    page.goto(f"{live_server.url}/sessions/")
    menu = page.get_by_role("navigation", name="Main")
    expected = menu.locator("a[href]").count()

    page.locator("body").focus()
    seen = []
    for _ in range(expected + 3):
        page.keyboard.press("Tab")
        ring = _assert_focus_shown(page)
        if ring["inMenu"]:
            # A yellow ring on the teal bar.
            assert ring["outlineColor"] == YELLOW, ring
            seen.append(ring["text"])
        elif seen:
            break
    assert seen[:3] == ["MedEd", "Home", "Sessions"]
    assert {"Feedback to give", "Committee", "My profile", "Sign out"} <= set(seen)
    assert len(seen) == expected - menu.locator(".dropdown-menu a[href]").count()

    # The dropdown's items sit on white, so they take the dark ring with the yellow halo.
    menu.get_by_role("button", name="Committee").focus()
    page.keyboard.press("ArrowDown")
    ring = _assert_focus_shown(page)
    assert (ring["inDropdown"], ring["text"], ring["outlineColor"]) == (True, "Dashboard", DARK_RING)
    assert YELLOW in ring["boxShadow"]


def test_menu_button_on_a_phone_shows_a_visible_focus_ring(live_server, page: Page):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    page.locator("body").focus()
    for _ in range(5):
        page.keyboard.press("Tab")
        ring = _assert_focus_shown(page)
        if ring["tag"] == "button":
            break
    assert (ring["tag"], ring["inMenu"], ring["outlineColor"]) == ("button", True, YELLOW)


def test_rating_targets_are_equal_and_at_least_44_px_on_a_360_px_phone(live_server, page: Page):
    page.set_viewport_size(PHONE)
    _attendee_with_a_form(live_server, page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    form = session_form()
    ratings = [question for question in form.questions.all() if question.kind == "rating"]
    assert len(ratings) == 4
    for question in ratings:
        labels = page.locator(f"#question-{question.pk} label")
        expect(labels).to_have_count(5)
        boxes = [labels.nth(index).bounding_box() for index in range(5)]
        assert all(box["width"] >= 44 and box["height"] >= 44 for box in boxes), (question.text, boxes)
        widths = [round(box["width"]) for box in boxes]
        assert max(widths) - min(widths) <= 1, (question.text, widths)
        assert len({round(box["y"]) for box in boxes}) == 1, (question.text, boxes)
    # The other answers stack full width, each at least 44 px tall.
    for question in form.questions.exclude(kind__in=["rating", "text"]):
        for box in [label.bounding_box() for label in page.locator(f"#question-{question.pk} label").all()]:
            assert box["width"] >= 44 and box["height"] >= 44, (question.text, box)
