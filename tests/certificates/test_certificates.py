"""Certificates as issued: the portfolio and attendance PDFs say exactly what their public
verification page says (read back with pypdf), tampered codes do not verify, and the committee
revokes a certificate on its page or in the admin."""

import html
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from attendance.enums import AttendanceStatus
from certificates.document import texts
from certificates.enums import CertificateKind
from certificates.models import Certificate
from certificates.services import CertificateError, revoke_certificate
from portfolio.selectors import choosable_comments
from portfolio.services import pick_comments
from teachers.enums import TeachingRole
from teachers.services import apply_to_teach, approve_application
from tests.factories import MemberFactory
from tests.feedback.factories import attend, past_session, respond, respond_many, session_form
from tests.teachers.factories import RosterEntryFactory

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def page_text(content: bytes, *, testid: str = "certificate-document") -> str:
    """The visible text of the element with `testid`, as one line."""
    markup = content.decode()
    start = markup.index(f'data-testid="{testid}"')
    end = markup.index("</article>", start) if testid == "certificate-document" else markup.index("</div>", start)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup[markup.index(">", start) + 1 : end])).split())


@pytest.fixture
def chloe():
    return MemberFactory(first_name="Chloe", last_name="Chair", email="chloe@example.ac.uk", roles=["committee"])


@pytest.fixture
def tom(chloe, settings):
    settings.FEEDBACK_MIN_RESPONSES = 3
    tom = MemberFactory(first_name="Tom", last_name="Okafor", email="tom@example.ac.uk", year_of_study=5)
    approve_application(application=apply_to_teach(member=tom, subjects="Renal", motivations=["career"]), by=chloe)
    form = session_form()
    renal = past_session(lead=tom, days_ago=30, title="Renal", target_years=[1, 2])
    cardiac = past_session(days_ago=20, title="Cardiac", target_years=[2])
    RosterEntryFactory(session=cardiac, teacher=tom, role=TeachingRole.CO_TEACHER)
    small = past_session(lead=tom, days_ago=10, title="Small")
    respond_many(3, form=form, session=renal, overall=5, knowledge=4, went_well="Clear and calm")
    respond(form=form, session=renal, overall=2, knowledge=2, went_well="Too fast")
    respond_many(3, form=form, session=cardiac, overall=4, knowledge=5, went_well="Great cases")
    respond_many(2, form=form, session=small, overall=1, went_well="Hidden, too few")
    attend(renal, MemberFactory(year_of_study=1))
    attend(renal, MemberFactory(year_of_study=2), attendance=AttendanceStatus.ABSENT)
    return tom


def _issue_portfolio(client, tom) -> Certificate:
    client.force_login(tom)
    response = client.post(reverse("portfolio:mine"), {"issue": "1"})
    certificate = Certificate.objects.get(kind=CertificateKind.PORTFOLIO)
    assert response["Location"] == reverse("certificates:pdf", args=[certificate.code])
    return certificate


def test_portfolio_pdf_says_exactly_what_its_verification_page_says(client, tom):
    comments = {comment.text: comment.id for comment in choosable_comments(teacher=tom)}
    pick_comments(teacher=tom, answer_ids=[comments["Great cases"], comments["Too fast"]])
    certificate = _issue_portfolio(client, tom)

    raw = client.get(reverse("certificates:pdf", args=[certificate.code])).content
    pdf = pdf_text(raw)
    client.logout()
    page = client.get(reverse("certificates:verify", args=[certificate.code]))
    document = page_text(page.content)

    issued = timezone.localtime(certificate.issued_at)
    shown = [
        *texts(certificate.body),
        "MedEd",
        "Tom Okafor",
        "Chloe Chair",
        f"{issued.day} {issued:%B %Y}",
        certificate.code,
    ]
    for text in shown:
        assert text.upper() in pdf.upper(), text
        assert text in document, text
    # The page shows nothing the document does not: take away every text of the certificate and
    # the labels both carry, and nothing is left but punctuation.
    rest = document
    for text in sorted(
        {*shown, "Near-peer teaching society", "Signed off by", "Date issued", "Verification code"},
        key=len,
        reverse=True,
    ):
        rest = rest.replace(text, " ")
    assert re.sub(r"[\s“”,]", "", rest) == ""

    assert "This certifies that Tom Okafor taught 3 sessions as a student-teacher of MedEd, 3 hours in all" in pdf
    assert "Signed off by Chloe Chair Committee member, MedEd" in pdf
    assert f"https://meded.example.ac.uk/verify/{certificate.code}/" in pdf
    assert "Genuine: this teaching portfolio was issued to Tom Okafor" in page_text(
        page.content, testid="verification-result"
    )


def test_portfolio_pdf_carries_the_results_pages_figures_and_only_the_picked_comments(client, tom):
    comments = {comment.text: comment.id for comment in choosable_comments(teacher=tom)}
    pick_comments(teacher=tom, answer_ids=[comments["Clear and calm"]])
    certificate = _issue_portfolio(client, tom)
    pdf = pdf_text(client.get(reverse("certificates:pdf", args=[certificate.code])).content)

    # Overall rating across Renal (5, 5, 5, 2) and Cardiac (4, 4, 4): the results pages' 4.14.
    assert "All sessions shown (7 responses) Overall rating 4.14 – 7" in pdf
    assert "Renal" in pdf and "Overall rating 4.25 – 4" in pdf
    assert "Small" in pdf and "fewer than 3 responses" in pdf
    assert "Clear and calm" in pdf
    for unpicked in ("Great cases", "Too fast", "Hidden, too few"):
        assert unpicked not in pdf


