"""Time-based messages: written once, inside their window, by a sweep that may run any number of times."""

import datetime as dt

import pytest

from attendance.messages import reminder_replaced, session_reminders
from attendance.models import Registration
from attendance.services import cancel_registration, register
from events.enums import SessionStatus
from events.services import cancel_session, update_session
from notifications.due import write_due_messages
from notifications.enums import MessageKind
from notifications.models import Message
from tests.attendance.factories import RegisterTakenFactory, RegistrationFactory
from tests.events.factories import SessionFactory
from tests.factories import MemberFactory, StudentFactory
from tests.notifications.factories import LONDON, published_session, rows

pytestmark = pytest.mark.django_db

REMINDER, DETAILS, TAKE_REGISTER, DIGEST = (
    MessageKind.SESSION_REMINDER,
    MessageKind.DETAILS_CHECK,
    MessageKind.TAKE_REGISTER,
    MessageKind.COMMITTEE_DIGEST,
)
NOTHING = {"reminders": 0, "details_checks": 0, "register_requests": 0, "digests": 0}
HOUR, MINUTE = dt.timedelta(hours=1), dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.REMINDER_HOURS_BEFORE = [24, 1]
    settings.REGISTER_EDIT_DAYS = 7


def _reminders():
    """(recipient, lead hours, the start time the reminder is for)."""
    return sorted(
        (m.recipient_id, m.context["hours"], dt.datetime.fromisoformat(m.occurrence.split("-", 1)[1]))
        for m in Message.objects.filter(kind=REMINDER)
    )


@pytest.fixture
def session_with_people(lead):
    """Published, five days ahead, with one registered, one waiting and one cancelled member."""
    session = published_session(lead=lead, capacity=1)
    registered, waiting, cancelled = StudentFactory(), StudentFactory(), StudentFactory()
    register(session=session, member=registered)
    cancel_registration(registration=register(session=session, member=cancelled))
    register(session=session, member=waiting)
    Message.objects.all().delete()
    session.refresh_from_db()
    session.people = {"registered": registered, "waiting": waiting, "cancelled": cancelled}
    return session


# --- Reminders before a session ----------------------------------------------------------------


def test_no_reminder_before_the_window_opens(session_with_people):
    write_due_messages(now=session_with_people.starts_at - 24 * HOUR - MINUTE)
    assert _reminders() == []


def test_the_24_hour_reminder_goes_only_to_registered_members(session_with_people):
    session = session_with_people
    written = write_due_messages(now=session.starts_at - 24 * HOUR)
    assert written["reminders"] == 1
    assert _reminders() == [(session.people["registered"].pk, 24, session.starts_at)]
    message = Message.objects.get(kind=REMINDER)
    assert (message.about_type, message.about_id) == ("events.session", session.pk)


def test_the_1_hour_reminder_follows_the_24_hour_one(session_with_people):
    session = session_with_people
    registered = session.people["registered"].pk
    write_due_messages(now=session.starts_at - 24 * HOUR)
    write_due_messages(now=session.starts_at - 2 * HOUR)
    assert _reminders() == [(registered, 24, session.starts_at)]
    write_due_messages(now=session.starts_at - HOUR)
    assert _reminders() == [(registered, 1, session.starts_at), (registered, 24, session.starts_at)]


def test_no_reminder_once_the_session_has_started(session_with_people):
    write_due_messages(now=session_with_people.starts_at)
    write_due_messages(now=session_with_people.starts_at + MINUTE)
    assert _reminders() == []


def test_running_the_sweep_twice_writes_nothing_new(session_with_people):
    now = session_with_people.starts_at - HOUR
    first = write_due_messages(now=now)
    second = write_due_messages(now=now + MINUTE)
    assert first["reminders"] == 1  # the nearest open reminder only, not the 24-hour one as well
    assert second == NOTHING
    assert Message.objects.filter(kind=REMINDER).count() == 1


def test_someone_who_registered_after_the_reminders_moment_gets_only_the_later_one(lead):
    session = published_session(lead=lead)
    early, late = StudentFactory(), StudentFactory()
    register(session=session, member=early)
    registration = register(session=session, member=late)
    # They registered 20 hours before the start, after the 24-hour reminder's moment.
    Registration.objects.filter(pk=registration.pk).update(queued_at=session.starts_at - 20 * HOUR)
    write_due_messages(now=session.starts_at - 20 * HOUR + MINUTE)
    assert [r[:2] for r in _reminders()] == [(early.pk, 24)]
    write_due_messages(now=session.starts_at - HOUR)
    assert [r[:2] for r in _reminders()] == [(early.pk, 1), (early.pk, 24), (late.pk, 1)]


def test_someone_promoted_after_the_reminders_moment_does_not_get_it(lead):
    session = published_session(lead=lead, capacity=1)
    holder, waiting = StudentFactory(), StudentFactory()
    held = register(session=session, member=holder)
    register(session=session, member=waiting)
    cancel_registration(registration=held)
    Registration.objects.filter(member=waiting).update(promoted_at=session.starts_at - 10 * HOUR)
    write_due_messages(now=session.starts_at - 10 * HOUR + MINUTE)
    assert _reminders() == []


