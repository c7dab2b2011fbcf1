import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from attendance.models import Registration
from attendance.services import register
from events.models import CalendarToken, Session
from events.permissions import holds_online_place
from events.selectors import online_place_at
from events.services import (
    calendar_token_for,
    cancel_session,
    reset_calendar_token,
    update_session,
)
from teachers.services import propose_session
from tests.attendance.factories import RegistrationFactory
from tests.events.factories import approved_session
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

START = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)


def _events(response):
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content).walk("VEVENT")


@pytest.fixture
def teacher():
    return MemberFactory(first_name="Tom", last_name="Okafor", year_of_study=5, roles=["teacher"])


def test_session_ics_parses_back_with_its_times_place_and_uid(client, teacher):
    session = approved_session(teacher, starts_at=START)
    client.force_login(MemberFactory(year_of_study=1))

    response = client.get(reverse("events:ics", args=[session.pk]))

    (event,) = _events(response)
    assert response["Content-Disposition"] == f'attachment; filename="meded-session-{session.pk}.ics"'
    assert str(event["uid"]) == f"session-{session.pk}@meded.example.ac.uk"
    assert event.decoded("dtstart") == session.starts_at
    assert event.decoded("dtend") == session.ends_at
    assert str(event["summary"]) == "Renal physiology"
    assert str(event["location"]) == "Room 1"
    assert str(event["status"]) == "CONFIRMED"
    assert event.decoded("sequence") == 0
    # An attendee not yet registered does not get the meeting link.
    assert "teams.example" not in str(event["description"])
    assert f"https://meded.example.ac.uk/sessions/{session.pk}/" in str(event["description"])


def test_a_change_of_time_keeps_the_uid_and_raises_the_sequence(client, teacher):
    session = approved_session(teacher, starts_at=START)
    uid_before = f"session-{session.pk}@meded.example.ac.uk"
    update_session(
        session=session,
        changed_by=teacher,
        target_years=[1, 2],
        starts_at=START + dt.timedelta(hours=2),
        ends_at=START + dt.timedelta(hours=3),
    )
    update_session(session=session, changed_by=teacher, target_years=[1, 2], description="Only words changed.")
    client.force_login(teacher)

    (event,) = _events(client.get(reverse("events:ics", args=[session.pk])))

    assert str(event["uid"]) == uid_before
    assert event.decoded("sequence") == 1  # the description-only edit does not disturb calendars
    assert event.decoded("dtstart") == START + dt.timedelta(hours=2)


def test_a_cancelled_session_is_sent_as_cancelled_with_a_higher_sequence(client, teacher):
    session = approved_session(teacher, starts_at=START)
    cancel_session(session=session, by=teacher, reason="Teacher unwell")

    (event,) = _events(client.get(reverse("events:year_feed", args=[1])))

    assert str(event["status"]) == "CANCELLED"
    assert event.decoded("sequence") == 1


def test_year_feed_is_public_lists_only_that_year_and_hides_meeting_links(client, teacher):
    approved_session(teacher, title="For years 1 and 2", starts_at=START)
    approved_session(teacher, title="For year 4", target_years=[4], starts_at=START + dt.timedelta(days=1))
    propose_session(
        teacher=teacher,
        title="A draft",
        format="online",
        meeting_url="https://x.example",
        target_years=[1],
        starts_at=START,
        ends_at=START + dt.timedelta(hours=1),
    )

    events = _events(client.get(reverse("events:year_feed", args=[1])))

    assert [str(e["summary"]) for e in events] == ["For years 1 and 2"]
    assert all("teams.example" not in str(e["description"]) for e in events)


def test_year_feed_for_a_year_outside_1_to_6_is_not_found(client):
    assert client.get(reverse("events:year_feed", args=[7])).status_code == 404


def test_personal_feed_lists_the_members_teaching_with_links_and_resetting_revokes_it(client, teacher):
    approved_session(teacher, title="Mine", starts_at=START)
    approved_session(MemberFactory(roles=["teacher"], year_of_study=6), title="Someone else's", starts_at=START)
    old = calendar_token_for(member=teacher).token

    events = _events(client.get(reverse("events:personal_feed", args=[old])))
    assert [str(e["summary"]) for e in events] == ["Mine"]
    assert "Join online: https://teams.example/join/abc" in str(events[0]["description"])

    new = reset_calendar_token(member=teacher).token
    assert new != old
    assert client.get(reverse("events:personal_feed", args=[old])).status_code == 404
    assert client.get(reverse("events:personal_feed", args=[new])).status_code == 200


def test_personal_feed_of_an_inactive_member_is_gone(client, teacher):
    token = calendar_token_for(member=teacher).token
    teacher.is_active = False
    teacher.save()
    assert client.get(reverse("events:personal_feed", args=[token])).status_code == 404


