import datetime as dt
import time

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from attendance import checkin
from events.models import Session
from events.services import approve_session
from teachers.services import propose_session
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page: Page, base_url: str, email: str):
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Successfully signed in")).to_be_visible()


def test_attendee_registers_checks_in_on_a_phone_and_appears_on_the_register(live_server, page: Page):
    teacher = MemberFactory(email="tom@example.ac.uk", first_name="Tom", year_of_study=5, roles=["teacher"])
    MemberFactory(email="aisha@example.ac.uk", first_name="Aisha", last_name="Khan", year_of_study=2)
    start = timezone.now() + dt.timedelta(days=1)
    session = propose_session(
        teacher=teacher,
        submit=True,
        title="Cardiac cycle",
        format="in_person",
        venue="LT1",
        capacity=40,
        target_years=[2],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    approve_session(session=session, by=teacher)

    # The attendee registers in advance.
    _sign_in(page, live_server.url, "aisha@example.ac.uk")
    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_test_id("registration")).to_contain_text("You have a place (in person).")

    # The session starts; on her phone she opens the link in the QR code on the teacher's screen.
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - dt.timedelta(minutes=2), ends_at=timezone.now() + dt.timedelta(minutes=58)
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/check-in/{session.pk}/{checkin.token_for(session.pk)}/")
    result = page.get_by_test_id("check-in-result")
    expect(result).to_have_text("You are checked in.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The teacher sees her on the register, present, checked in by QR code.
    page.set_viewport_size({"width": 1280, "height": 800})
    _sign_in(page, live_server.url, "tom@example.ac.uk")
    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    page.get_by_role("link", name="Register", exact=True).click()
    row = page.get_by_role("group", name="Aisha Khan")
    expect(row).to_contain_text("QR code at")
    expect(row.get_by_role("radio", name="Present")).to_be_checked()


def test_a_signed_out_phone_signs_in_from_the_qr_code_kept_signed_in_and_is_checked_in(live_server, page: Page):
    teacher = MemberFactory(email="tom@example.ac.uk", first_name="Tom", year_of_study=5, roles=["teacher"])
    MemberFactory(email="bea@example.ac.uk", first_name="Bea", year_of_study=2)
    start = timezone.now() - dt.timedelta(minutes=2)
    session = propose_session(
        teacher=teacher,
        submit=True,
        title="Renal physiology",
        format="in_person",
        venue="LT1",
        capacity=40,
        target_years=[2],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    approve_session(session=session, by=teacher)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/check-in/{session.pk}/{checkin.token_for(session.pk)}/")
    # On the way to checking in, the phone is kept signed in for the term unless she unticks it.
    expect(page.get_by_label("Keep me signed in")).to_be_checked()
    page.get_by_label("Email").fill("bea@example.ac.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("check-in-result")).to_have_text("You are checked in.")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    assert cookie["expires"] > time.time() + 15 * 7 * 24 * 3600
