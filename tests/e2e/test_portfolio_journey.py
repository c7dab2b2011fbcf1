"""The teaching portfolio end to end in Chromium: a teacher opens their portfolio, picks two
comments and downloads the PDF; an anonymous visitor opens the verification link printed on it
and sees the same figures. Page 1 of the PDF is rendered to a PNG among the test's artefacts
(test-results/), to look at."""

import importlib.util
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from certificates.document import texts
from certificates.models import Certificate
from teachers.enums import TeachingRole
from teachers.services import apply_to_teach, approve_application
from tests.factories import PASSWORD, MemberFactory
from tests.feedback.factories import attend, past_session, respond, session_form
from tests.teachers.factories import RosterEntryFactory

pytestmark = pytest.mark.django_db(transaction=True)

PICKED = ["The worked examples made acid–base click.", "Clear diagrams, calm pace."]
NOT_PICKED = "Could we have a handout?"
PHONE = {"width": 360, "height": 740}


def _sign_in(page: Page, base_url: str, email: str):
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Successfully signed in")).to_be_visible()


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def teacher(settings):
    settings.FEEDBACK_MIN_RESPONSES = 3
    chloe = MemberFactory(first_name="Chloe", last_name="Chair", roles=["committee"])
    tom = MemberFactory(first_name="Tom", last_name="Okafor", email="tom@example.ac.uk", year_of_study=5)
    approve_application(application=apply_to_teach(member=tom, subjects="Renal", motivations=["career"]), by=chloe)
    form = session_form()
    acid_base = past_session(lead=tom, days_ago=21, title="Acid–base balance", target_years=[2, 3])
    ecg = past_session(days_ago=14, title="ECG basics", target_years=[3])
    RosterEntryFactory(session=ecg, teacher=tom, role=TeachingRole.CO_TEACHER)
    small = past_session(lead=tom, days_ago=7, title="Small group tutorial", target_years=[2])
    for overall, knowledge, comment in ((5, 5, PICKED[0]), (4, 4, NOT_PICKED), (5, 4, ""), (3, 2, "")):
        respond(
            form=form,
            session=acid_base,
            overall=overall,
            knowledge=knowledge,
            **({"went_well": comment} if comment else {}),
        )
    for overall, comment in ((4, PICKED[1]), (5, ""), (4, "")):
        respond(form=form, session=ecg, overall=overall, knowledge=4, **({"went_well": comment} if comment else {}))
    respond(form=form, session=small, overall=1, knowledge=1, went_well="Only one person wrote this")
    for year in (2, 2, 3):
        attend(acid_base, MemberFactory(year_of_study=year))
    return tom


def test_teacher_picks_comments_downloads_the_pdf_and_a_visitor_verifies_the_same_figures(
    live_server, teacher, page: Page, browser, output_path
):
    artefacts = Path(output_path)
    artefacts.mkdir(parents=True, exist_ok=True)
    _sign_in(page, live_server.url, "tom@example.ac.uk")
    page.goto(f"{live_server.url}/teaching/")
    page.get_by_role("link", name="Teaching portfolio").click()
    expect(page.get_by_role("heading", name="My teaching portfolio")).to_be_visible()
    taught, feedback = page.get_by_test_id("document-section").all()[:2]
    expect(taught.locator("tbody tr")).to_have_count(3)
    expect(feedback).to_contain_text("Small group tutorial, ")
    expect(feedback).to_contain_text(": fewer than 3 responses")
    # Overall rating across the two sessions shown: (5 + 4 + 5 + 3 + 4 + 5 + 4) / 7.
    expect(feedback.locator("tbody tr").nth(1)).to_have_text(re.compile(r"Overall rating\s*4\.29\s*–\s*7"))
    expect(page.get_by_text("Only one person wrote this")).to_have_count(0)

    for comment in PICKED:
        page.get_by_label(f"“{comment}”").check()
    page.get_by_role("button", name="Save my choice").click()
    expect(page.get_by_text("Your portfolio now quotes 2 comments.")).to_be_visible()
    for comment in PICKED:
        expect(page.get_by_label(f"“{comment}”")).to_be_checked()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my portfolio (PDF)").click()
    pdf_path = artefacts / "portfolio.pdf"
    download_info.value.save_as(pdf_path)
    content = pdf_path.read_bytes()
    pdf = _one_line(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))
    certificate = Certificate.objects.get(holder=teacher, kind="portfolio")
    link = re.search(r"Check this certificate at (\S+)", pdf)[1]
    assert link == f"https://meded.example.ac.uk/verify/{certificate.code}/"
    assert "All sessions shown (7 responses) Overall rating 4.29 – 7" in pdf
    assert all(comment in pdf for comment in PICKED) and NOT_PICKED not in pdf
    _render_first_page(content, artefacts / "portfolio-page-1.png")
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    visitor = browser.new_context()
    try:
        anonymous = visitor.new_page()
        # The link printed on the PDF, on this test server (SITE_URL names the production host).
        anonymous.goto(link.replace("https://meded.example.ac.uk", live_server.url))
        expect(anonymous.get_by_test_id("verification-result")).to_contain_text(
            "Genuine: this teaching portfolio was issued to Tom Okafor"
        )
        document = _one_line(anonymous.get_by_test_id("certificate-document").inner_text())
        for text in texts(certificate.body):
            assert text in document, text
            assert text in pdf, text
        assert "4.29" in document and "Chloe Chair" in document and certificate.code in document
        anonymous.screenshot(path=artefacts / "verification-page.png", full_page=True)
        # Assessors and teachers open these on phones too: the tables scroll, the page does not.
        anonymous.set_viewport_size(PHONE)
        assert anonymous.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        visitor.close()


def _render_first_page(content: bytes, path) -> None:
    """Page 1 as a PNG, to look at (pypdfium2, a development dependency; without it, nothing)."""
    if importlib.util.find_spec("pypdfium2") is None:
        return
    import pypdfium2

    document = pypdfium2.PdfDocument(content)
    try:
        document[0].render(scale=150 / 72).to_pil().save(path)
    finally:
        document.close()
