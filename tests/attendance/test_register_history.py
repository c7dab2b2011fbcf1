"""The register's history: every change to an attendance status is kept, with who made it, when,
how, and the status before and after, for the committee to settle a disputed register."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from attendance.models import AttendanceChange
from attendance.services import (
    add_walk_in,
    apply_attendance_import,
    check_in,
    plan_attendance_import,
    register,
    take_register,
)
from tests.events.factories import ProposedSessionFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _registrations_during_the_session(settings):
    settings.ALLOW_LATE_REGISTRATION = True


def _history(session):
    return [
        (c.registration.member.first_name, c.old_status, c.new_status, c.changed_by.first_name, c.source)
        for c in AttendanceChange.objects.filter(registration__session=session).select_related(
            "registration__member", "changed_by"
        )
    ]


def test_checking_in_is_recorded_as_done_by_the_attendee(teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True, capacity=60)
    ada = MemberFactory(first_name="Ada", year_of_study=2)
    register(session=session, member=ada, mode="in_person")

    check_in(session=session, member=ada, source="qr")
    check_in(session=session, member=ada, source="qr")  # a second scan changes nothing

    assert _history(session) == [("Ada", "", "present", "Ada", "qr")]


def test_each_register_save_records_only_what_it_changed_and_earlier_changes_stay(teacher, committee_member):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True, capacity=60)
    ada = register(session=session, member=MemberFactory(first_name="Ada", year_of_study=2), mode="in_person")
    ben = register(session=session, member=MemberFactory(first_name="Ben", year_of_study=2), mode="in_person")

    take_register(session=session, by=teacher, statuses={ada.pk: "present", ben.pk: "absent"})
    take_register(session=session, by=committee_member, statuses={ada.pk: "absent", ben.pk: "absent"})

    teacher_name, committee_name = teacher.first_name, committee_member.first_name
    assert _history(session) == [
        ("Ada", "", "present", teacher_name, "teacher"),
        ("Ben", "", "absent", teacher_name, "teacher"),
        ("Ada", "present", "absent", committee_name, "teacher"),  # Ben's unchanged status is not a change
    ]


def test_a_walk_in_and_an_imported_register_are_recorded_with_who_added_them(teacher, committee_member):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True, capacity=60)
    cara = MemberFactory(first_name="Cara", email="cara@example.ac.uk", year_of_study=2)
    MemberFactory(first_name="Dev", email="dev@example.ac.uk", year_of_study=2)

    add_walk_in(session=session, member=cara, by=teacher)
    plan = plan_attendance_import(
        session=session, data=b"email,status\ncara@example.ac.uk,late\ndev@example.ac.uk,present\n", filename="r.csv"
    )
    apply_attendance_import(session=session, plan=plan, by=committee_member)

    assert _history(session) == [
        ("Cara", "", "present", teacher.first_name, "teacher"),
        ("Cara", "present", "late", committee_member.first_name, "import"),
        ("Dev", "", "present", committee_member.first_name, "import"),
    ]


def test_a_change_that_changes_nothing_cannot_be_recorded(teacher):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True, capacity=60)
    ada = register(session=session, member=MemberFactory(year_of_study=2), mode="in_person")
    with pytest.raises(IntegrityError):
        AttendanceChange.objects.create(registration=ada, source="teacher", old_status="late", new_status="late")


def test_the_committee_sees_the_history_on_the_register_and_the_teacher_does_not(client, teacher, committee_member):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True, capacity=60)
    ada = register(
        session=session, member=MemberFactory(first_name="Ada", last_name="Adams", year_of_study=2), mode="in_person"
    )
    take_register(session=session, by=teacher, statuses={ada.pk: "late"})
    url = reverse("attendance:sheet", args=[session.pk])

    client.force_login(committee_member)
    page = client.get(url).content.decode()
    assert 'data-testid="register-history"' in page
    assert "History: 1 change to this register" in page
    assert "<td>Ada Adams</td>" in page and "<td>Late</td>" in page and f"<td>{teacher.get_full_name()}</td>" in page

    client.force_login(teacher)
    assert 'data-testid="register-history"' not in client.get(url).content.decode()


@pytest.mark.parametrize("people", [1, 4])
def test_the_registers_history_costs_one_query_however_long(
    client, teacher, committee_member, people, django_assert_num_queries
):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True, capacity=60)
    registrations = [
        register(session=session, member=MemberFactory(year_of_study=2), mode="in_person") for _ in range(people)
    ]
    take_register(session=session, by=teacher, statuses={r.pk: "present" for r in registrations})
    take_register(session=session, by=committee_member, statuses={r.pk: "absent" for r in registrations})
    client.force_login(committee_member)
    url = reverse("attendance:sheet", args=[session.pk])
    client.get(url)  # warm the session's own lookups, as a second visit would be

    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.content.decode().count("<td>Absent</td>") == people


def test_the_history_is_read_only_in_the_admin(client, teacher, admin_user):
    session = ProposedSessionFactory(teacher=teacher, hybrid=True, running=True, capacity=60)
    ada = register(session=session, member=MemberFactory(year_of_study=2), mode="in_person")
    take_register(session=session, by=teacher, statuses={ada.pk: "present"})
    change = AttendanceChange.objects.get()
    client.force_login(admin_user)

    assert client.get(reverse("admin:attendance_attendancechange_changelist")).status_code == 200
    assert client.get(reverse("admin:attendance_attendancechange_change", args=[change.pk])).status_code == 200
    assert client.get(reverse("admin:attendance_attendancechange_add")).status_code == 403
    assert client.post(reverse("admin:attendance_attendancechange_delete", args=[change.pk])).status_code == 403
