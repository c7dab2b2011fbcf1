"""The home page starts with what is the member's own: their next session with its way in,
feedback to give and waiting-list places; a teacher's next session and registers to take; the
committee's work waiting, each linking to its list. The society's description comes after."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.enums import AttendanceSource, AttendanceStatus, Mode
from attendance.models import Registration
from events.enums import SessionStatus
from events.models import Session
from feedback.models import Coding, Receipt
from notifications.enums import MessageStatus
from tests.attendance.factories import RegisterTakenFactory, RegistrationFactory
from tests.events.factories import PublishedSessionFactory
from tests.factories import MemberFactory
from tests.feedback.coding_data import session_comment, text_question
from tests.notifications.factories import MessageFactory

pytestmark = pytest.mark.django_db

MEETING_URL = "https://teams.example/meet"

HOME = reverse("home")
DESCRIPTION = "MedEd is the medical school"


def _home(client, member) -> str:
    client.force_login(member)
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def _section(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</section>", start)]


# Anyone


def test_a_visitor_sees_the_society_described_first_and_how_to_join(client):
    page = client.get(HOME).content.decode()

    assert page.index(DESCRIPTION) < page.index("Join MedEd")
    assert "Your next session" not in page


def test_a_signed_in_member_sees_their_own_things_before_the_description(client, member):
    page = _home(client, member)

    assert page.index("Your next session") < page.index(DESCRIPTION)
    assert "You have no session booked." in page
    assert "Your teaching" not in page
    assert "Waiting for the committee" not in page


# Attendees


def test_the_next_session_is_the_soonest_place_held_with_its_date_as_written_in_the_uk(client, member):
    later = PublishedSessionFactory(starts_in=dt.timedelta(days=9), title="Later")
    sooner = PublishedSessionFactory(starts_in=dt.timedelta(days=2), title="Sooner")
    PublishedSessionFactory(starts_in=dt.timedelta(days=1), title="Not booked")
    cancelled = PublishedSessionFactory(
        starts_in=dt.timedelta(hours=5), title="Called off", status=SessionStatus.CANCELLED
    )
    for session in (later, sooner, cancelled):
        RegistrationFactory(session=session, member=member)

    card = _section(_home(client, member), "next-place")

    assert "Sooner" in card
    assert "Later" not in card and "Not booked" not in card and "Called off" not in card
    assert timezone.localtime(sooner.starts_at).strftime("%a %-d %b, %H:%M") in card


def test_the_next_session_offers_check_in_only_while_it_is_open(client, member):
    session = PublishedSessionFactory(starts_in=dt.timedelta(minutes=45))
    RegistrationFactory(session=session, member=member)
    assert "Check in now" not in _home(client, member)

    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() + dt.timedelta(minutes=20))
    card = _section(_home(client, member), "next-place")
    assert f'href="{reverse("attendance:code")}" data-testid="check-in"' in card


def test_once_checked_in_the_next_session_says_when(client, member):
    session = PublishedSessionFactory(starts_in=dt.timedelta(minutes=-10))
    # 09:05 UTC in winter is 09:05 in London; in summer it would read 10:05.
    at = timezone.now().replace(hour=9, minute=5)
    RegistrationFactory(session=session, member=member, checked_in_at=at, attendance=AttendanceStatus.PRESENT)

    card = _section(_home(client, member), "next-place")

    assert f"Checked in at {timezone.localtime(at):%H:%M}" in card
    assert "Check in now" not in card


def test_an_online_place_shows_the_meeting_link_and_an_in_person_place_at_a_hybrid_session_does_not(client, member):
    online = PublishedSessionFactory(starts_in=dt.timedelta(days=1), hybrid=True, meeting_url=MEETING_URL)
    RegistrationFactory(session=online, member=member, online=True)
    assert 'href="https://teams.example/meet"' in _section(_home(client, member), "next-place")

    Registration.objects.filter(member=member).update(mode=Mode.IN_PERSON)
    assert "https://teams.example/meet" not in _home(client, member)


def _attended(session, member):
    return RegistrationFactory(session=session, member=member, attendance=AttendanceStatus.PRESENT)


def test_feedback_to_give_is_counted_and_links_to_the_list(client, member):
    for days in (1, 2):
        _attended(PublishedSessionFactory(starts_in=-dt.timedelta(days=days), status=SessionStatus.COMPLETED), member)
    given = PublishedSessionFactory(starts_in=-dt.timedelta(days=3), status=SessionStatus.COMPLETED)
    _attended(given, member)
    Receipt.objects.create(session=given, member=member)
    _attended(
        PublishedSessionFactory(starts_in=-dt.timedelta(days=40), status=SessionStatus.COMPLETED), member
    )  # closed

    page = _home(client, member)

    assert f'<a href="{reverse("feedback:to_give")}">Give feedback on 2 sessions</a>' in page


def test_waiting_list_places_show_the_members_position(client, member):
    session = PublishedSessionFactory(starts_in=dt.timedelta(days=3), title="Popular")
    ahead = MemberFactory(year_of_study=2)
    RegistrationFactory(
        session=session, member=ahead, waitlisted=True, queued_at=timezone.now() - dt.timedelta(hours=1)
    )
    RegistrationFactory(session=session, member=member, waitlisted=True)

    waiting = _home(client, member).split('data-testid="waiting-places"')[1]

    assert "Popular" in waiting
    assert "number 2 in line" in waiting


def test_a_member_never_sees_another_members_places_feedback_or_queue(client, member):
    other = MemberFactory(year_of_study=2)
    RegistrationFactory(
        session=PublishedSessionFactory(starts_in=dt.timedelta(minutes=10), title="Theirs"), member=other
    )
    RegistrationFactory(
        session=PublishedSessionFactory(starts_in=dt.timedelta(days=2), title="Their queue"),
        member=other,
        waitlisted=True,
    )
    _attended(
        PublishedSessionFactory(starts_in=-dt.timedelta(days=1), status=SessionStatus.COMPLETED, title="Their past"),
        other,
    )

    page = _home(client, member)

    assert "Theirs" not in page and "Their queue" not in page
    assert "Give feedback" not in page
    assert "You have no session booked." in page


# Teachers


def test_a_teacher_sees_their_next_session_taught_and_registers_to_take(client, teacher, settings):
    settings.REGISTER_EDIT_DAYS = 7
    PublishedSessionFactory(starts_in=dt.timedelta(days=5), title="Taught later", lead=teacher)
    PublishedSessionFactory(starts_in=dt.timedelta(days=2), title="Taught next", lead=teacher)
    PublishedSessionFactory(
        starts_in=dt.timedelta(days=1), title="Someone else's", lead=MemberFactory(roles=["teacher"])
    )
    PublishedSessionFactory(starts_in=dt.timedelta(days=1), title="A draft", status=SessionStatus.DRAFT, lead=teacher)
    for days in (1, 2):
        PublishedSessionFactory(starts_in=-dt.timedelta(days=days), status=SessionStatus.COMPLETED, lead=teacher)
    taken = PublishedSessionFactory(starts_in=-dt.timedelta(days=3), status=SessionStatus.COMPLETED, lead=teacher)
    RegisterTakenFactory(session=taken, taken_by=teacher, taken_at=timezone.now())
    PublishedSessionFactory(
        starts_in=-dt.timedelta(days=9), status=SessionStatus.COMPLETED, lead=teacher
    )  # too late for them

    teaching = _section(_home(client, teacher), "teaching")

    assert "Taught next" in teaching
    assert "Taught later" not in teaching and "Someone else" not in teaching and "A draft" not in teaching
    assert f'<a href="{reverse("teachers:dashboard")}#register-title">2 registers to take</a>' in teaching
    assert "Check-in screen" not in teaching


def test_a_teacher_is_offered_the_check_in_screen_while_check_in_is_open(client, teacher):
    session = PublishedSessionFactory(starts_in=dt.timedelta(minutes=15), lead=teacher)

    teaching = _section(_home(client, teacher), "teaching")

    assert f'href="{reverse("attendance:screen", args=[session.pk])}"' in teaching


# The committee


def test_the_committee_sees_each_count_linking_to_its_list(client, committee_member):
    for _ in range(2):
        PublishedSessionFactory(starts_in=dt.timedelta(days=10), status=SessionStatus.SUBMITTED)
    PublishedSessionFactory(starts_in=dt.timedelta(days=10), status=SessionStatus.DRAFT)
    # Without a register: two ended held sessions; not one with a register, an imported report,
    # one still to come or one cancelled.
    for days in (1, 2):
        PublishedSessionFactory(starts_in=-dt.timedelta(days=days), status=SessionStatus.COMPLETED)
    recent = PublishedSessionFactory(starts_in=-dt.timedelta(days=3), status=SessionStatus.COMPLETED)
    RegisterTakenFactory(session=recent, taken_by=recent.created_by, taken_at=timezone.now())
    imported = PublishedSessionFactory(starts_in=-dt.timedelta(days=4), status=SessionStatus.COMPLETED)
    RegistrationFactory(
        session=imported, member=MemberFactory(year_of_study=2), attendance_source=AttendanceSource.IMPORT
    )
    PublishedSessionFactory(starts_in=-dt.timedelta(days=5), status=SessionStatus.CANCELLED)
    # Comments: two on a recent session, one on a session whose feedback closed long ago.
    old = PublishedSessionFactory(starts_in=-dt.timedelta(days=30), status=SessionStatus.COMPLETED)
    RegisterTakenFactory(session=old, taken_by=old.created_by, taken_at=timezone.now())
    question = text_question()
    first, _second = (session_comment(text, session=recent, question=question) for text in ("Great", "Too fast"))
    session_comment("Old news", session=old, question=question)
    Coding.objects.create(answer=first, coder=committee_member)  # coded by them already
    for _ in range(3):
        MessageFactory(status=MessageStatus.FAILED)
    MessageFactory(status=MessageStatus.SENT)

    committee = _section(_home(client, committee_member), "committee")

    assert f'<a href="{reverse("events:approvals")}">2 sessions awaiting approval</a>' in committee
    dashboard = reverse("analytics:dashboard")
    assert f'href="{dashboard}?sort=attended#sessions-title">2 sessions this year without a register</a>' in committee
    assert f'<a href="{reverse("feedback:moderation")}">2 recent comments to moderate</a>' in committee
    assert f'<a href="{reverse("feedback:coding")}">2 comments you have not coded</a>' in committee
    assert "3 e-mails could not be sent: an administrator can resend them from the outbox." in committee
    assert f'href="{reverse("analytics:dashboard")}"' in committee
    assert "Nothing waiting" not in committee


def test_comments_on_a_session_the_committee_member_teaches_are_not_theirs_to_moderate(client, committee_member):
    own = PublishedSessionFactory(
        starts_in=-dt.timedelta(days=2), status=SessionStatus.COMPLETED, lead=committee_member
    )
    other = PublishedSessionFactory(starts_in=-dt.timedelta(days=2), status=SessionStatus.COMPLETED)
    for session in (own, other):
        RegisterTakenFactory(session=session, taken_by=session.created_by, taken_at=timezone.now())
    question = text_question()
    session_comment("About my own session", session=own, question=question)
    session_comment("About someone else's", session=other, question=question)

    committee = _section(_home(client, committee_member), "committee")

    assert "1 recent comment to moderate" in committee


def test_failed_emails_link_to_the_outbox_for_those_who_may_open_it(client, committee_member):
    committee_member.is_staff = committee_member.is_superuser = True
    committee_member.save(update_fields=["is_staff", "is_superuser"])
    MessageFactory(status=MessageStatus.FAILED)

    committee = _section(_home(client, committee_member), "committee")

    outbox = reverse("admin:notifications_message_changelist")
    assert f'<a href="{outbox}?status__exact=failed">1 e-mail could not be sent</a>' in committee


def test_a_committee_with_nothing_waiting_is_told_so_calmly(client, committee_member):
    ended = PublishedSessionFactory(starts_in=-dt.timedelta(days=1), status=SessionStatus.COMPLETED)
    RegisterTakenFactory(session=ended, taken_by=ended.created_by, taken_at=timezone.now())
    MessageFactory(status=MessageStatus.SENT)

    committee = _section(_home(client, committee_member), "committee")

    assert "Nothing waiting" in committee
    assert "<li" not in committee and " 0 " not in committee
    assert f'href="{reverse("analytics:dashboard")}"' in committee


def test_members_and_teachers_see_no_committee_counts(client, member, teacher):
    PublishedSessionFactory(starts_in=dt.timedelta(days=10), status=SessionStatus.SUBMITTED)

    for who in (member, teacher):
        page = _home(client, who)
        assert "Waiting for the committee" not in page
        assert "awaiting approval" not in page


# Queries do not grow with the data


def _student_world(member, n: int):
    for i in range(n):
        RegistrationFactory(
            session=PublishedSessionFactory(
                starts_in=dt.timedelta(minutes=10 + i), hybrid=True, meeting_url=MEETING_URL
            ),
            member=member,
            online=True,
        )
        queue = PublishedSessionFactory(starts_in=dt.timedelta(days=2 + i))
        RegistrationFactory(session=queue, member=MemberFactory(year_of_study=2), waitlisted=True)
        RegistrationFactory(session=queue, member=member, waitlisted=True)
        _attended(PublishedSessionFactory(starts_in=-dt.timedelta(days=1 + i), status=SessionStatus.COMPLETED), member)


def _teacher_world(teacher, n: int):
    for i in range(n):
        PublishedSessionFactory(starts_in=dt.timedelta(minutes=10 + i), lead=teacher)
        PublishedSessionFactory(starts_in=-dt.timedelta(days=1 + i), status=SessionStatus.COMPLETED, lead=teacher)
        PublishedSessionFactory(starts_in=dt.timedelta(days=3 + i), status=SessionStatus.DRAFT, lead=teacher)


def _committee_world(n: int):
    question = text_question()
    for i in range(n):
        PublishedSessionFactory(starts_in=dt.timedelta(days=10 + i), status=SessionStatus.SUBMITTED)
        past = PublishedSessionFactory(starts_in=-dt.timedelta(days=1 + i), status=SessionStatus.COMPLETED)
        session_comment(f"Comment {i}", session=past, question=question)
        MessageFactory(status=MessageStatus.FAILED)


# Session, member, groups; the member's upcoming places (+ their rosters), queue positions and
# feedback to give.
STUDENT_QUERIES = 7
# + the sessions taught, with their target years and rosters (with their teachers).
TEACHER_QUERIES = STUDENT_QUERIES + 3
# + coding progress, sessions awaiting approval, without a register, comments, the outbox.
COMMITTEE_QUERIES = STUDENT_QUERIES + 5


@pytest.mark.parametrize("n", [1, 4])
def test_a_students_home_query_count_does_not_grow(client, member, django_assert_num_queries, n):
    _student_world(member, n)
    client.force_login(member)
    with django_assert_num_queries(STUDENT_QUERIES):
        page = client.get(HOME).content.decode()
    assert "https://teams.example/meet" in page
    assert "number 2 in line" in page


@pytest.mark.parametrize("n", [1, 4])
def test_a_teachers_home_query_count_does_not_grow(client, teacher, django_assert_num_queries, n):
    _student_world(teacher, n)
    _teacher_world(teacher, n)
    client.force_login(teacher)
    with django_assert_num_queries(TEACHER_QUERIES):
        page = client.get(HOME).content.decode()
    assert "Check-in screen" in page
    assert "registers to take" in page or "register to take" in page


@pytest.mark.parametrize("n", [1, 4])
def test_a_committee_home_query_count_does_not_grow(client, committee_member, django_assert_num_queries, n):
    _student_world(committee_member, n)
    _committee_world(n)
    client.force_login(committee_member)
    with django_assert_num_queries(COMMITTEE_QUERIES):
        page = client.get(HOME).content.decode()
    assert f"{n} recent comment" in page