def test_calendar_page_shows_the_private_link_and_replaces_it(client, teacher):
    client.force_login(teacher)
    first = client.get(reverse("events:calendar"))
    token = CalendarToken.objects.get(member=teacher).token
    assert f"https://meded.example.ac.uk/calendar/{token}.ics" in first.content.decode()

    response = client.post(reverse("events:calendar"), follow=True)

    assert CalendarToken.objects.get(member=teacher).token != token
    assert "Your private calendar link has been replaced" in response.content.decode()


@pytest.mark.parametrize("count", [5, 200])
def test_feeds_take_a_fixed_number_of_queries(client, teacher, django_assert_num_queries, count):
    for n in range(count):
        approved_session(teacher, title=f"S{n}", starts_at=START + dt.timedelta(hours=n))
    token = calendar_token_for(member=teacher).token
    with django_assert_num_queries(3):  # sessions, target years, roster with its teachers
        response = client.get(reverse("events:year_feed", args=[1]))
    assert len(_events(response)) == count
    with django_assert_num_queries(5):  # + the token and its member, and its roles (who sees meeting links)
        response = client.get(reverse("events:personal_feed", args=[token]))
    assert len(_events(response)) == count


def test_public_year_feed_leaves_out_cancelled_drafts_and_teacher_names(client, teacher):
    approved_session(teacher, title="Listed", starts_at=START)
    draft = propose_session(
        teacher=teacher,
        title="Abandoned draft",
        format="online",
        meeting_url="https://x.example",
        target_years=[1],
        starts_at=START,
        ends_at=START + dt.timedelta(hours=1),
    )
    cancel_session(session=draft, by=teacher, reason="Changed my mind")

    events = _events(client.get(reverse("events:year_feed", args=[1])))

    assert [str(e["summary"]) for e in events] == ["Listed"]
    assert "comment" not in events[0]


def test_a_session_open_to_all_years_is_in_every_years_feed(client, teacher):
    from events.services import update_session

    session = approved_session(teacher, title="Careers evening", target_years=[6], starts_at=START)
    update_session(session=session, changed_by=teacher, target_years=[6], is_open_to_all_years=True)
    events = _events(client.get(reverse("events:year_feed", args=[1])))
    assert [str(e["summary"]) for e in events] == ["Careers evening"]


def test_a_title_with_a_line_break_is_kept_on_one_line_when_written_and_edited(teacher):
    session = approved_session(teacher, title="Renal physiology:\r\nthe nephron", starts_at=START)
    assert session.title == "Renal physiology: the nephron"
    update_session(
        session=session, changed_by=teacher, target_years=[1, 2], title="Acid–base\nbalance", venue="Room\n2"
    )
    session.refresh_from_db()
    assert (session.title, session.venue) == ("Acid–base balance", "Room 2")


def test_a_session_whose_stored_title_holds_a_line_break_still_has_a_calendar_file(client, teacher):
    session = approved_session(teacher, starts_at=START)
    # A row written before titles were kept on one line.
    Session.objects.filter(pk=session.pk).update(title="Renal\nphysiology", venue="Room\n1")
    client.force_login(teacher)
    response = client.get(reverse("events:ics", args=[session.pk]))
    assert response.status_code == 200
    (event,) = _events(response)
    assert (str(event["summary"]), str(event["location"])) == ("Renal physiology", "Room 1")


def _in_person_and_online_places(teacher):
    session = approved_session(teacher, format="hybrid", starts_at=START)
    in_person = MemberFactory(year_of_study=1)
    online = MemberFactory(year_of_study=2)
    register(session=session, member=in_person, mode="in_person")
    register(session=session, member=online, mode="online")
    return session, in_person, online


def test_only_online_places_see_a_hybrid_sessions_link_on_its_page_and_calendar_file(client, teacher):
    session, in_person, online = _in_person_and_online_places(teacher)
    link = "https://teams.example/join/abc"
    for member, sees in ((in_person, False), (online, True), (teacher, True)):
        client.force_login(member)
        page = client.get(reverse("events:detail", args=[session.pk])).content.decode()
        (event,) = _events(client.get(reverse("events:ics", args=[session.pk])))
        assert (link in page, link in str(event["description"])) == (sees, sees), member


def test_only_online_places_see_a_hybrid_sessions_link_in_the_private_feed(client, teacher):
    _session, in_person, online = _in_person_and_online_places(teacher)
    for member, sees in ((in_person, False), (online, True), (teacher, True)):
        token = calendar_token_for(member=member).token
        (event,) = _events(client.get(reverse("events:personal_feed", args=[token])))
        assert ("https://teams.example/join/abc" in str(event["description"])) is sees, member


def test_online_place_in_python_and_in_sql_agree(teacher):
    session, in_person, online = _in_person_and_online_places(teacher)
    waiting = MemberFactory(year_of_study=1)
    RegistrationFactory(session=session, member=waiting, online=True, waitlisted=True)
    for member in (in_person, online, waiting, teacher):
        registration = Registration.objects.filter(session=session, member=member).first()
        in_sql = Session.objects.filter(pk=session.pk).annotate(p=online_place_at(member=member)).get().p
        assert holds_online_place(registration) is in_sql, member
