import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from events.enums import SessionFormat, SessionStatus
from events.models import Session, SessionChange
from events.services import (
    InvalidTransition,
    approve_session,
    cancel_session,
    complete_ended_sessions,
    create_session,
    send_back_session,
    submit_session,
    update_session,
)
from teachers.enums import TeachingRole
from teachers.models import RosterEntry
from teachers.services import propose_session
from tests.events.factories import SeriesFactory, SessionFactory, in_days
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
# Fixed dates (one in winter, one in summer time) so the logged values can be written out in full.
WINTER_START = dt.datetime(2031, 1, 15, 10, 0, tzinfo=LONDON)
SUMMER_START = dt.datetime(2031, 7, 15, 10, 0, tzinfo=LONDON)


def _changes(session):
    return sorted(
        (c.field, c.old_value, c.new_value, c.changed_by_id) for c in SessionChange.objects.filter(session=session)
    )


def _years(session):
    return sorted(session.target_years.values_list("year", flat=True))


# create_session


def test_create_session_stores_its_fields_and_target_years_as_a_draft(teacher):
    series = SeriesFactory(title="Year 2 pathology")

    session = create_session(
        created_by=teacher,
        title="  Heart sounds  ",
        format=SessionFormat.HYBRID,
        starts_at=WINTER_START,
        ends_at=WINTER_START + dt.timedelta(hours=2),
        target_years=[4, 2, 2],
        description="Murmurs and more",
        topic=" Cardiology ",
        series=series,
        venue=" Room 4 ",
        meeting_url="https://teams.example/heart",
        capacity=30,
        online_capacity=80,
    )

    session = Session.objects.get(pk=session.pk)
    assert (session.title, session.topic, session.venue, session.description) == (
        "Heart sounds",
        "Cardiology",
        "Room 4",
        "Murmurs and more",
    )
    assert (session.format, session.meeting_url, session.capacity, session.online_capacity) == (
        "hybrid",
        "https://teams.example/heart",
        30,
        80,
    )
    assert (session.starts_at, session.ends_at) == (WINTER_START, WINTER_START + dt.timedelta(hours=2))
    assert (session.series, session.created_by) == (series, teacher)
    assert (session.status, session.published_at, session.review_comment) == ("draft", None, "")
    assert _years(session) == [2, 4]
    assert SessionChange.objects.count() == 0


def test_create_session_published_directly_sets_published_at(committee_member):
    before = timezone.now()
    session = create_session(
        created_by=committee_member,
        title="Imported",
        format="online",
        starts_at=WINTER_START,
        ends_at=WINTER_START + dt.timedelta(hours=1),
        target_years=[1],
        meeting_url="https://zoom.example/1",
        status=SessionStatus.PUBLISHED,
    )
    assert session.status == "published"
    assert before <= session.published_at <= timezone.now()


# update_session


def test_update_session_saves_fields_and_replaces_target_years(teacher):
    session = SessionFactory(status=SessionStatus.DRAFT, target_years=[1, 2], title="Old", lead=teacher)
    series = SeriesFactory(title="Revision")

    update_session(
        session=session,
        changed_by=teacher,
        target_years=[2, 5],
        title="New title",
        description="Now with cases",
        series=series,
        capacity=12,
        starts_at=SUMMER_START,
        ends_at=SUMMER_START + dt.timedelta(minutes=90),
    )

    session = Session.objects.get(pk=session.pk)
    assert (session.title, session.description, session.series, session.capacity) == (
        "New title",
        "Now with cases",
        series,
        12,
    )
    assert (session.starts_at, session.ends_at) == (SUMMER_START, SUMMER_START + dt.timedelta(minutes=90))
    assert _years(session) == [2, 5]
    assert session.status == "draft"
    # Before publication nobody has registered: nothing is logged.
    assert SessionChange.objects.count() == 0


def test_update_published_session_logs_each_change_to_time_venue_and_link(teacher):
    session = SessionFactory(
        status=SessionStatus.PUBLISHED,
        starts_at=WINTER_START,
        format=SessionFormat.HYBRID,
        venue="Room 1",
        meeting_url="https://teams.example/a",
    )

    update_session(
        session=session,
        changed_by=teacher,
        target_years=[3],
        starts_at=SUMMER_START,
        ends_at=SUMMER_START + dt.timedelta(hours=1),
        venue="Room 2",
        meeting_url="https://teams.example/b",
        title="Renamed",
    )

    assert _changes(session) == [
        ("ends_at", "2031-01-15T11:00:00+00:00", "2031-07-15T11:00:00+01:00", teacher.pk),
        ("meeting_url", "https://teams.example/a", "https://teams.example/b", teacher.pk),
        ("starts_at", "2031-01-15T10:00:00+00:00", "2031-07-15T10:00:00+01:00", teacher.pk),
        ("venue", "Room 1", "Room 2", teacher.pk),
    ]
    session.refresh_from_db()
    assert (session.venue, session.title, session.status) == ("Room 2", "Renamed", "published")


