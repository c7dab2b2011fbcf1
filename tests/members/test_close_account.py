"""Closing an account (`members.services.close_account`, the profile's page and the admin's action):
the member is anonymised and signed out for good, their future places go to the waiting list, and
every past figure stays exactly as it was. Deleting a member who took part is refused instead."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import Permission
from django.db.models import ProtectedError
from django.urls import reverse

from analytics.metrics import for_year
from attendance.enums import AttendanceStatus, Mode
from attendance.models import Registration
from attendance.services import register
from certificates.enums import CertificateKind
from certificates.models import Certificate
from events.enums import SessionStatus
from events.models import CalendarToken
from events.services import calendar_token_for
from feedback.models import Receipt
from members.academic_year import AcademicYear
from members.models import Member
from members.services import AccountClosingRefused, close_account
from notifications.enums import Category, MessageKind, MessageStatus
from notifications.models import Message, Unsubscription
from notifications.preferences import unsubscribe
from notifications.sending import send_messages
from notifications.services import notify
from teachers.enums import ApplicationStatus, InvitationStatus, TeachingRole
from teachers.models import CoTeachingInvitation, RosterEntry, TeacherApplication
from teachers.services import apply_to_teach, approve_application
from tests.analytics.factories import held_session
from tests.attendance.factories import RegistrationFactory
from tests.events.factories import PublishedSessionFactory
from tests.factories import PASSWORD, MemberFactory
from tests.teachers.factories import CoTeachingInvitationFactory, RosterEntryFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


# --- The service ---------------------------------------------------------------------------------


def test_closing_removes_name_email_login_and_personal_settings_and_keeps_the_row(member, committee_member):
    member.groups.add(*committee_member.groups.all())
    SocialAccount.objects.create(user=member, provider="microsoft", uid="ms-123")
    unsubscribe(member=member, category=Category.REMINDERS)
    calendar_token_for(member=member)
    member.entry_year = 2024
    member.save()

    closed = close_account(member=member, by=member)

    row = Member.objects.get(pk=member.pk)
    assert (row.first_name, row.last_name, row.email) == (
        "Closed account",
        "",
        f"closed-account-{member.pk}@closed.invalid",
    )
    assert (row.is_active, row.is_staff, row.is_superuser, row.has_usable_password()) == (False, False, False, False)
    assert (row.entry_year, row.year_of_study) == (None, 2)
    assert (row.closed_by, row.closed_at is not None, closed.is_closed) == (member, True, True)
    assert list(row.groups.all()) == []
    assert not EmailAddress.objects.filter(user=member).exists()
    assert not SocialAccount.objects.filter(user=member).exists()
    assert not Unsubscription.objects.filter(member=member).exists()
    assert not CalendarToken.objects.filter(member=member).exists()
    assert str(row) == "Closed account"


def test_closing_keeps_past_registrations_teaching_applications_and_receipts_exactly(member, teacher):
    taught = held_session(day=dt.date(2025, 11, 5))
    past = held_session(day=dt.date(2025, 11, 12))
    RosterEntryFactory(session=taught, teacher=member, role=TeachingRole.CO_TEACHER, year_of_study=2)
    place = RegistrationFactory(session=past, member=member, attended=True, attendance=AttendanceStatus.LATE)
    Receipt.objects.create(member=member, session=past)
    application = apply_to_teach(member=member, subjects="Anatomy", motivations=["helping_others"])
    approve_application(application=application, by=teacher)

    def history():
        return (
            list(Registration.objects.filter(member=member).order_by("pk").values()),
            list(RosterEntry.objects.filter(teacher=member).order_by("pk").values()),
            list(TeacherApplication.objects.filter(member=member).values("pk", "status", "subjects")),
            list(Receipt.objects.filter(member=member).values_list("session_id", flat=True)),
        )

    before = history()
    close_account(member=Member.objects.get(pk=member.pk), by=member)

    assert history() == before
    assert before[0][0]["id"] == place.pk and before[0][0]["attendance"] == "late"


def test_closing_gives_future_places_to_the_waiting_list_and_leaves_past_ones(member):
    session = PublishedSessionFactory(starts_in=dt.timedelta(days=5), capacity=1)
    other_session = PublishedSessionFactory(starts_in=dt.timedelta(days=9), capacity=1)
    mine = register(session=session, member=member)
    waiting = register(session=session, member=MemberFactory(year_of_study=2))
    register(session=other_session, member=MemberFactory(year_of_study=2))
    my_queue_place = register(session=other_session, member=member)
    past = RegistrationFactory(session=held_session(day=dt.date(2025, 11, 5), years=(2,)), member=member, attended=True)
    assert (mine.state, waiting.state, my_queue_place.state) == ("registered", "waitlisted", "waitlisted")

    close_account(member=member, by=member)

    states = dict(Registration.objects.values_list("pk", "state"))
    assert (states[mine.pk], states[waiting.pk], states[my_queue_place.pk], states[past.pk]) == (
        "cancelled",
        "registered",
        "cancelled",
        "registered",
    )
    assert Message.objects.filter(kind=MessageKind.WAITLIST_PROMOTED, recipient=waiting.member).count() == 1


def test_closing_removes_pending_invitations_and_application_and_certificates(member, teacher):
    session = PublishedSessionFactory(starts_in=dt.timedelta(days=5), capacity=1)
    RosterEntryFactory(session=session, teacher=teacher, role=TeachingRole.LEAD, year_of_study=5)
    to_member = CoTeachingInvitationFactory(session=session, teacher=member, invited_by=teacher)
    answered = CoTeachingInvitationFactory(
        session=PublishedSessionFactory(starts_in=dt.timedelta(days=5), capacity=1),
        teacher=member,
        invited_by=teacher,
        status=InvitationStatus.DECLINED,
    )
    apply_to_teach(member=member, subjects="Anatomy", motivations=["career"])
    for code, kind in (("CERT1", CertificateKind.TEACHING), ("CERT2", CertificateKind.ATTENDANCE)):
        Certificate.objects.create(holder=member, code=code, kind=kind, holder_name="Aisha Khan", body={})

    close_account(member=member, by=member)

    assert list(CoTeachingInvitation.objects.values_list("pk", flat=True)) == [answered.pk]
    assert not CoTeachingInvitation.objects.filter(pk=to_member.pk).exists()
    assert not TeacherApplication.objects.filter(member=member, status=ApplicationStatus.PENDING).exists()
    assert not Certificate.objects.filter(holder=member).exists()


def test_closing_is_refused_while_the_member_is_on_an_upcoming_roster(teacher):
    session = PublishedSessionFactory(starts_in=dt.timedelta(days=5), capacity=1, title="Renal physiology")
    RosterEntryFactory(session=session, teacher=teacher, role=TeachingRole.LEAD)

    with pytest.raises(AccountClosingRefused, match="Renal physiology"):
        close_account(member=teacher, by=teacher)

    teacher.refresh_from_db()
    assert (teacher.is_active, teacher.email, teacher.closed_at) == (True, "tom@example.ac.uk", None)


def test_a_cancelled_or_past_session_on_the_roster_does_not_stop_closing(teacher):
    RosterEntryFactory(
        session=PublishedSessionFactory(starts_in=dt.timedelta(days=5), capacity=1, status=SessionStatus.CANCELLED),
        teacher=teacher,
    )
    RosterEntryFactory(session=held_session(day=dt.date(2025, 11, 5)), teacher=teacher)

    assert close_account(member=teacher, by=teacher).is_closed


def test_closing_twice_is_refused(member):
    close_account(member=member, by=member)
    with pytest.raises(AccountClosingRefused):
        close_account(member=member, by=member)


def test_nothing_more_is_sent_to_a_closed_account(member, mailoutbox):
    session = PublishedSessionFactory(starts_in=dt.timedelta(days=2), capacity=1)
    notify(kind=MessageKind.SESSION_REMINDER, recipient=member, about=session, occurrence="24h")
    close_account(member=member, by=member)

    outcome = send_messages(message_ids=list(Message.objects.values_list("pk", flat=True)))

    assert (outcome["sent"], mailoutbox) == (0, [])
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SKIPPED}


# --- The figures ---------------------------------------------------------------------------------


def test_dashboard_figures_are_equal_before_and_after_closing_an_account(teacher, committee_member):
    """The issue's test: closing a member who registered, attended, taught and applied to teach
    changes nothing in the year's metrics document."""
    year = AcademicYear.parse("2025-26")
    now = dt.datetime(2026, 9, 1, 12, tzinfo=LONDON)
    leaver = MemberFactory(first_name="Lee", last_name="Leaver", year_of_study=2)
    others = [MemberFactory(year_of_study=y) for y in (1, 2, 4)]
    for day, fmt in [(dt.date(2025, 10, 8), "in_person"), (dt.date(2026, 2, 4), "online")]:
        session = held_session(day=day, format=fmt, years=(1, 2, 4))
        mode = Mode.ONLINE if fmt == "online" else Mode.IN_PERSON
        RegistrationFactory(session=session, member=leaver, mode=mode, attended=True)
        RegistrationFactory(session=session, member=others[0], mode=mode, attendance=AttendanceStatus.ABSENT)
        RegistrationFactory(session=session, member=others[1], mode=mode, attended=True)
    taught = held_session(day=dt.date(2026, 3, 11), years=(1,))
    RosterEntryFactory(session=taught, teacher=leaver, role=TeachingRole.CO_TEACHER, year_of_study=2)
    RegistrationFactory(session=taught, member=others[2], attended=True)
    application = apply_to_teach(member=leaver, subjects="Anatomy", motivations=["helping_others", "career"])
    approve_application(application=application, by=committee_member)
    TeacherApplication.objects.filter(pk=application.pk).update(created_at=dt.datetime(2025, 9, 1, tzinfo=LONDON))

    before = for_year(year, now=now)
    close_account(member=leaver, by=leaver)
    after = for_year(year, now=now)

    assert after == before
    # Three leads, the leaver and three others took part; the leaver attended twice and taught once.
    assert (before["participants"]["total"], before["attendance"]["overall"]["attended"]) == (7, 5)
    assert before["teaching"]["teachers"] == 4
    assert before["teaching"]["motivations"] == {"career": 1, "helping_others": 1}