@pytest.mark.parametrize("status", [SessionStatus.DRAFT, SessionStatus.SUBMITTED, SessionStatus.CANCELLED])
def test_no_reminder_for_a_session_that_is_not_published(status):
    session = SessionFactory(status=status, target_years=[2])
    RegistrationFactory(session=session, member=StudentFactory(), queued_at=session.starts_at - 5 * 24 * HOUR)
    write_due_messages(now=session.starts_at - HOUR)
    assert _reminders() == []


def test_a_cancelled_session_gets_no_further_reminders(session_with_people, committee_member):
    session = session_with_people
    write_due_messages(now=session.starts_at - 24 * HOUR)
    cancel_session(session=session, by=committee_member, reason="Teacher unwell")
    write_due_messages(now=session.starts_at - HOUR)
    assert [r[1] for r in _reminders()] == [24]


def test_moving_the_session_writes_a_reminder_for_the_new_time(session_with_people, lead):
    session = session_with_people
    old_start = session.starts_at
    write_due_messages(now=old_start - 24 * HOUR)
    new_start = old_start + 2 * 24 * HOUR
    update_session(session=session, changed_by=lead, target_years=[2], starts_at=new_start, ends_at=new_start + HOUR)
    write_due_messages(now=old_start - 23 * HOUR)  # the old window: nothing for the new time yet
    write_due_messages(now=new_start - 24 * HOUR)
    registered = session.people["registered"].pk
    assert _reminders() == [(registered, 24, old_start), (registered, 24, new_start)]


@pytest.mark.parametrize("first_sweep_before", [HOUR + 2 * MINUTE, 6 * HOUR, 12 * HOUR + 30 * MINUTE])
def test_a_sweep_that_was_down_sends_only_the_nearest_reminder(session_with_people, first_sweep_before):
    """Beat was down for a day: its first sweep sees the session nearer the 1-hour reminder's
    moment than the 24-hour one's, and writes nothing until the 1-hour reminder is due."""
    session = session_with_people
    assert write_due_messages(now=session.starts_at - first_sweep_before)["reminders"] == 0
    assert _reminders() == []
    write_due_messages(now=session.starts_at - HOUR + MINUTE)
    assert _reminders() == [(session.people["registered"].pk, 1, session.starts_at)]


def test_a_sweep_that_was_down_until_over_halfway_to_the_1_hour_reminder_still_sends_the_24_hour_one(
    session_with_people,
):
    session = session_with_people
    registered = session.people["registered"].pk
    write_due_messages(now=session.starts_at - 12 * HOUR - 30 * MINUTE - dt.timedelta(seconds=1))
    assert _reminders() == [(registered, 24, session.starts_at)]
    write_due_messages(now=session.starts_at - HOUR)
    assert _reminders() == [(registered, 1, session.starts_at), (registered, 24, session.starts_at)]


def test_the_sweeps_window_and_the_check_when_sending_agree(lead, settings):
    """The sweep's SQL window and `reminder_replaced` (asked when the reminder is sent), on the same
    sessions: a reminder is written exactly for the leads it would still be sent for."""
    settings.REMINDER_HOURS_BEFORE = [72, 24, 1]
    now = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
    second = dt.timedelta(seconds=1)
    offsets = [MINUTE, HOUR - second, HOUR, HOUR + second, HOUR + 2 * MINUTE, 6 * HOUR, 12 * HOUR + 30 * MINUTE]
    offsets += [12 * HOUR + 30 * MINUTE + second, 24 * HOUR, 24 * HOUR + second, 48 * HOUR, 48 * HOUR + second]
    offsets += [72 * HOUR, 72 * HOUR + second]
    sessions = {}
    for offset in offsets:
        session = published_session(starts_at=now + offset, ends_at=now + offset + HOUR)
        RegistrationFactory(session=session, member=StudentFactory(), queued_at=now - 7 * 24 * HOUR)
        sessions[session.pk] = offset

    session_reminders(now=now)

    written = set(Message.objects.filter(kind=REMINDER).values_list("about_id", "context__hours"))
    wanted = {
        (pk, hours)
        for pk, offset in sessions.items()
        for hours in [72, 24, 1]
        if offset <= dt.timedelta(hours=hours) and not reminder_replaced(hours=hours, until_start=offset)
    }
    assert written == wanted
    assert sorted(sessions[pk] for pk, _hours in written) == [
        MINUTE,
        HOUR - second,
        HOUR,
        12 * HOUR + 30 * MINUTE + second,
        24 * HOUR,
        48 * HOUR + second,
        72 * HOUR,
    ]


# --- Teachers: the details check and the register ----------------------------------------------