def test_update_published_session_with_unchanged_values_logs_nothing(teacher):
    session = SessionFactory(status=SessionStatus.PUBLISHED, starts_at=WINTER_START, venue="Room 1")
    update_session(
        session=session,
        changed_by=teacher,
        target_years=[3],
        starts_at=WINTER_START,
        venue="Room 1",
        description="Bring a stethoscope",
    )
    assert SessionChange.objects.count() == 0
    session.refresh_from_db()
    assert session.description == "Bring a stethoscope"


def test_update_published_session_description_only_logs_nothing(teacher):
    session = SessionFactory(status=SessionStatus.PUBLISHED, starts_at=WINTER_START)
    update_session(session=session, changed_by=teacher, target_years=[3], description="Updated reading list")
    assert SessionChange.objects.count() == 0
    session.refresh_from_db()
    assert session.description == "Updated reading list"


@pytest.mark.parametrize("status", [SessionStatus.COMPLETED, SessionStatus.CANCELLED])
def test_update_completed_or_cancelled_session_raises_invalid_transition(teacher, status):
    session = SessionFactory(status=status, title="Frozen", target_years=[3])
    with pytest.raises(InvalidTransition):
        update_session(session=session, changed_by=teacher, target_years=[1], title="Thawed", venue="Elsewhere")
    session.refresh_from_db()
    assert (session.title, session.venue, _years(session)) == ("Frozen", "Lecture Theatre 1", [3])
    assert SessionChange.objects.count() == 0


@pytest.mark.parametrize("field", ["status", "created_by", "published_at", "not_a_field"])
def test_update_session_with_unknown_field_raises_type_error_and_saves_nothing(teacher, field):
    session = SessionFactory(title="Kept", target_years=[3])
    with pytest.raises(TypeError, match=field):
        update_session(session=session, changed_by=teacher, target_years=[1], title="Changed", **{field: None})
    session.refresh_from_db()
    assert (session.title, _years(session)) == ("Kept", [3])


# The workflow


def test_submit_moves_a_draft_to_submitted_and_logs_it(teacher):
    session = SessionFactory(status=SessionStatus.DRAFT, lead=teacher)
    result = submit_session(session=session, by=teacher)
    assert result.status == Session.objects.get(pk=session.pk).status == "submitted"
    assert _changes(session) == [("status", "draft", "submitted", teacher.pk)]


@pytest.mark.parametrize(
    "status", [SessionStatus.SUBMITTED, SessionStatus.PUBLISHED, SessionStatus.COMPLETED, SessionStatus.CANCELLED]
)
def test_submit_when_not_a_draft_raises_invalid_transition(teacher, status):
    session = SessionFactory(status=status)
    with pytest.raises(InvalidTransition):
        submit_session(session=session, by=teacher)
    assert Session.objects.get(pk=session.pk).status == status
    assert SessionChange.objects.count() == 0


def test_approve_publishes_a_submitted_session_and_clears_the_review_comment(committee_member):
    session = SessionFactory(status=SessionStatus.SUBMITTED, review_comment="Add a venue please")
    before = timezone.now()

    approve_session(session=session, by=committee_member)

    session = Session.objects.get(pk=session.pk)
    assert (session.status, session.review_comment) == ("published", "")
    assert before <= session.published_at <= timezone.now()
    assert _changes(session) == [("status", "submitted", "published", committee_member.pk)]


@pytest.mark.parametrize("status", [SessionStatus.DRAFT, SessionStatus.COMPLETED, SessionStatus.CANCELLED])
def test_approve_when_not_submitted_raises_invalid_transition(committee_member, status):
    session = SessionFactory(status=status)
    with pytest.raises(InvalidTransition):
        approve_session(session=session, by=committee_member)
    assert Session.objects.get(pk=session.pk).status == status


def test_second_approve_of_the_same_session_raises_invalid_transition(committee_member):
    session = SessionFactory(status=SessionStatus.SUBMITTED, title="Raced")
    # Two committee members loaded the queue before either acted.
    first, second = Session.objects.get(pk=session.pk), Session.objects.get(pk=session.pk)
    approve_session(session=first, by=committee_member)
    published_at = Session.objects.get(pk=session.pk).published_at

    with pytest.raises(InvalidTransition, match="Raced"):
        approve_session(session=second, by=MemberFactory(roles=["committee"]))

    assert Session.objects.get(pk=session.pk).published_at == published_at
    assert _changes(session) == [("status", "submitted", "published", committee_member.pk)]


def test_send_back_returns_a_submitted_session_to_draft_with_the_comment(committee_member):
    session = SessionFactory(status=SessionStatus.SUBMITTED)
    send_back_session(session=session, by=committee_member, comment="  Please add learning objectives.  ")
    session = Session.objects.get(pk=session.pk)
    assert (session.status, session.review_comment) == ("draft", "Please add learning objectives.")
    assert _changes(session) == [("status", "submitted", "draft", committee_member.pk)]