def test_deleting_a_member_who_registered_is_refused_instead_of_changing_the_figures(member):
    place = RegistrationFactory(session=held_session(day=dt.date(2025, 11, 5)), member=member, attended=True)

    with pytest.raises(ProtectedError):
        Member.objects.get(pk=member.pk).delete()

    assert Registration.objects.filter(pk=place.pk).exists()


def test_deleting_a_member_with_an_application_or_teaching_is_refused(member, teacher):
    apply_to_teach(member=member, subjects="Anatomy", motivations=["career"])
    RosterEntryFactory(session=held_session(day=dt.date(2025, 11, 5)), teacher=teacher)

    for person in (member, teacher):
        with pytest.raises(ProtectedError):
            Member.objects.get(pk=person.pk).delete()


# --- Signing in ----------------------------------------------------------------------------------


def test_a_closed_account_cannot_sign_in_with_its_old_address_or_password(client, member):
    close_account(member=member, by=member)

    for email in ("aisha.khan@example.ac.uk", f"closed-account-{member.pk}@closed.invalid"):
        client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
        assert "_auth_user_id" not in client.session


def test_closing_signs_the_member_out_of_every_session(client, member):
    other_device = client.__class__()
    client.force_login(member)
    other_device.force_login(member)

    close_account(member=member, by=member)

    for device in (client, other_device):
        response = device.get(reverse("members:profile"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


# --- The page ------------------------------------------------------------------------------------


def test_close_page_says_what_goes_and_what_stays_and_asks_for_the_password(client, member):
    client.force_login(member)
    response = client.get(reverse("members:close_account"))

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["password"]
    page = response.content.decode()
    assert "What is removed" in page and "What is kept, without your name" in page
    assert reverse("home:my_data") in page


def test_closing_with_a_wrong_password_keeps_the_account(client, member):
    client.force_login(member)
    response = client.post(reverse("members:close_account"), {"password": "not-it"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"password": ["That is not your password."]}
    member.refresh_from_db()
    assert (member.is_active, member.closed_at) == (True, None)


def test_closing_with_the_password_closes_and_signs_out(client, member):
    client.force_login(member)
    response = client.post(reverse("members:close_account"), {"password": PASSWORD}, follow=True)

    assert response.redirect_chain == [(reverse("home"), 302)]
    assert "Your account has been closed." in response.content.decode()
    assert "_auth_user_id" not in client.session
    member.refresh_from_db()
    assert (member.closed_by_id, member.is_active) == (member.pk, False)


def test_a_member_without_a_password_confirms_by_typing_their_address(client, member):
    member.set_unusable_password()
    member.save()
    client.force_login(member)

    wrong = client.post(reverse("members:close_account"), {"email": "someone@example.ac.uk"})
    assert wrong.context["form"].errors == {"email": ["That is not the e-mail address of this account."]}
    right = client.post(reverse("members:close_account"), {"email": " Aisha.Khan@example.ac.uk "})

    assert right.status_code == 302
    member.refresh_from_db()
    assert member.is_closed


def test_close_page_shows_what_stops_closing_and_no_form(client, teacher):
    RosterEntryFactory(
        session=PublishedSessionFactory(starts_in=dt.timedelta(days=5), capacity=1, title="Renal physiology"),
        teacher=teacher,
    )
    client.force_login(teacher)

    page = client.get(reverse("members:close_account")).content.decode()
    refused = client.post(reverse("members:close_account"), {"password": PASSWORD})

    assert "Renal physiology" in page and 'name="password"' not in page
    assert "Renal physiology" in str(refused.context["form"].non_field_errors())
    teacher.refresh_from_db()
    assert teacher.is_active


# --- The admin -----------------------------------------------------------------------------------


@pytest.fixture
def admin_client_(client):
    admin = MemberFactory(email="admin@example.ac.uk", is_staff=True, is_superuser=True, year_of_study=None)
    client.force_login(admin)
    return client


def test_admin_action_confirms_then_closes_the_selected_accounts(admin_client_, member, teacher):
    RosterEntryFactory(
        session=PublishedSessionFactory(starts_in=dt.timedelta(days=5), capacity=1, title="Renal physiology"),
        teacher=teacher,
    )
    url = reverse("admin:members_member_changelist")
    selected = {"action": "close_accounts", "_selected_action": [member.pk, teacher.pk]}

    confirmation = admin_client_.post(url, selected)
    assert confirmation.status_code == 200
    assert [(m.pk, bool(reasons)) for m, reasons in confirmation.context["rows"]] == [
        (member.pk, False),
        (teacher.pk, True),
    ]
    assert not Member.objects.filter(closed_at__isnull=False).exists()

    done = admin_client_.post(url, {"action": "close_accounts", "_selected_action": [member.pk], "post": "yes"})

    assert done.status_code == 302
    member.refresh_from_db()
    teacher.refresh_from_db()
    assert (member.is_closed, member.closed_by.email, teacher.is_closed) == (True, "admin@example.ac.uk", False)


def test_admin_action_needs_the_permission_to_delete_members(client, member):
    staff = MemberFactory(is_staff=True, year_of_study=None)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_member", "change_member"]))
    client.force_login(staff)
    url = reverse("admin:members_member_changelist")

    listing = client.get(url)
    client.post(url, {"action": "close_accounts", "_selected_action": [member.pk], "post": "yes"})

    assert listing.context["action_form"] is None
    member.refresh_from_db()
    assert member.is_closed is False


def test_admin_cannot_delete_a_member_who_registered_and_is_pointed_to_closing(admin_client_, member):
    place = RegistrationFactory(session=held_session(day=dt.date(2025, 11, 5)), member=member, attended=True)
    url = reverse("admin:members_member_delete", args=[member.pk])

    page = admin_client_.get(url)
    admin_client_.post(url, {"post": "yes"})

    assert "Close selected accounts" in page.content.decode()
    assert page.context["protected"] or page.context["perms_lacking"]
    assert Registration.objects.filter(pk=place.pk).exists()
    assert Member.objects.filter(pk=member.pk).exists()