def test_a_tampered_code_does_not_verify_and_case_does_not_matter(client, tom):
    certificate = _issue_portfolio(client, tom)
    client.logout()
    tampered = certificate.code[:-1] + ("0" if certificate.code[-1] != "0" else "1")

    refused = client.get(reverse("certificates:verify", args=[tampered]))
    lower = client.get(reverse("certificates:verify", args=[certificate.code.lower()]))

    assert page_text(refused.content, testid="verification-result") == (
        f"No certificate has the code {tampered}. Check the code on the certificate."
    )
    assert "Tom Okafor" not in refused.content.decode()
    assert page_text(lower.content, testid="verification-result").startswith("Genuine:")


def test_the_committee_revokes_a_certificate_on_its_page_which_then_says_so(client, tom, chloe):
    certificate = _issue_portfolio(client, tom)
    url = reverse("certificates:verify", args=[certificate.code])
    assert client.post(url, {"reason": "Mine now"}).status_code == 403

    client.force_login(chloe)
    assert "Committee: revoke this certificate" in client.get(url).content.decode()
    client.post(url, {"reason": "Sessions were misreported"})
    client.logout()

    page = client.get(url)
    certificate.refresh_from_db()
    assert (certificate.revoked_by, certificate.revocation_reason) == (chloe, "Sessions were misreported")
    today = timezone.localdate()
    assert page_text(page.content, testid="verification-result") == (
        f"Revoked: this teaching portfolio issued to Tom Okafor was revoked by the committee on "
        f"{today.day} {today:%B %Y}. It is no longer valid. Reason: Sessions were misreported"
    )
    with pytest.raises(CertificateError, match="already been revoked"):
        revoke_certificate(certificate=certificate, by=chloe, reason="Again")
    client.force_login(tom)
    pdf = pdf_text(client.get(reverse("certificates:pdf", args=[certificate.code])).content)
    assert f"Revoked on {today.day} {today:%B %Y}." in pdf


def test_revoking_needs_a_reason(tom, chloe, client):
    certificate = _issue_portfolio(client, tom)
    with pytest.raises(CertificateError, match="Give a reason"):
        revoke_certificate(certificate=certificate, by=chloe, reason="  ")
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_revoking_on_the_page_without_a_reason_says_so_at_the_top_and_at_the_field(client, tom, chloe):
    certificate = _issue_portfolio(client, tom)
    client.force_login(chloe)

    response = client.post(reverse("certificates:verify", args=[certificate.code]), {"reason": "   "})

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Check a certificate – MedEd</title>" in page
    assert '<a class="alert-link" href="#reason">Give a reason for revoking the certificate.</a>' in page
    assert 'aria-describedby="reason-error"' in page
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_revoking_what_another_has_just_revoked_says_so_without_pointing_at_a_form(client, tom, chloe):
    certificate = _issue_portfolio(client, tom)
    revoke_certificate(certificate=certificate, by=chloe, reason="Issued in error")
    client.force_login(chloe)

    page = client.post(reverse("certificates:verify", args=[certificate.code]), {"reason": "Again"}).content.decode()

    assert "<li>This certificate has already been revoked.</li>" in page
    assert 'href="#reason"' not in page and 'id="reason"' not in page
    assert "Reason: Issued in error" in page


def test_the_admin_revokes_after_a_confirmation_page_with_the_reason(client, tom):
    certificate = _issue_portfolio(client, tom)
    admin = MemberFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    changelist = reverse("admin:certificates_certificate_changelist")

    confirm = client.post(changelist, {"action": "revoke", "_selected_action": [certificate.pk]})
    assert "Reason (shown on the verification page)" in confirm.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_at is None

    client.post(changelist, {"action": "revoke", "_selected_action": [certificate.pk], "post": "yes", "reason": "Void"})
    certificate.refresh_from_db()
    assert (certificate.revoked_by, certificate.revocation_reason) == (admin, "Void")


def test_attendance_certificate_has_one_code_that_verifies_what_it_says(client, settings, member):
    settings.FEEDBACK_REQUIRED_FOR_CERTIFICATES = False
    session = past_session(title="Renal", lead=MemberFactory(first_name="Tom", last_name="Okafor"))
    registration = attend(session, member)
    client.force_login(member)

    first = client.get(reverse("attendance:certificate", args=[registration.pk]))
    second = client.get(reverse("attendance:certificate", args=[registration.pk]))

    certificate = Certificate.objects.get(kind=CertificateKind.ATTENDANCE)
    assert Certificate.objects.count() == 1
    pdf = pdf_text(first.content)
    assert pdf == pdf_text(second.content)
    assert f"https://meded.example.ac.uk/verify/{certificate.code}/" in pdf
    client.logout()
    page = client.get(reverse("certificates:verify", args=[certificate.code]))
    document = page_text(page.content)
    for text in texts(certificate.body):
        assert text in pdf and text in document, text
    assert "This certifies that Aisha Khan attended Renal on" in document
    assert "Taught by Tom Okafor" in document
    assert page_text(page.content, testid="verification-result").startswith(
        "Genuine: this certificate of attendance was issued to Aisha Khan"
    )
