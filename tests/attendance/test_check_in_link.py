"""While check-in is open, My sessions and the session page offer "Check in now" for a place
instead of "Cancel", and "Checked in at HH:MM" (London time) once the member has checked in."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.enums import AttendanceSource, Mode, RegistrationState
from attendance.models import Registration
from attendance.services import check_in
from events.enums import SessionStatus
from events.permissions import check_in_open, offers_check_in
from events.selectors import sessions_open_for_check_in
from tests.attendance.factories import RegistrationFactory
from tests.events.factories import PublishedSessionFactory, SessionFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

CHECK_IN = reverse("attendance:code")


def _my_sessions(client, member) -> str:
    client.force_login(member)
    return client.get(reverse("attendance:mine")).content.decode()


def _session_page(client, member, session) -> str:
    client.force_login(member)
    return client.get(reverse("events:detail", args=[session.pk])).content.decode()


def _cancel_link(registration) -> str:
    return reverse("attendance:cancel_confirm", args=[registration.pk])


@pytest.mark.parametrize(
    ("minutes_from_start", "status", "expected"),
    [
        (-31, SessionStatus.PUBLISHED, False),  # starts in 31 minutes
        (-30, SessionStatus.PUBLISHED, True),  # the window opens 30 minutes before
        (10, SessionStatus.PUBLISHED, True),
        (60, SessionStatus.PUBLISHED, True),  # until the end
        (61, SessionStatus.PUBLISHED, False),
        (10, SessionStatus.COMPLETED, True),
        (10, SessionStatus.CANCELLED, False),
        (10, SessionStatus.SUBMITTED, False),
    ],
)
def test_check_in_is_open_from_half_an_hour_before_the_start_until_the_end(minutes_from_start, status, expected):
    starts_at = timezone.now()
    session = SessionFactory.build(status=status, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1))
    now = starts_at + dt.timedelta(minutes=minutes_from_start)
    assert check_in_open(session, now=now) is expected


def test_the_sql_form_of_check_in_open_agrees_with_the_predicate_on_the_same_rows():
    now = timezone.now().replace(microsecond=0)
    sessions = [
        SessionFactory(
            status=status,
            starts_at=now + dt.timedelta(minutes=minutes),
            ends_at=now + dt.timedelta(minutes=minutes + 60),
        )
        for status in SessionStatus.values
        for minutes in (-61, -60, -30, 0, 29, 30, 31, 120)
    ]

    found = set(sessions_open_for_check_in(now=now))

    assert found == {session for session in sessions if check_in_open(session, now=now)}
    assert len(found) == 2 * 5  # published and completed, from 30 minutes before the start to the end


def test_check_in_is_offered_for_an_in_person_place_not_yet_checked_in(member):
    session = PublishedSessionFactory(starts_in=dt.timedelta(minutes=10), hybrid=True)
    place = RegistrationFactory(session=session, member=member)
    assert offers_check_in(session, place)
    assert not offers_check_in(session, None)
    place.checked_in_at = timezone.now()
    assert not offers_check_in(session, place)
    place.checked_in_at, place.mode = None, Mode.ONLINE
    assert not offers_check_in(session, place)  # the meeting link is the way in
    place.mode, place.state = Mode.IN_PERSON, RegistrationState.WAITLISTED
    assert not offers_check_in(session, place)


def test_before_check_in_opens_my_sessions_offers_cancel_and_no_check_in(client, member):
    place = RegistrationFactory(session=PublishedSessionFactory(starts_in=dt.timedelta(minutes=45)), member=member)

    page = _my_sessions(client, member)

    assert _cancel_link(place) in page
    assert CHECK_IN not in page
    assert "Check in now" not in page


def test_while_check_in_is_open_my_sessions_offers_check_in_instead_of_cancel(client, member):
    place = RegistrationFactory(session=PublishedSessionFactory(starts_in=dt.timedelta(minutes=20)), member=member)

    page = _my_sessions(client, member)

    assert f'href="{CHECK_IN}" data-testid="check-in-{place.pk}"' in page
    assert "Check in now" in page
    assert _cancel_link(place) not in page


def test_once_checked_in_my_sessions_says_when_in_london_time_and_offers_neither(client, member):
    place = RegistrationFactory(session=PublishedSessionFactory(starts_in=dt.timedelta(minutes=-5)), member=member)
    # 17:56 UTC on a summer's day is 18:56 in London.
    Registration.objects.filter(pk=place.pk).update(checked_in_at=dt.datetime(2026, 6, 2, 17, 56, tzinfo=dt.UTC))

    page = _my_sessions(client, member)

    assert f'data-testid="checked-in-{place.pk}">Checked in at 18:56<' in page
    assert "Check in now" not in page
    assert _cancel_link(place) not in page


def test_an_online_place_is_offered_the_meeting_link_not_check_in(client, member):
    session = PublishedSessionFactory(starts_in=dt.timedelta(minutes=10), online=True)
    RegistrationFactory(session=session, member=member, online=True)

    page = _my_sessions(client, member)

    assert "Check in now" not in page
    assert 'href="https://teams.example/j"' in page


def test_a_waiting_list_place_is_not_offered_check_in(client, member):
    RegistrationFactory(
        session=PublishedSessionFactory(starts_in=dt.timedelta(minutes=10)), member=member, waitlisted=True
    )

    assert "Check in now" not in _my_sessions(client, member)


def test_only_the_members_own_places_are_offered_check_in(client, member):
    other = MemberFactory(year_of_study=2)
    RegistrationFactory(session=PublishedSessionFactory(starts_in=dt.timedelta(minutes=10)), member=other)
    mine = RegistrationFactory(session=PublishedSessionFactory(starts_in=dt.timedelta(minutes=10)), member=member)
    Registration.objects.filter(pk=mine.pk).update(checked_in_at=timezone.now())

    page = _my_sessions(client, member)

    assert "Check in now" not in page
    assert page.count("Checked in at") == 1


def test_the_session_page_offers_check_in_instead_of_cancel_while_it_is_open(client, member):
    session = PublishedSessionFactory(starts_in=dt.timedelta(minutes=20))
    place = RegistrationFactory(session=session, member=member)

    page = _session_page(client, member, session)

    assert f'href="{CHECK_IN}" data-testid="check-in"' in page
    assert _cancel_link(place) not in page
    assert "Registration has closed" not in page


def test_the_session_page_offers_cancel_before_check_in_opens(client, member):
    session = PublishedSessionFactory(starts_in=dt.timedelta(minutes=45))
    place = RegistrationFactory(session=session, member=member)

    page = _session_page(client, member, session)

    assert _cancel_link(place) in page
    assert "Check in now" not in page


def test_the_session_page_says_when_the_member_checked_in(client, member):
    session = PublishedSessionFactory(starts_in=dt.timedelta(minutes=-5))
    place = RegistrationFactory(session=session, member=member)
    check_in(session=session, member=member, source=AttendanceSource.QR)
    place.refresh_from_db()

    page = _session_page(client, member, session)

    expected = timezone.localtime(place.checked_in_at).strftime("%H:%M")
    assert f"Checked in at {expected}" in page
    assert "Check in now" not in page
    assert _cancel_link(place) not in page


def test_someone_without_a_place_is_not_offered_check_in_on_the_session_page(client, member):
    session = PublishedSessionFactory(starts_in=dt.timedelta(minutes=10))

    assert "Check in now" not in _session_page(client, member, session)
