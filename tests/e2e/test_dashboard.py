"""The committee's dashboard in the browser: change the year and a filter, open a chart's table,
download a CSV; students and teachers are refused every analytics URL."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from attendance.enums import AttendanceStatus, Mode
from members.academic_year import AcademicYear
from tests.analytics.factories import held_session
from tests.factories import PASSWORD, MemberFactory
from tests.feedback.factories import attend

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Successfully signed in")).to_be_visible()


def test_committee_reads_last_year_filters_it_and_downloads_a_table(live_server, page: Page):
    last = AcademicYear(AcademicYear.current().start_year - 1)
    in_person = held_session(day=last.starts_on + dt.timedelta(days=70), title="Cardiac cycle", years=(1, 2))
    online = held_session(
        day=last.starts_on + dt.timedelta(days=77), title="Renal revision", format="online", years=(1, 2)
    )
    for year in (1, 2):
        attend(in_person, MemberFactory(year_of_study=year))
    attend(online, MemberFactory(year_of_study=4), mode=Mode.ONLINE, attended_mode=Mode.ONLINE)
    attend(online, MemberFactory(year_of_study=3), attendance=AttendanceStatus.ABSENT, mode=Mode.ONLINE)
    committee = MemberFactory(email="chloe@example.ac.uk", roles=["committee"])

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    sign_in(page, live_server, committee.email)
    page.get_by_role("button", name="Show menu").click()
    page.get_by_role("button", name="Committee").click()
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", name=f"Dashboard {AcademicYear.current().label}")).to_be_visible()

    page.get_by_label("Academic year").select_option(last.label)
    page.get_by_role("button", name="Show figures").click()
    expect(page.get_by_role("heading", name=f"Dashboard {last.label}")).to_be_visible()
    participants = page.get_by_test_id("chart-participants")
    expect(participants).to_contain_text(f"6 members took part in {last.label}")
    expect(page.get_by_test_id("chart-attendance")).to_contain_text("75.0% of 4 registrations were attended")
    expect(page.get_by_test_id("no-survey")).to_have_text(f"No survey closed in {last.label}. Surveys")

    page.get_by_label("Format").select_option(label="Online")
    page.get_by_role("button", name="Show figures").click()
    expect(page.get_by_test_id("chart-attendance")).to_contain_text("50.0% of 2 registrations were attended")
    expect(page.get_by_test_id("sessions-table")).to_contain_text("Renal revision")
    expect(page.get_by_test_id("sessions-table")).not_to_contain_text("Cardiac cycle")

    table = page.get_by_test_id("table-attendance")
    expect(table.get_by_role("table")).to_be_hidden()
    table.get_by_text("Show the data: Attendance").click()
    expect(table.get_by_role("row", name="Years 3–6 2 1 50.0%")).to_be_visible()

    with page.expect_download() as download_info:
        table.get_by_role("link", name="Download “Attendance” (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == f"meded-attendance-{last.label}-filtered.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Group", "Registered", "Attended", "Rate"]
    assert rows[2] == ["Years 3–6", "2", "1", "50.0%"]


@pytest.mark.parametrize("roles", [[], ["teacher"]], ids=["student", "teacher"])
def test_students_and_teachers_get_403_on_every_analytics_url(live_server, page: Page, roles):
    member = MemberFactory(email="someone@example.ac.uk", roles=roles)
    sign_in(page, live_server, member.email)
    for path in (
        "/analytics/",
        "/analytics/metrics.json",
        "/analytics/metrics.csv",
        "/analytics/tables/sessions.csv",
        "/analytics/tables/participants.csv",
    ):
        response = page.request.get(f"{live_server.url}{path}")
        assert response.status == 403, path
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("link", name="Dashboard", exact=True)).to_have_count(0)
