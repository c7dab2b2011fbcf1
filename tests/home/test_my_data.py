"""'Download my data' (`home.my_data` and the profile's download): the member's own data, as
JSON and as formula-safe CSV files in a zip, with nothing of anyone else's and no feedback answers."""

import csv
import datetime as dt
import io
import json
import zipfile

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse
from django.utils import timezone

from attendance.enums import AttendanceStatus
from certificates.enums import CertificateKind
from certificates.models import Certificate
from feedback.services import submit_response
from home.my_data import SECTIONS, export_member_data, member_data_zip
from notifications.enums import Category, MessageKind
from notifications.preferences import unsubscribe
from notifications.services import notify
from teachers.enums import TeachingRole
from teachers.services import apply_to_teach, decline_application
from tests.attendance.factories import RegistrationFactory
from tests.events.factories import SessionFactory
from tests.factories import MemberFactory
from tests.feedback.factories import answers_for, attend, ended_session, session_form
from tests.teachers.factories import CoTeachingInvitationFactory, RosterEntryFactory

pytestmark = pytest.mark.django_db

FILES = ["data.json", "profile.csv", *(f"{section}.csv" for section in SECTIONS), "README.txt"]


def _read_zip(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def someone_else(db):
    return MemberFactory(first_name="Zed", last_name="Other", email="zed.other@example.ac.uk", year_of_study=2)


def test_export_holds_the_members_own_data_in_each_section(member, teacher, committee_member, someone_else):
    session = SessionFactory(title="Renal physiology", target_years=[2])
    RegistrationFactory(session=session, member=member, attendance=AttendanceStatus.LATE)
    RegistrationFactory(session=session, member=someone_else, attendance=AttendanceStatus.PRESENT)
    taught = SessionFactory(title="Suturing workshop")
    RosterEntryFactory(session=taught, teacher=member, role=TeachingRole.CO_TEACHER, year_of_study=2)
    RosterEntryFactory(session=taught, teacher=someone_else, role=TeachingRole.LEAD, year_of_study=2)
    CoTeachingInvitationFactory(session=taught, teacher=member, invited_by=someone_else)
    application = apply_to_teach(
        member=member, subjects="Anatomy", motivations=["career", "other"], other_motivation="Fun"
    )
    decline_application(application=application, by=committee_member, reason="Apply again next term")
    Certificate.objects.create(
        holder=member, code="CERT1", kind=CertificateKind.TEACHING, holder_name="Aisha Khan", body={}
    )
    unsubscribe(member=member, category=Category.REMINDERS)
    SocialAccount.objects.create(user=member, provider="microsoft", uid="ms-123")
    notify(kind=MessageKind.MEMBER_INVITATION, recipient=member)

    document = export_member_data(member=member)

    profile = document["profile"]
    assert (profile["email"], profile["first_name"], profile["last_name"], profile["year_of_study"]) == (
        "aisha.khan@example.ac.uk",
        "Aisha",
        "Khan",
        2,
    )
    assert profile["email_addresses"] == [{"email": "aisha.khan@example.ac.uk", "verified": True, "primary": True}]
    assert profile["linked_sign_in"] == [{"provider": "microsoft", "uid": "ms-123"}]
    assert [(r["session"], r["state"], r["attendance"]) for r in document["registrations"]] == [
        ("Renal physiology", "Registered", "Late")
    ]
    assert [(t["session"], t["role"], t["hours"]) for t in document["teaching"]] == [
        ("Suturing workshop", "Co-teacher", 1.0)
    ]
    assert [(i["session"], i["status"]) for i in document["co_teaching_invitations"]] == [
        ("Suturing workshop", "Awaiting a reply")
    ]
    [applied] = document["applications"]
    assert (applied["subjects"], applied["other_motivation"], applied["status"], applied["reason_for_declining"]) == (
        "Anatomy",
        "Fun",
        "Declined",
        "Apply again next term",
    )
    assert len(applied["motivations"]) == 2
    assert [(c["code"], c["kind"]) for c in document["certificates"]] == [("CERT1", "Teaching certificate")]
    assert [(c["category"], c["receiving"]) for c in document["email_choices"]] == [
        (str(Category.REMINDERS.label), False),
        (str(Category.FEEDBACK.label), True),
    ]
    assert [e["kind"] for e in document["emails"]] == ["Teacher application declined", "Invitation to set a password"]


def test_export_has_nothing_of_other_members(member, committee_member, someone_else):
    session = SessionFactory(title="Renal physiology", target_years=[2])
    RegistrationFactory(session=session, member=member)
    RegistrationFactory(session=session, member=someone_else)
    RosterEntryFactory(session=session, teacher=someone_else, role=TeachingRole.LEAD, year_of_study=2)
    CoTeachingInvitationFactory(session=session, teacher=member, invited_by=someone_else)
    CoTeachingInvitationFactory(session=session, teacher=someone_else, invited_by=member)
    apply_to_teach(member=someone_else, subjects="Secret subject", motivations=["career"])
    unsubscribe(member=someone_else, category=Category.FEEDBACK)
    notify(kind=MessageKind.MEMBER_INVITATION, recipient=someone_else)

    text = json.dumps(export_member_data(member=member), ensure_ascii=False)

    for trace in ("Zed", "Other", "zed.other", "Secret subject", "Chloe"):
        assert trace not in text
    assert len(export_member_data(member=member)["co_teaching_invitations"]) == 1


def test_export_lists_feedback_given_but_never_the_answers(member):
    session = ended_session(title="Cardiology")
    attend(session, member)
    submit_response(
        member=member, session=session, answers=answers_for(session_form(), text="Only I know this comment")
    )

    document = export_member_data(member=member)

    assert "Only I know this comment" not in json.dumps(document, ensure_ascii=False)
    assert [(row["about"], row["title"]) for row in document["feedback_given"]] == [("session", "Cardiology")]
    assert "anonymous" in document["about_feedback"]


def test_download_is_a_zip_of_json_and_csv_files(client, member):
    RegistrationFactory(
        session=SessionFactory(title="Renal physiology"), member=member, attendance=AttendanceStatus.PRESENT
    )
    client.force_login(member)

    response = client.get(reverse("home:my_data"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="meded-my-data-')
    assert "no-store" in response["Cache-Control"]
    files = _read_zip(response.content)
    assert sorted(files) == sorted(FILES)
    assert json.loads(files["data.json"])["profile"]["email"] == "aisha.khan@example.ac.uk"
    registrations = _rows(files["registrations.csv"])
    assert registrations[0] == list(SECTIONS["registrations"])
    assert [row[0] for row in registrations[1:]] == ["Renal physiology"]
    assert ["email", "aisha.khan@example.ac.uk"] in _rows(files["profile.csv"])
    assert _rows(files["feedback_given.csv"]) == [list(SECTIONS["feedback_given"])]


def test_each_member_downloads_only_their_own_data(client, member, someone_else):
    client.force_login(someone_else)
    files = _read_zip(client.get(reverse("home:my_data")).content)

    assert json.loads(files["data.json"])["profile"]["email"] == "zed.other@example.ac.uk"
    assert "aisha" not in "".join(files.values()).lower()


def test_csv_cells_that_look_like_formulas_are_made_safe(member):
    member.first_name = '=HYPERLINK("https://evil.example","Aisha")'
    member.save()
    RegistrationFactory(session=SessionFactory(title="+SUM(1,2)"), member=member)

    files = _read_zip(member_data_zip(export_member_data(member=member)))

    assert ["first_name", '\'=HYPERLINK("https://evil.example","Aisha")'] in _rows(files["profile.csv"])
    assert _rows(files["registrations.csv"])[1][0] == "'+SUM(1,2)"
    assert json.loads(files["data.json"])["profile"]["first_name"].startswith("=HYPERLINK")


def test_export_queries_do_not_grow_with_the_data(member, someone_else, django_assert_num_queries):
    def add(n):
        for _ in range(n):
            session = SessionFactory(starts_at=timezone.now() - dt.timedelta(days=3))
            RegistrationFactory(session=session, member=member)
            RosterEntryFactory(session=SessionFactory(), teacher=member, role=TeachingRole.LEAD)
            CoTeachingInvitationFactory(session=session, teacher=member, invited_by=someone_else)
            notify(kind=MessageKind.SESSION_CHANGED, recipient=member, about=session)

    add(1)
    with django_assert_num_queries(13):
        export_member_data(member=member)
    add(2)
    with django_assert_num_queries(13):
        export_member_data(member=member)
