import pytest
from playwright.sync_api import Page, expect

from members.models import Member
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page: Page, base_url: str, email: str):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_committee_fixes_a_bad_spreadsheet_and_imports_it(live_server, page: Page, tmp_path):
    MemberFactory(email="chloe@example.ac.uk", first_name="Chloe", roles=["committee"])
    bad = tmp_path / "members.csv"
    bad.write_text(
        "email,first_name,last_name,year_of_study\nnia@example.ac.uk,Nia,Okoye,7\nsam@gmail.com,Sam,Patel,2\n"
    )
    _sign_in(page, live_server.url, "chloe@example.ac.uk")

    page.get_by_role("link", name="Import members").first.click()
    page.get_by_label("Spreadsheet").set_input_files(bad)
    page.get_by_role("button", name="Import").click()

    errors = page.get_by_role("alert")
    expect(errors).to_be_focused()  # read out first by screen readers, reachable from the keyboard
    expect(errors).to_contain_text("Nothing was imported from members.csv: 2 problems to fix.")
    expect(errors).to_contain_text("Row 2: year of study “7” is not a whole number from 1 to 6.")
    expect(errors).to_contain_text("Row 3: “sam@gmail.com” is not at an allowed domain (example.ac.uk).")
    assert Member.objects.count() == 1

    bad.write_text(
        "email,first_name,last_name,year_of_study\nnia@example.ac.uk,Nia,Okoye,1\nsam@example.ac.uk,Sam,Patel,2\n"
    )
    page.get_by_label("Spreadsheet").set_input_files(bad)
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("status")).to_contain_text("Imported members.csv: 2 created, 0 updated, 0 unchanged.")
    assert set(Member.objects.values_list("email", flat=True)) == {
        "chloe@example.ac.uk",
        "nia@example.ac.uk",
        "sam@example.ac.uk",
    }


def test_member_without_the_committee_role_does_not_see_the_import(live_server, page: Page):
    MemberFactory(email="ben@example.ac.uk")
    _sign_in(page, live_server.url, "ben@example.ac.uk")

    expect(page.get_by_role("link", name="Import members")).to_have_count(0)
    response = page.goto(f"{live_server.url}/members/import/")
    assert response.status == 403