@pytest.mark.parametrize("comment", ["", "   \n"])
def test_send_back_with_empty_comment_raises_value_error(committee_member, comment):
    session = SessionFactory(status=SessionStatus.SUBMITTED)
    with pytest.raises(ValueError, match="comment is required"):
        send_back_session(session=session, by=committee_member, comment=comment)
    assert Session.objects.get(pk=session.pk).status == "submitted"


@pytest.mark.parametrize("status", [SessionStatus.DRAFT, SessionStatus.PUBLISHED, SessionStatus.CANCELLED])
def test_send_back_when_not_submitted_raises_invalid_transition(committee_member, status):
    session = SessionFactory(status=status)
    with pytest.raises(InvalidTransition):
        send_back_session(session=session, by=committee_member, comment="Why?")
    assert Session.objects.get(pk=session.pk).status == status


@pytest.mark.parametrize("status", [SessionStatus.DRAFT, SessionStatus.SUBMITTED, SessionStatus.PUBLISHED])
def test_cancel_before_completion_cancels_with_the_reason(committee_member, status):
    session = SessionFactory(status=status)
    cancel_session(session=session, by=committee_member, reason=" Room flooded ")
    session = Session.objects.get(pk=session.pk)
    assert (session.status, session.cancellation_reason) == ("cancelled", "Room flooded")
    assert _changes(session) == [("status", status, "cancelled", committee_member.pk)]


@pytest.mark.parametrize("status", [SessionStatus.COMPLETED, SessionStatus.CANCELLED])
def test_cancel_completed_or_cancelled_session_raises_invalid_transition(committee_member, status):
    session = SessionFactory(status=status)
    reason = session.cancellation_reason
    with pytest.raises(InvalidTransition):
        cancel_session(session=session, by=committee_member, reason="Too late")
    session = Session.objects.get(pk=session.pk)
    assert (session.status, session.cancellation_reason) == (status, reason)


@pytest.mark.parametrize("reason", ["", "  "])
def test_cancel_with_empty_reason_raises_value_error(committee_member, reason):
    session = SessionFactory(status=SessionStatus.PUBLISHED)
    with pytest.raises(ValueError, match="reason is required"):
        cancel_session(session=session, by=committee_member, reason=reason)
    assert Session.objects.get(pk=session.pk).status == "published"


def test_complete_ended_sessions_marks_only_published_sessions_that_ended():
    now = timezone.now()
    ended = SessionFactory(
        status=SessionStatus.PUBLISHED, title="Ended", starts_at=now - dt.timedelta(hours=2), ends_at=now
    )
    running = SessionFactory(
        status=SessionStatus.PUBLISHED, starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1)
    )
    future = SessionFactory(status=SessionStatus.PUBLISHED, starts_at=in_days(2))
    others = {
        status: SessionFactory(status=status, starts_at=now - dt.timedelta(days=2), ends_at=now - dt.timedelta(days=1))
        for status in (SessionStatus.DRAFT, SessionStatus.SUBMITTED, SessionStatus.CANCELLED)
    }

    assert complete_ended_sessions(now=now) == 1

    statuses = dict(Session.objects.values_list("pk", "status"))
    assert statuses == {
        ended.pk: "completed",
        running.pk: "published",
        future.pk: "published",
        **{session.pk: status.value for status, session in others.items()},
    }
    assert complete_ended_sessions(now=now) == 0
    assert Session.objects.filter(status="completed").count() == 1


def test_complete_ended_sessions_defaults_to_now():
    ended = SessionFactory(
        status=SessionStatus.PUBLISHED,
        starts_at=timezone.now() - dt.timedelta(hours=2),
        ends_at=timezone.now() - dt.timedelta(minutes=1),
    )
    assert complete_ended_sessions() == 1
    assert complete_ended_sessions() == 0
    assert Session.objects.get(pk=ended.pk).status == "completed"


# teachers.services.propose_session


def _proposal():
    return {
        "title": "ABG interpretation",
        "format": SessionFormat.IN_PERSON,
        "venue": "Clinical skills lab",
        "starts_at": WINTER_START,
        "ends_at": WINTER_START + dt.timedelta(hours=1),
        "target_years": [3, 4],
    }


def test_propose_session_creates_a_draft_with_the_proposer_as_lead(teacher):
    session = propose_session(teacher=teacher, **_proposal())

    session = Session.objects.get(pk=session.pk)
    assert (session.title, session.status, session.created_by) == ("ABG interpretation", "draft", teacher)
    assert _years(session) == [3, 4]
    assert list(RosterEntry.objects.filter(session=session).values_list("teacher", "role")) == [
        (teacher.pk, TeachingRole.LEAD)
    ]
    assert SessionChange.objects.count() == 0


def test_propose_session_with_submit_leaves_it_submitted(teacher):
    session = propose_session(teacher=teacher, submit=True, **_proposal())

    assert session.status == Session.objects.get(pk=session.pk).status == "submitted"
    assert list(session.roster.values_list("teacher", "role")) == [(teacher.pk, "lead")]
    assert _changes(session) == [("status", "draft", "submitted", teacher.pk)]
