import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from certificates.models import Certificate
from events.services import complete_ended_sessions
from teachers.selectors import teaching_log
from teachers.services import NothingToCertify, add_to_roster, issue_teaching_certificate, propose_session
from tests.attendance.factories import RegistrationFactory
from tests.events.factories import approved_session
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tom():
    return MemberFactory(
        first_name="Tom", last_name="O'Brien <Okafor>", email="tom@example.ac.uk", year_of_study=5, roles=["teacher"]
    )


def _taught(teacher, *, title, days_ago, hours, lead=True):
    start = timezone.now() - dt.timedelta(days=days_ago)
    owner = teacher if lead else MemberFactory(roles=["teacher"], year_of_study=6)
    session = approved_session(
        owner,
        title=title,
        format="in_person",
        venue="LT1",
        target_years=[2],
        starts_at=start,
        hours=hours,
        description="",
    )
    if not lead:
        add_to_roster(session=session, teacher=teacher)
    return session


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_teaching_log_lists_completed_sessions_with_role_and_hours(tom):
    _taught(tom, title="Renal", days_ago=20, hours=1.5)
    _taught(tom, title="Cardiac", days_ago=10, hours=2, lead=False)
    upcoming = propose_session(
        teacher=tom,
        title="Not yet",
        format="online",
        meeting_url="https://t.example/x",
        target_years=[1],
        starts_at=timezone.now() + dt.timedelta(days=3),
        ends_at=timezone.now() + dt.timedelta(days=3, hours=1),
    )
    complete_ended_sessions()

    log = teaching_log(teacher=tom)

    assert [(e["session"].title, str(e["role"]), e["hours"]) for e in log] == [
        ("Renal", "Lead", Decimal("1.5")),
        ("Cardiac", "Co-teacher", Decimal("2")),
    ]
    assert upcoming.pk not in [e["session"].pk for e in log]


def test_certificate_pdf_lists_sessions_hours_and_a_code_that_verifies(client, tom):
    _taught(tom, title="Renal physiology", days_ago=20, hours=1.5)
    _taught(tom, title="Cardiac cycle", days_ago=10, hours=2)
    complete_ended_sessions()
    client.force_login(tom)

    response = client.post(reverse("teachers:log"))
    certificate = Certificate.objects.get()
    assert response["Location"] == reverse("certificates:pdf", args=[certificate.code])
    pdf = client.get(response["Location"])

    assert pdf["Content-Type"] == "application/pdf"
    text = _pdf_text(pdf.content)
    assert "Certificate of teaching" in text
    assert "This certifies that Tom O'Brien <Okafor> taught 2 sessions, 3.5 hours in all" in " ".join(text.split())
    assert "Renal physiology" in text and "Cardiac cycle" in text
    assert f"Verification code\n{certificate.code}" in text
    assert f"https://meded.example.ac.uk/verify/{certificate.code}/" in text

    client.logout()
    verify = client.get(reverse("certificates:verify", args=[certificate.code.lower()]))
    assert "Genuine: this teaching certificate was issued to Tom O&#x27;Brien &lt;Okafor&gt;" in verify.content.decode()
    assert "taught 2 sessions, 3.5 hours in all" in verify.content.decode()


def test_an_unknown_code_does_not_verify(client):
    response = client.get(reverse("certificates:verify", args=["FFFFFFFFFF"]))
    assert "No certificate has the code FFFFFFFFFF." in response.content.decode()


def test_a_certificate_keeps_what_it_said_when_issued(tom):
    session = _taught(tom, title="Renal", days_ago=20, hours=1)
    complete_ended_sessions()
    certificate = issue_teaching_certificate(teacher=tom)
    session.title = "Renamed later"
    session.save()
    certificate.refresh_from_db()
    assert [row[1] for row in certificate.body["sections"][0]["table"]["rows"]] == ["Renal"]


def test_no_certificate_without_completed_teaching(client, tom):
    with pytest.raises(NothingToCertify):
        issue_teaching_certificate(teacher=tom)
    client.force_login(tom)
    response = client.post(reverse("teachers:log"), follow=True)
    assert "A certificate lists completed sessions; you have none yet." in response.content.decode()
    assert Certificate.objects.count() == 0


def test_a_certificate_pdf_is_private_to_its_teacher_and_the_committee(client, tom):
    _taught(tom, title="Renal", days_ago=20, hours=1)
    complete_ended_sessions()
    certificate = issue_teaching_certificate(teacher=tom)
    url = reverse("certificates:pdf", args=[certificate.code])
    client.force_login(MemberFactory(roles=["teacher"]))
    assert client.get(url).status_code == 404
    client.force_login(MemberFactory(roles=["committee"]))
    assert client.get(url).status_code == 200


def test_teaching_log_page_totals_the_hours(client, tom):
    _taught(tom, title="Renal", days_ago=20, hours=1.5)
    _taught(tom, title="Cardiac", days_ago=10, hours=2)
    complete_ended_sessions()
    client.force_login(tom)
    content = client.get(reverse("teachers:log")).content.decode()
    assert "You have taught 2 sessions, 3.5 hours in all." in content


def test_the_log_and_certificate_count_attendees_and_the_dashboard_lists_registers_to_take(client, tom):
    from attendance.services import take_register

    session = _taught(tom, title="Renal", days_ago=3, hours=1)
    complete_ended_sessions()
    for status in ("present", "late", "absent"):
        RegistrationFactory(session=session, member=MemberFactory(year_of_study=2), attendance=status)
    client.force_login(tom)
    assert "Registers to take" in client.get(reverse("teachers:dashboard")).content.decode()

    assert [entry["attendees"] for entry in teaching_log(teacher=tom)] == [2]
    take_register(session=session, by=tom, statuses={})
    assert "Registers to take" not in client.get(reverse("teachers:dashboard")).content.decode()
    certificate = issue_teaching_certificate(teacher=tom)
    assert certificate.body["sections"][0]["table"]["rows"][0][3] == "2"
