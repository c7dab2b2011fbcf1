import pytest
from playwright.sync_api import Page, expect

from feedback.models import Response
from tests.factories import PASSWORD, MemberFactory
from tests.feedback import survey_exports as exports

pytestmark = pytest.mark.django_db(transaction=True)


def test_committee_maps_a_qualtrics_export_fixes_a_bad_row_and_sees_the_results_by_band(
    live_server, page: Page, tmp_path
):
    MemberFactory(email="chloe@example.ac.uk", first_name="Chloe", roles=["committee"])
    export = tmp_path / "Society survey 2025-26.csv"
    bad = [list(row) for row in exports.ANSWERS]
    bad[3][2] = "Sometimes online"
    export.write_bytes(exports.qualtrics_csv([tuple(row) for row in bad]))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("chloe@example.ac.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/feedback/surveys/")
    page.get_by_role("link", name="Import a past survey").click()

    page.get_by_label("Export file").set_input_files(export)
    page.get_by_label("Survey title").fill("Society survey 2025-26")
    page.get_by_label("Academic year").fill("2025-26")
    page.get_by_role("button", name="Upload").click()

    # Each column has its dropdown; the questions are guessed from the wording, the rest left out.
    expect(page.get_by_label("Q3 — Which format do you prefer for teaching sessions?")).to_have_value(
        "format_preference"
    )
    expect(page.get_by_label("RecipientEmail — Recipient Email")).to_have_value("")
    page.get_by_label("Q7 — What does the society give you?").select_option("society_gives")
    page.get_by_role("button", name="Preview").click()

    errors = page.get_by_role("alert")
    expect(errors).to_be_focused()
    expect(errors).to_contain_text("Nothing was imported from Society survey 2025-26.csv: 1 problem to fix.")
    expect(errors).to_contain_text(
        "Row 8, Q3: “Sometimes online” is not an option of “Which format do you prefer for teaching sessions?” "
        "(Online, In person)"
    )
    assert not Response.objects.exists()

    export.write_bytes(exports.qualtrics_csv())
    page.get_by_label("Export file").set_input_files(export)
    page.get_by_label("Survey title").fill("Society survey 2025-26")
    page.get_by_label("Academic year").fill("2025-26")
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("preview")).to_contain_text(
        "8 responses from Qualtrics would be imported into “Society survey 2025-26”. 1 unfinished and 0 empty rows"
    )
    page.get_by_role("button", name="Import 8 responses").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Society survey 2025-26")
    expect(page.get_by_test_id("responses")).to_have_text(
        "8 responses, all imported from Qualtrics (Years 1–2: 3; Years 3–6: 5)."
    )
    knowledge = page.get_by_test_id("question-result").filter(has_text="improved my knowledge")
    expect(knowledge).to_contain_text("Years 1–2")
    assert Response.objects.filter(is_imported=True).count() == 8
