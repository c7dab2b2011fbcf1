import datetime as dt
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from attendance import checkin
from attendance.enums import AttendanceStatus
from attendance.models import Registration
from attendance.selectors import ATTENDED
from attendance.services import cancel_registration, register
from events.attendees import attendees_by_session
from events.enums import SessionStatus
from events.models import Session
from events.services import cancel_session, update_session
from tests.events.factories import ProposedSessionFactory, SessionFactory
from tests.factories import PASSWORD, MemberFactory
from tests.feedback.factories import attend, ended_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher():
    return MemberFactory(roles=["teacher"], year_of_study=5)


def test_a_larger_capacity_goes_to_those_waiting_before_a_newcomer(teacher):
    session = ProposedSessionFactory(teacher=teacher, capacity=1)
    register(session=session, member=MemberFactory(year_of_study=2))
    waiting = register(session=session, member=MemberFactory(year_of_study=2))
    update_session(session=session, changed_by=teacher, target_years=[2], capacity=3)

    newcomer = register(session=session, member=MemberFactory(year_of_study=2))

    waiting.refresh_from_db()
    assert (waiting.state, newcomer.state) == ("registered", "registered")
    assert Registration.objects.filter(session=session, state="registered").count() == 3


def test_cancelling_a_place_in_a_cancelled_session_promotes_nobody(teacher):
    session = ProposedSessionFactory(teacher=teacher, capacity=1)
    first = register(session=session, member=MemberFactory(year_of_study=2))
    waiting = register(session=session, member=MemberFactory(year_of_study=2))
    cancel_session(session=session, by=teacher, reason="Ill")

    assert cancel_registration(registration=first) is None
    waiting.refresh_from_db()
    assert waiting.state == "waitlisted"


def test_my_sessions_labels_a_cancelled_session_and_hides_its_link(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, online=True)
    member = MemberFactory(year_of_study=2)
    register(session=session, member=member)
    cancel_session(session=session, by=teacher, reason="Ill")
    client.force_login(member)
    content = client.get(reverse("attendance:mine")).content.decode()
    assert "Cancelled" in content
    assert "Join online" not in content


def test_my_sessions_gives_queue_positions_in_one_query(client, teacher, django_assert_num_queries):
    member = MemberFactory(year_of_study=2)
    for n in range(3):
        session = ProposedSessionFactory(teacher=teacher, starts_in=dt.timedelta(days=2 + n), capacity=1)
        register(session=session, member=MemberFactory(year_of_study=2))
        register(session=session, member=MemberFactory(year_of_study=2))
        register(session=session, member=member)
    client.force_login(member)
    with django_assert_num_queries(8):  # the 7 of the page + one for every queue position
        content = client.get(reverse("attendance:mine")).content.decode()
    assert content.count("number 2 in line") == 3


def test_a_registered_attendee_gets_the_meeting_link_in_the_ics(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, online=True)
    member = MemberFactory(year_of_study=2)
    register(session=session, member=member)
    client.force_login(member)
    (event,) = Calendar.from_ical(client.get(reverse("events:ics", args=[session.pk])).content).walk("VEVENT")
    assert "Join online: https://teams.example/j" in str(event["description"])


def test_the_typed_code_can_be_tried_only_a_few_times_a_minute(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, starts_in=-dt.timedelta(minutes=1), capacity=1)
    client.force_login(MemberFactory(year_of_study=2))
    wrong = "000000" if checkin.short_code_for(session.pk) != "000000" else "111111"
    for _ in range(5):
        client.post(reverse("attendance:code"), {"code": wrong})
    response = client.post(reverse("attendance:code"), {"code": checkin.short_code_for(session.pk)})
    assert "Too many tries." in response.content.decode()
    assert Registration.objects.count() == 0


@pytest.mark.parametrize("token", ["é" * 32, "%00", "z" * 32])
def test_malformed_check_in_tokens_are_refused_not_errors(client, teacher, token):
    session = ProposedSessionFactory(teacher=teacher, starts_in=-dt.timedelta(minutes=1), capacity=1)
    client.force_login(MemberFactory(year_of_study=2))
    response = client.get(f"/check-in/{session.pk}/{token}/")
    assert response.status_code == 200
    assert "This check-in code has expired." in response.content.decode()


