"""Check-in and most browsing happen on phones: no page may be wider than a phone's screen."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from members.services import request_year_of_study_correction
from teachers.services import propose_session
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    "/",
    "/sessions/",
    "/sessions/month/",
    "/calendar/",
    "/sessions/approvals/",
    "/teaching/",
    "/teaching/propose/",
    "/members/import/",
    "/profile/",
    "/profile/year/",
    "/members/year-requests/",
]


def test_pages_fit_a_phone_screen(live_server, page: Page):
    member = MemberFactory(email="sam@example.ac.uk", year_of_study=6, roles=["teacher", "committee"])
    start = timezone.now() + dt.timedelta(days=4)
    session = propose_session(
        teacher=member,
        submit=True,
        title="Prescribing safety assessment: a long title that has to wrap",
        format="hybrid",
        venue="Lecture Theatre 1, Sir Alexander Fleming Building",
        capacity=40,
        meeting_url="https://teams.microsoft.com/l/meetup-join/a-very-long-meeting-link-that-must-not-widen-the-page",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        target_years=[4, 5, 6],
        topic="Pharmacology",
    )
    request_year_of_study_correction(
        member=MemberFactory(first_name="Bartholomew", last_name="Featherstonehaugh-Worthington", year_of_study=2),
        year=3,
        reason="I intercalated in pharmacology and returned to the third year of the course this September.",
    )
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    too_wide = {}
    for path in [*PAGES, f"/sessions/{session.pk}/", f"/sessions/{session.pk}/edit/"]:
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            too_wide[path] = width
    assert too_wide == {}