def test_details_check_goes_to_the_roster_two_days_before(lead, teacher):
    session = published_session(lead=lead, co_teachers=[teacher])
    register(session=session, member=StudentFactory())
    Message.objects.all().delete()
    write_due_messages(now=session.starts_at - 2 * 24 * HOUR - MINUTE)
    assert rows(kind=DETAILS) == []
    write_due_messages(now=session.starts_at - 2 * 24 * HOUR)
    write_due_messages(now=session.starts_at - 30 * HOUR)
    occurrence = session.starts_at.astimezone(dt.UTC).isoformat()  # as read back from the database
    assert rows(kind=DETAILS) == sorted([(DETAILS, lead.pk, occurrence), (DETAILS, teacher.pk, occurrence)])


def test_no_details_check_for_a_draft(lead):
    session = SessionFactory(status=SessionStatus.DRAFT, lead=lead)
    write_due_messages(now=session.starts_at - 24 * HOUR)
    assert rows(kind=DETAILS) == []


@pytest.mark.parametrize("status", [SessionStatus.PUBLISHED, SessionStatus.COMPLETED])
def test_take_the_register_goes_to_the_roster_after_the_end(lead, teacher, status):
    session = SessionFactory(status=status, lead=lead, target_years=[2])
    session.roster.create(teacher=teacher, role="co_teacher")
    write_due_messages(now=session.ends_at - MINUTE)
    assert rows(kind=TAKE_REGISTER) == []
    write_due_messages(now=session.ends_at)
    write_due_messages(now=session.ends_at + 3 * 24 * HOUR)
    assert rows(kind=TAKE_REGISTER) == sorted([(TAKE_REGISTER, lead.pk, ""), (TAKE_REGISTER, teacher.pk, "")])


def test_no_register_request_once_the_register_is_taken(lead):
    session = published_session(lead=lead)
    RegisterTakenFactory(session=session, taken_by=lead)
    write_due_messages(now=session.ends_at + HOUR)
    assert rows(kind=TAKE_REGISTER) == []


def test_no_register_request_after_the_register_can_no_longer_be_edited(lead):
    session = published_session(lead=lead)
    write_due_messages(now=session.ends_at + 7 * 24 * HOUR)
    assert rows(kind=TAKE_REGISTER) == []
    write_due_messages(now=session.ends_at + 7 * 24 * HOUR - MINUTE)
    assert rows(kind=TAKE_REGISTER) == [(TAKE_REGISTER, lead.pk, "")]


def test_no_register_request_for_a_cancelled_session(lead):
    session = SessionFactory(status=SessionStatus.CANCELLED, lead=lead)
    write_due_messages(now=session.ends_at + HOUR)
    assert rows(kind=TAKE_REGISTER) == []


# --- The committee's weekly digest --------------------------------------------------------------


def _london(*args):
    return dt.datetime(*args, tzinfo=LONDON)


@pytest.fixture
def committee(committee_member):
    second = MemberFactory(roles=["committee"])
    MemberFactory(roles=["committee"], is_active=False)
    MemberFactory(roles=["teacher"])
    return [committee_member, second]


def test_digest_is_written_from_monday_0800_london_one_per_committee_member(committee):
    # Monday 12 January 2026, in winter (GMT).
    assert write_due_messages(now=_london(2026, 1, 12, 7, 59))["digests"] == 0
    assert write_due_messages(now=_london(2026, 1, 12, 8, 0))["digests"] == 2
    assert rows(kind=DIGEST) == sorted((DIGEST, m.pk, "2026-W03") for m in committee)


def test_digest_follows_london_time_in_summer(committee):
    # Monday 30 March 2026, the day after the clocks went forward: 08:00 BST is 07:00 UTC.
    assert write_due_messages(now=dt.datetime(2026, 3, 30, 6, 59, tzinfo=dt.UTC))["digests"] == 0
    assert write_due_messages(now=dt.datetime(2026, 3, 30, 7, 0, tzinfo=dt.UTC))["digests"] == 2
    assert rows(kind=DIGEST) == sorted((DIGEST, m.pk, "2026-W14") for m in committee)


def test_digest_is_written_once_a_week(committee):
    write_due_messages(now=_london(2026, 3, 30, 8, 0))
    for now in [
        _london(2026, 3, 30, 8, 1),
        _london(2026, 4, 1, 12, 0),
        # Sunday evening is still week 14 in London.
        _london(2026, 4, 5, 23, 30),
        _london(2026, 4, 6, 7, 59),
    ]:
        assert write_due_messages(now=now)["digests"] == 0, now
    assert write_due_messages(now=_london(2026, 4, 6, 8, 0))["digests"] == 2
    assert sorted(r[2] for r in rows(kind=DIGEST)) == ["2026-W14", "2026-W14", "2026-W15", "2026-W15"]


def test_digest_week_and_hour_are_london_ones_across_midnight_utc(committee):
    # Sunday 5 April 2026 at 23:30 UTC is Monday 00:30 BST: week 15 in London, before its 08:00.
    # (Read in UTC it would be Sunday evening of week 14, past that week's Monday 08:00.)
    assert write_due_messages(now=dt.datetime(2026, 4, 5, 23, 30, tzinfo=dt.UTC))["digests"] == 0
    assert rows(kind=DIGEST) == []