def test_scanning_before_signing_in_still_checks_in_after_a_slow_sign_in(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, starts_in=-dt.timedelta(minutes=1), capacity=1)
    member = MemberFactory(email="slow@example.ac.uk", year_of_study=2)
    url = reverse("attendance:check_in", args=[session.pk, checkin.token_for(session.pk)])
    assert client.get(url).status_code == 302  # to the sign-in page, remembering the scan

    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    expired = reverse("attendance:check_in", args=[session.pk, checkin.token_for(session.pk, at=time.time() - 120)])
    response = client.get(expired)

    assert "You are checked in." in response.content.decode()


def test_no_register_for_a_draft(client, teacher):
    draft = ProposedSessionFactory(
        teacher=teacher, status=SessionStatus.DRAFT, title="Draft", capacity=None, starts_in=dt.timedelta(days=1)
    )
    client.force_login(teacher)
    assert client.get(reverse("attendance:sheet", args=[draft.pk])).status_code == 404
    assert Session.objects.get(pk=draft.pk).status == "draft"


def test_a_session_open_to_all_years_takes_any_year_and_shows_in_every_years_catalogue(client, teacher):
    session = ProposedSessionFactory(teacher=teacher, capacity=None)
    update_session(session=session, changed_by=teacher, target_years=[2], is_open_to_all_years=True)
    member = MemberFactory(year_of_study=5)
    assert register(session=session, member=member).state == "registered"
    client.force_login(MemberFactory(year_of_study=6))
    response = client.get(reverse("events:catalogue"))
    assert [s.pk for s in response.context["sessions"]] == [session.pk]


def test_a_typed_code_in_an_online_session_records_online_attendance(teacher):
    from attendance.services import check_in

    session = ProposedSessionFactory(teacher=teacher, online=True, starts_in=-dt.timedelta(minutes=1))
    registration, _ = check_in(session=session, member=MemberFactory(year_of_study=2), source="code")
    assert registration.attended_mode == "online"


@pytest.mark.django_db
def test_attended_filter_and_named_set_agree_on_every_status():
    session = ended_session(register_taken=True)
    for status in ["", *AttendanceStatus.values]:
        attend(session, MemberFactory(), attendance=status)
    in_sql = set(Registration.objects.filter(ATTENDED).values_list("attendance", flat=True))
    in_python = {status for status in ["", *AttendanceStatus.values] if status in AttendanceStatus.attended}
    assert in_sql == in_python == {"present", "late"}


def test_attendees_asked_through_events_are_counted_by_the_attended_set_in_one_query(django_assert_num_queries):
    session, nobody = ended_session(register_taken=True), ended_session(register_taken=True)
    for status in ["", *AttendanceStatus.values]:
        attend(session, MemberFactory(), attendance=status)
    attend(nobody, MemberFactory(), attendance=AttendanceStatus.ABSENT)
    with django_assert_num_queries(1):
        counts = attendees_by_session(session_ids=[session.pk, nobody.pk])
    assert counts == {session.pk: 2, nobody.pk: 0}


@pytest.mark.django_db
@pytest.mark.parametrize("late_allowed", [False, True])
def test_the_session_page_offers_registration_exactly_when_the_service_accepts_it(client, settings, late_allowed):
    settings.ALLOW_LATE_REGISTRATION = late_allowed
    started = SessionFactory(
        status=SessionStatus.PUBLISHED,
        starts_at=timezone.now() - dt.timedelta(minutes=10),
        ends_at=timezone.now() + dt.timedelta(minutes=50),
        target_years=[2],
    )
    member = MemberFactory(year_of_study=2)
    client.force_login(member)
    page = client.get(reverse("events:detail", args=[started.pk])).content.decode()
    offered = reverse("attendance:register", args=[started.pk]) in page
    client.post(reverse("attendance:register", args=[started.pk]))
    accepted = Registration.objects.filter(session=started, member=member, state="registered").exists()
    assert offered is accepted is late_allowed
