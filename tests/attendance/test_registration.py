import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from attendance.enums import RegistrationState
from attendance.models import Registration
from attendance.services import RegistrationRefused, cancel_registration, register, waitlist_position
from events.enums import SessionStatus
from events.selectors import session_for_page
from events.services import calendar_token_for, cancel_session
from tests.events.factories import ProposedSessionFactory
from tests.factories import MemberFactory, StudentFactory

pytestmark = pytest.mark.django_db

START = timezone.now() + dt.timedelta(days=3)


def _states(session):
    return list(
        Registration.objects.filter(session=session).order_by("queued_at", "pk").values_list("state", flat=True)
    )


def test_registration_records_the_year_of_study_at_that_moment():
    session = ProposedSessionFactory()
    member = StudentFactory()
    registration = register(session=session, member=member)
    member.year_of_study = 3
    member.save()
    registration.refresh_from_db()
    assert (registration.state, registration.mode, registration.year_of_study) == ("registered", "in_person", 2)


@pytest.mark.parametrize("year", [1, 3, None])
def test_only_members_in_a_target_year_may_register(year):
    session = ProposedSessionFactory(target_years=[2])
    with pytest.raises(RegistrationRefused):
        register(session=session, member=MemberFactory(year_of_study=year))
    assert Registration.objects.count() == 0


def test_refusal_explains_the_year_mismatch():
    session = ProposedSessionFactory(target_years=[1, 2])
    with pytest.raises(RegistrationRefused) as refused:
        register(session=session, member=MemberFactory(year_of_study=4))
    assert str(refused.value) == "This session is for year 1, 2; your profile says year 4."


def test_past_capacity_members_join_the_waiting_list_in_order():
    session = ProposedSessionFactory(capacity=2)
    members = [StudentFactory() for _ in range(5)]
    registrations = [register(session=session, member=m) for m in members]
    assert _states(session) == ["registered", "registered", "waitlisted", "waitlisted", "waitlisted"]
    assert [waitlist_position(r) for r in registrations] == [None, None, 1, 2, 3]


def test_cancelling_a_place_promotes_the_first_in_line_for_that_mode():
    session = ProposedSessionFactory(capacity=1)
    first, second, third = (register(session=session, member=StudentFactory()) for _ in range(3))

    promoted = cancel_registration(registration=first)

    assert promoted.pk == second.pk
    second.refresh_from_db()
    assert (second.state, second.promoted_at is not None) == ("registered", True)
    third.refresh_from_db()
    assert waitlist_position(third) == 1


def test_leaving_the_waiting_list_promotes_nobody_and_moves_the_queue_up():
    session = ProposedSessionFactory(capacity=1)
    _, second, third = (register(session=session, member=StudentFactory()) for _ in range(3))
    assert cancel_registration(registration=second) is None
    third.refresh_from_db()
    assert (third.state, waitlist_position(third)) == ("waitlisted", 1)


def test_hybrid_sessions_have_a_capacity_and_a_queue_per_mode():
    session = ProposedSessionFactory(hybrid=True, capacity=1, online_capacity=1)
    in_person = [register(session=session, member=StudentFactory(), mode="in_person") for _ in range(2)]
    online = [register(session=session, member=StudentFactory(), mode="online") for _ in range(2)]
    assert [r.state for r in in_person] == ["registered", "waitlisted"]
    assert [r.state for r in online] == ["registered", "waitlisted"]

    promoted = cancel_registration(registration=online[0])

    assert promoted.pk == online[1].pk
    in_person[1].refresh_from_db()
    assert in_person[1].state == "waitlisted"


def test_a_hybrid_session_needs_a_mode_and_online_sessions_have_no_limit():
    hybrid = ProposedSessionFactory(hybrid=True, capacity=1)
    with pytest.raises(RegistrationRefused, match="in person or join online"):
        register(session=hybrid, member=StudentFactory())
    online = ProposedSessionFactory(online=True)
    assert {register(session=online, member=StudentFactory()).state for _ in range(5)} == {"registered"}


def test_registering_again_after_cancelling_goes_to_the_back_of_the_queue():
    session = ProposedSessionFactory(capacity=1)
    member = StudentFactory()
    first = register(session=session, member=member)
    waiting = register(session=session, member=StudentFactory())
    cancel_registration(registration=first)  # promotes `waiting`
    again = register(session=session, member=member)
    assert again.pk == first.pk  # one row per member and session, ever
    assert again.state == RegistrationState.WAITLISTED
    waiting.refresh_from_db()
    assert waiting.state == RegistrationState.REGISTERED


def test_a_member_cannot_register_twice():
    session = ProposedSessionFactory()
    member = StudentFactory()
    register(session=session, member=member)
    with pytest.raises(RegistrationRefused, match="already registered"):
        register(session=session, member=member)


def test_registration_closes_at_the_start_unless_late_registration_is_allowed(settings):
    session = ProposedSessionFactory(running=True)
    with pytest.raises(RegistrationRefused, match="closed when the session started"):
        register(session=session, member=StudentFactory())
    settings.ALLOW_LATE_REGISTRATION = True
    assert register(session=session, member=StudentFactory()).state == "registered"


