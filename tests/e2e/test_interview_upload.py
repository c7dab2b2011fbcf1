import pytest
from playwright.sync_api import Page, expect

from feedback.models import Answer, Interview
from tests.factories import PASSWORD, MemberFactory
from tests.feedback import transcript_files as files

pytestmark = pytest.mark.django_db(transaction=True)


def test_committee_adds_a_teams_transcript_deciding_each_possible_name_then_codes_it(live_server, page: Page, tmp_path):
    MemberFactory(email="chloe@example.ac.uk", first_name="Chloe", roles=["committee"])
    transcript = tmp_path / "Interview 3.vtt"
    transcript.write_bytes(files.vtt())

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("chloe@example.ac.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/feedback/coding/")
    page.get_by_role("link", name="Add an interview").click()

    page.get_by_label("Transcript file").set_input_files(transcript)
    page.get_by_label("Academic year").fill("2025-26")
    page.get_by_label("Both attends and teaches").check()
    page.get_by_role("button", name="Upload").click()

    page.get_by_label("Kwame Mensah").check()
    page.get_by_role("button", name="Preview").click()
    excerpts = page.get_by_test_id("excerpts")
    expect(excerpts).to_contain_text("Excerpts of Participant 1 (3 turns of the interviewer dropped)")
    expect(excerpts).to_contain_text("Participant 1 from two years ago would not believe it.")
    expect(excerpts).not_to_contain_text("Kwame")

    page.get_by_role("button", name="Save 3 excerpts").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Say whether each of these is a name to hide or a word to keep: Priya, Krebs, Tomasz."
    )
    assert not Interview.objects.exists()

    page.get_by_label("A name: hide “Priya”").check()
    page.get_by_label("Not a name: keep “Krebs”").check()
    page.get_by_label("A name: hide “Tomasz”").check()
    page.get_by_role("button", name="Save 3 excerpts").click()

    expect(page.get_by_role("status")).to_contain_text("Participant 1: 3 excerpts kept to code")
    expect(page.get_by_text("Interview: Participant 1 (Both attends and teaches), 2025-26")).to_be_visible()
    texts = " ".join(Answer.objects.filter(response__interview__isnull=False).values_list("text", flat=True))
    assert "[name] runs the socials" in texts and "Priya" not in texts and "Krebs cycle" in texts
