"""Cancelling a place: never once checked in or once the session has started (`cancellation_open`),
a check-in only for an active place, and a confirmation page that says what happens to the place."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from attendance.models import Registration
from attendance.selectors import checked_in_count
from attendance.services import RegistrationRefused, cancel_registration, check_in, register
from events.services import cancel_session
from tests.events.factories import ProposedSessionFactory
from tests.factories import PASSWORD, MemberFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked_in():
    """A member checked in during the half hour before the start, when check-in is already open."""
    session = ProposedSessionFactory(starts_in=dt.timedelta(minutes=10))
    member = StudentFactory()
    registration = register(session=session, member=member)
    check_in(session=session, member=member, source="qr")
    registration.refresh_from_db()
    return registration


def _confirm_url(registration):
    return reverse("attendance:cancel_confirm", args=[registration.pk])


# --- The service and the check-in ----------------------------------------------------------------


def test_a_checked_in_place_cannot_be_cancelled_before_the_start(checked_in):
    assert timezone.now() < checked_in.session.starts_at

    with pytest.raises(RegistrationRefused, match="You have checked in, so your place is kept"):
        cancel_registration(registration=checked_in)

    checked_in.refresh_from_db()
    assert (checked_in.state, checked_in.attendance, checked_in.cancelled_at) == ("registered", "present", None)


def test_checking_in_again_after_a_cancelled_check_in_checks_in_afresh():
    # A row cancelled after its check-in (as the service allowed before): its old check-in is not
    # the member's attendance, so checking in again must give them a place and mark them present.
    session = ProposedSessionFactory(starts_in=dt.timedelta(minutes=10))
    member = StudentFactory()
    registration = register(session=session, member=member)
    old = timezone.now() - dt.timedelta(minutes=5)
    Registration.objects.filter(pk=registration.pk).update(
        state="cancelled", cancelled_at=timezone.now(), checked_in_at=old, attendance="present"
    )

    again, new = check_in(session=session, member=member, source="code")

    assert new is True
    again.refresh_from_db()
    assert (again.pk, again.state, again.attendance, again.checked_in_at > old) == (
        registration.pk,
        "registered",
        "present",
        True,
    )


def test_the_checked_in_count_counts_only_members_holding_a_place(client):
    session = ProposedSessionFactory(starts_in=dt.timedelta(minutes=10))
    present, gone = StudentFactory(), StudentFactory()
    for member in (present, gone):
        register(session=session, member=member)
        check_in(session=session, member=member, source="qr")
    Registration.objects.filter(session=session, member=gone).update(state="cancelled", cancelled_at=timezone.now())

    assert checked_in_count(session=session) == 1
    client.force_login(MemberFactory(roles=["committee"]))
    content = client.get(reverse("attendance:screen", args=[session.pk])).content.decode()
    assert "Checked in: <span data-check-in-count>1</span>" in content


# --- The buttons ---------------------------------------------------------------------------------


def test_session_page_offers_no_cancelling_once_checked_in(client, checked_in):
    client.force_login(checked_in.member)
    content = client.get(reverse("events:detail", args=[checked_in.session_id])).content.decode()
    assert "You have a place (in person)." in content
    assert "Cancel my place" not in content
    assert _confirm_url(checked_in) not in content


def test_my_sessions_offers_cancelling_only_while_it_is_open(client, checked_in, settings):
    settings.ALLOW_LATE_REGISTRATION = True
    member = checked_in.member
    upcoming = register(session=ProposedSessionFactory(), member=member)
    running = register(session=ProposedSessionFactory(starts_in=-dt.timedelta(minutes=5)), member=member)
    client.force_login(member)

    content = client.get(reverse("attendance:mine")).content.decode()

    assert f'href="{_confirm_url(upcoming)}?next=mine"' in content
    assert _confirm_url(checked_in) not in content
    assert _confirm_url(running) not in content
    assert content.count("Cancel my place") == 1


def test_cancel_buttons_link_to_the_confirmation_page(client):
    session = ProposedSessionFactory()
    member = StudentFactory()
    registration = register(session=session, member=member)
    client.force_login(member)

    page = client.get(reverse("events:detail", args=[session.pk])).content.decode()
    mine = client.get(reverse("attendance:mine")).content.decode()

    assert f'href="{_confirm_url(registration)}"' in page
    assert f'href="{_confirm_url(registration)}?next=mine"' in mine
    assert 'action="/registrations/' not in page + mine  # nothing cancels without the confirmation page


def test_my_sessions_offers_leaving_a_waiting_list_through_the_confirmation_page(client):
    session = ProposedSessionFactory(capacity=1)
    register(session=session, member=StudentFactory())
    member = StudentFactory()
    waiting = register(session=session, member=member)
    client.force_login(member)

    content = client.get(reverse("attendance:mine")).content.decode()

    assert "number 1 in line" in content
    assert f'href="{_confirm_url(waiting)}?next=mine">Leave the waiting list' in content


# --- The confirmation page -----------------------------------------------------------------------


def test_confirm_page_says_the_place_goes_to_the_first_on_the_waiting_list_and_cancels_nothing(client):
    session = ProposedSessionFactory(capacity=1)
    member = StudentFactory()
    registration = register(session=session, member=member)
    register(session=session, member=StudentFactory())  # waiting
    client.force_login(member)

    response = client.get(_confirm_url(registration))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Cancel your place at “Renal”?" in content
    assert "Your place goes straight away to the first person on the waiting list" in content
    assert f'<form method="post" action="{_confirm_url(registration)}"' in content
    assert "csrfmiddlewaretoken" in content
    registration.refresh_from_db()
    assert registration.state == "registered"


def test_confirm_page_says_the_place_goes_back_to_the_pool_when_nobody_is_waiting(client):
    session = ProposedSessionFactory(capacity=2)
    member = StudentFactory()
    registration = register(session=session, member=member)
    client.force_login(member)

    content = client.get(_confirm_url(registration)).content.decode()

    assert "Your place goes back to the pool for anyone to take." in content
    assert "waiting list" not in content


def test_confirm_page_at_a_cancelled_session_offers_the_place_to_no_one(client):
    session = ProposedSessionFactory(capacity=1)
    member = StudentFactory()
    registration = register(session=session, member=member)
    register(session=session, member=StudentFactory())  # waiting, but the session is off
    cancel_session(session=session, by=session.created_by, reason="Ill")
    client.force_login(member)

    content = client.get(_confirm_url(registration)).content.decode()

    assert "This session has been cancelled, so no one else is offered your place" in content
    assert "first person on the waiting list" not in content


def test_confirm_page_for_a_waiting_list_place_says_they_leave_the_list(client):
    session = ProposedSessionFactory(capacity=1)
    register(session=session, member=StudentFactory())
    member = StudentFactory()
    waiting = register(session=session, member=member)
    client.force_login(member)

    content = client.get(_confirm_url(waiting)).content.decode()

    assert "Leave the waiting list for “Renal”?" in content
    assert "You will leave the waiting list and lose your position in it." in content
    assert "Yes, leave the waiting list" in content


def test_confirming_cancels_hands_the_place_on_and_returns_to_my_sessions(client):
    session = ProposedSessionFactory(capacity=1)
    member, next_in_line = StudentFactory(), StudentFactory()
    registration = register(session=session, member=member)
    waiting = register(session=session, member=next_in_line)
    client.force_login(member)

    response = client.post(_confirm_url(registration), {"next": "mine"}, follow=True)

    assert response.request["PATH_INFO"] == reverse("attendance:mine")
    assert "You are no longer registered for “Renal”." in response.content.decode()
    registration.refresh_from_db()
    waiting.refresh_from_db()
    assert (registration.state, waiting.state) == ("cancelled", "registered")


def test_confirming_after_checking_in_is_refused_with_a_message(client, checked_in):
    client.force_login(checked_in.member)

    page = client.get(_confirm_url(checked_in)).content.decode()
    response = client.post(_confirm_url(checked_in), follow=True)

    assert "You have checked in, so your place is kept" in page
    assert "Yes, cancel my place" not in page
    assert "You have checked in, so your place is kept" in response.content.decode()
    checked_in.refresh_from_db()
    assert checked_in.state == "registered"


def test_confirm_page_is_not_found_for_another_members_or_a_cancelled_registration(client):
    session = ProposedSessionFactory()
    registration = register(session=session, member=StudentFactory())
    client.force_login(StudentFactory())

    assert client.get(_confirm_url(registration)).status_code == 404
    assert client.post(_confirm_url(registration)).status_code == 404
    registration.refresh_from_db()
    assert registration.state == "registered"

    cancel_registration(registration=registration)
    client.force_login(registration.member)
    assert client.get(_confirm_url(registration)).status_code == 404


def test_confirming_needs_the_csrf_token():
    session = ProposedSessionFactory()
    member = StudentFactory()
    registration = register(session=session, member=member)
    client = Client(enforce_csrf_checks=True)
    assert client.login(email=member.email, password=PASSWORD)

    assert client.post(_confirm_url(registration)).status_code == 403
    registration.refresh_from_db()
    assert registration.state == "registered"