def test_no_registration_for_drafts_or_cancelled_sessions():
    draft = ProposedSessionFactory(status=SessionStatus.SUBMITTED)
    with pytest.raises(RegistrationRefused, match="not open for registration"):
        register(session=draft, member=StudentFactory())
    cancelled = ProposedSessionFactory()
    cancel_session(session=cancelled, by=cancelled.created_by, reason="Ill")
    with pytest.raises(RegistrationRefused, match="not open for registration"):
        register(session=cancelled, member=StudentFactory())


def test_a_place_cannot_be_cancelled_after_the_start():
    session = ProposedSessionFactory()
    registration = register(session=session, member=StudentFactory())
    session.starts_at = timezone.now() - dt.timedelta(minutes=1)
    session.save()
    with pytest.raises(RegistrationRefused, match="has started"):
        cancel_registration(registration=registration)


def test_places_left_are_counted_in_sql_for_the_session_page():
    session = ProposedSessionFactory(hybrid=True, capacity=3, online_capacity=2)
    register(session=session, member=StudentFactory(), mode="in_person")
    register(session=session, member=StudentFactory(), mode="online")
    register(session=session, member=StudentFactory(), mode="online")
    register(session=session, member=StudentFactory(), mode="online")  # waitlisted: takes no place
    page = session_for_page(pk=session.pk)
    assert (page.in_person_places_left, page.online_places_left) == (2, 0)


def test_register_button_gives_a_place_and_shows_the_link(client):
    session = ProposedSessionFactory(online=True)
    member = StudentFactory()
    client.force_login(member)
    before = client.get(reverse("events:detail", args=[session.pk])).content.decode()
    assert "https://teams.example/j" not in before

    response = client.post(reverse("attendance:register", args=[session.pk]), follow=True)

    content = response.content.decode()
    assert "You have a place at “Renal”." in content
    assert 'href="https://teams.example/j"' in content


def test_a_full_session_tells_the_member_their_place_in_line(client):
    session = ProposedSessionFactory(capacity=1)
    register(session=session, member=StudentFactory())
    client.force_login(StudentFactory())
    response = client.post(reverse("attendance:register", args=[session.pk]), follow=True)
    content = response.content.decode()
    assert "is full: you are number 1 on the waiting list" in content
    assert "You are number 1 on the waiting list." in content


def test_register_view_shows_refusals_as_messages(client):
    session = ProposedSessionFactory(target_years=[1])
    client.force_login(MemberFactory(year_of_study=2))
    response = client.post(reverse("attendance:register", args=[session.pk]), follow=True)
    assert "This session is for year 1; your profile says year 2." in response.content.decode()


def test_drafts_cannot_be_registered_for_and_do_not_leak(client):
    draft = ProposedSessionFactory(status=SessionStatus.SUBMITTED)
    client.force_login(StudentFactory())
    assert client.post(reverse("attendance:register", args=[draft.pk])).status_code == 404


def test_members_cancel_only_their_own_registration(client):
    session = ProposedSessionFactory()
    registration = register(session=session, member=StudentFactory())
    client.force_login(StudentFactory())
    assert client.post(reverse("attendance:cancel_confirm", args=[registration.pk])).status_code == 404
    registration.refresh_from_db()
    assert registration.state == "registered"


def test_my_sessions_lists_upcoming_waiting_and_cancellation(client):
    member = StudentFactory()
    booked = ProposedSessionFactory(online=True)
    full = ProposedSessionFactory(capacity=1)
    register(session=full, member=StudentFactory())
    register(session=booked, member=member)
    register(session=full, member=member)
    client.force_login(member)

    content = client.get(reverse("attendance:mine")).content.decode()
    assert 'href="https://teams.example/j"' in content  # Join online
    assert "number 1 in line" in content

    registration = Registration.objects.get(session=booked, member=member)
    response = client.post(reverse("attendance:cancel_confirm", args=[registration.pk]), {"next": "mine"}, follow=True)
    assert "You are no longer registered for “Renal”." in response.content.decode()
    assert response.request["PATH_INFO"] == reverse("attendance:mine")


@pytest.mark.parametrize("count", [5, 200])
def test_my_sessions_query_count_does_not_grow(client, django_assert_num_queries, count):
    member = StudentFactory()
    teacher = MemberFactory(roles=["teacher"], year_of_study=5)
    for n in range(count):
        start = START + dt.timedelta(hours=n)
        session = ProposedSessionFactory(
            teacher=teacher,
            online=True,
            title=f"S{n}",
            meeting_url="https://t.example/j",
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=50),
        )
        register(session=session, member=member)
    client.force_login(member)
    with django_assert_num_queries(7):  # session, member, groups, registrations + sessions, years, roster, teachers
        response = client.get(reverse("attendance:mine"))
    assert len(response.context["upcoming"]) == count


def test_personal_feed_includes_sessions_the_member_has_a_place_at(client):
    session = ProposedSessionFactory(online=True)
    member = StudentFactory()
    register(session=session, member=member)
    waiting_session = ProposedSessionFactory(capacity=1)
    register(session=waiting_session, member=StudentFactory())
    register(session=waiting_session, member=member)

    response = client.get(reverse("events:personal_feed", args=[calendar_token_for(member=member).token]))

    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [f"session-{session.pk}@meded.example.ac.uk"]
    assert "Join online: https://teams.example/j" in str(events[0]["description"])
