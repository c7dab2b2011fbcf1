"""Each cause writes its message once, in its own transaction."""

import datetime as dt

import pytest
from django.db import transaction

from attendance.enums import RegistrationState
from attendance.services import cancel_registration, register
from events import cards
from events.services import InvalidTransition, cancel_session, update_session
from notifications.enums import MessageKind, MessageStatus
from notifications.models import Message
from notifications.services import notify, notify_many
from teachers.services import (
    ApplicationRefused,
    InvitationRefused,
    apply_to_teach,
    approve_application,
    decline_application,
    invite_co_teacher,
)
from tests.events.factories import SessionFactory
from tests.factories import MemberFactory, StudentFactory
from tests.notifications.factories import MEETING_URL, hybrid_session, published_session, rows

pytestmark = pytest.mark.django_db


def _outbox_callbacks(callbacks) -> list:
    """The after-commit callbacks a write left, but the catalogue's own refresh (events/cards.py)."""
    return [callback for callback in callbacks if callback is not cards.new_version]


CONFIRMED, WAITLISTED, PROMOTED = (
    MessageKind.REGISTRATION_CONFIRMED,
    MessageKind.WAITLIST_JOINED,
    MessageKind.WAITLIST_PROMOTED,
)
CHANGED, CANCELLED = MessageKind.SESSION_CHANGED, MessageKind.SESSION_CANCELLED


# --- Registration and the waiting list ---------------------------------------------------------


def test_registering_writes_one_pending_confirmation_about_the_registration(member):
    session = published_session()
    registration = register(session=session, member=member)
    message = Message.objects.get()
    assert (message.kind, message.recipient_id, message.about_type, message.about_id) == (
        CONFIRMED,
        member.pk,
        "attendance.registration",
        registration.pk,
    )
    assert message.occurrence == registration.queued_at.isoformat()
    assert (message.status, message.attempts, message.sent_at, message.last_error) == (
        MessageStatus.PENDING,
        0,
        None,
        "",
    )


def test_registering_sends_the_confirmation_after_commit(member, mailoutbox, django_capture_on_commit_callbacks):
    session = published_session(title="Renal physiology")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        register(session=session, member=member)
    assert len(_outbox_callbacks(callbacks)) == 1
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["aisha.khan@example.ac.uk"], "[MedEd] You are registered: Renal physiology")
    ]
    assert Message.objects.get().status == MessageStatus.SENT


def test_registering_again_after_cancelling_writes_a_second_confirmation(member):
    session = published_session()
    first = register(session=session, member=member)
    first_occurrence = first.queued_at.isoformat()
    cancel_registration(registration=first)
    second = register(session=session, member=member)
    assert second.pk == first.pk  # the same row, taken again
    assert rows() == sorted(
        [(CONFIRMED, member.pk, first_occurrence), (CONFIRMED, member.pk, second.queued_at.isoformat())]
    )


def test_writing_the_same_cause_again_creates_nothing_and_queues_nothing(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    session = published_session()
    registration = register(session=session, member=member)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = notify_many(
            kind=CONFIRMED,
            recipients=[member],
            about=registration,
            occurrence=registration.queued_at.isoformat(),
        )
        notify(kind=CONFIRMED, recipient=member, about=registration, occurrence=registration.queued_at.isoformat())
    assert created == 0
    assert callbacks == []
    assert mailoutbox == []
    assert rows() == [(CONFIRMED, member.pk, registration.queued_at.isoformat())]


def test_notify_many_counts_only_the_rows_it_wrote(member):
    session = published_session()
    others = [StudentFactory(), StudentFactory()]
    assert notify_many(kind=CANCELLED, recipients=[member], about=session, occurrence="cancelled") == 1
    assert notify_many(kind=CANCELLED, recipients=[member, *others], about=session, occurrence="cancelled") == 2
    assert Message.objects.filter(kind=CANCELLED).count() == 3


def test_registering_when_full_writes_a_waitlist_message_not_a_confirmation(member):
    session = published_session(capacity=1)
    first = StudentFactory()
    register(session=session, member=first)
    waiting = register(session=session, member=member)
    assert waiting.state == RegistrationState.WAITLISTED
    assert rows() == sorted(
        [
            (CONFIRMED, first.pk, first.registrations.get().queued_at.isoformat()),
            (WAITLISTED, member.pk, waiting.queued_at.isoformat()),
        ]
    )


def test_a_cancelled_place_promotes_only_the_first_waiting_with_one_message():
    session = published_session(capacity=1)
    holder, first_waiting, second_waiting = StudentFactory(), StudentFactory(), StudentFactory()
    held = register(session=session, member=holder)
    register(session=session, member=first_waiting)
    register(session=session, member=second_waiting)
    promoted = cancel_registration(registration=held)
    assert promoted.member_id == first_waiting.pk
    assert rows(kind=PROMOTED) == [(PROMOTED, first_waiting.pk, promoted.promoted_at.isoformat())]
    # Cancelling again (a double click) promotes nobody else.
    assert cancel_registration(registration=held) is None
    assert Message.objects.filter(kind=PROMOTED).count() == 1


def test_cancelling_a_waiting_place_promotes_nobody():
    session = published_session(capacity=1)
    register(session=session, member=StudentFactory())
    waiting = register(session=session, member=StudentFactory())
    register(session=session, member=StudentFactory())
    cancel_registration(registration=waiting)
    assert Message.objects.filter(kind=PROMOTED).count() == 0


# --- Session changes and cancellations ---------------------------------------------------------


@pytest.fixture
def busy_session(lead, teacher):
    """Published with room for one: a registered member, one waiting, one who cancelled, and
    a lead and a co-teacher on the roster."""
    session = hybrid_session(lead=lead, co_teachers=[teacher], capacity=1, online_capacity=1)
    registered, waiting, cancelled = StudentFactory(), StudentFactory(), StudentFactory()
    register(session=session, member=registered, mode="in_person")
    gone = register(session=session, member=cancelled, mode="in_person")
    cancel_registration(registration=gone)  # was waiting, so frees nothing
    register(session=session, member=waiting, mode="in_person")
    Message.objects.all().delete()  # the registrations' own messages are tested above
    session.refresh_from_db()
    session.people = {"registered": registered, "waiting": waiting, "cancelled": cancelled}
    return session


def _edit(session, by, **fields):
    return update_session(session=session, changed_by=by, target_years=[2], **fields)


def test_editing_only_the_description_tells_nobody(busy_session, lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        edited = _edit(busy_session, lead, description="Bring a stethoscope.", title="Renal physiology II")
    assert _outbox_callbacks(callbacks) == []
    assert edited.sequence == 0
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: {"starts_at": s.starts_at + dt.timedelta(minutes=30), "ends_at": s.ends_at}, id="time"),
        pytest.param(lambda s: {"venue": "Seminar Room 4"}, id="venue"),
        pytest.param(lambda s: {"meeting_url": "https://zoom.example/j/987"}, id="link"),
    ],
)
def test_a_change_of_time_venue_or_link_tells_every_registrant_and_teacher_once(busy_session, lead, teacher, change):
    people = busy_session.people
    edited = _edit(busy_session, lead, **change(busy_session))
    assert edited.sequence == 1
    expected = sorted(
        (CHANGED, pk, "sequence-1") for pk in [people["registered"].pk, people["waiting"].pk, lead.pk, teacher.pk]
    )
    assert rows() == expected
    about = set(Message.objects.values_list("about_type", "about_id"))
    assert about == {("events.session", busy_session.pk)}


def test_a_change_message_lists_the_old_and_new_values(busy_session, lead):
    _edit(busy_session, lead, venue="Seminar Room 4")
    assert Message.objects.filter(recipient=lead).get().context == {
        "changes": [{"field": "venue", "old": "Lecture Theatre 1", "new": "Seminar Room 4"}]
    }


def test_a_teacher_who_is_also_registered_gets_one_change_message(lead):
    session = published_session(lead=lead, years=(5,))
    colleague = MemberFactory(roles=["teacher"], year_of_study=5)
    register(session=session, member=colleague)
    session.roster.create(teacher=colleague, role="co_teacher")
    Message.objects.all().delete()
    _edit(session, lead, venue="Seminar Room 4")
    assert rows() == sorted([(CHANGED, lead.pk, "sequence-1"), (CHANGED, colleague.pk, "sequence-1")])


def test_saving_the_same_values_again_tells_nobody(busy_session, lead):
    moved = busy_session.starts_at + dt.timedelta(minutes=30)
    _edit(busy_session, lead, starts_at=moved, ends_at=busy_session.ends_at, venue="Seminar Room 4")
    before = rows()
    again = _edit(
        busy_session,
        lead,
        starts_at=moved,
        ends_at=busy_session.ends_at,
        venue="Seminar Room 4",
        meeting_url=MEETING_URL,
    )
    assert again.sequence == 1
    assert rows() == before
    assert len(before) == 4


def test_saving_the_same_start_written_in_utc_tells_nobody(busy_session, lead):
    # A form round trip gives the same instant in another time zone: not a change.
    _edit(
        busy_session,
        lead,
        starts_at=busy_session.starts_at.astimezone(dt.UTC),
        ends_at=busy_session.ends_at.astimezone(dt.UTC),
    )
    assert Message.objects.count() == 0


def test_a_second_change_is_a_new_occurrence_for_everyone(busy_session, lead, teacher):
    _edit(busy_session, lead, venue="Seminar Room 4")
    _edit(busy_session, lead, venue="Seminar Room 5")
    people = busy_session.people
    recipients = [people["registered"].pk, people["waiting"].pk, lead.pk, teacher.pk]
    assert rows() == sorted(
        [(CHANGED, pk, "sequence-1") for pk in recipients] + [(CHANGED, pk, "sequence-2") for pk in recipients]
    )


def test_editing_an_unpublished_session_tells_nobody(lead):
    session = SessionFactory(status="submitted", lead=lead, target_years=[2])
    edited = _edit(session, lead, venue="Seminar Room 4", starts_at=session.starts_at - dt.timedelta(days=1))
    assert edited.sequence == 0
    assert Message.objects.count() == 0


def test_cancelling_a_published_session_tells_everyone_once(busy_session, lead, teacher, committee_member):
    people = busy_session.people
    cancel_session(session=busy_session, by=committee_member, reason="Teacher unwell")
    with pytest.raises(InvalidTransition):
        cancel_session(session=busy_session, by=committee_member, reason="Teacher unwell")
    assert rows() == sorted(
        (CANCELLED, pk, "cancelled") for pk in [people["registered"].pk, people["waiting"].pk, lead.pk, teacher.pk]
    )


def test_cancelling_a_draft_tells_nobody(lead, committee_member):
    session = SessionFactory(status="draft", lead=lead, target_years=[2])
    cancel_session(session=session, by=committee_member, reason="Not needed")
    assert Message.objects.count() == 0


# --- Teachers ----------------------------------------------------------------------------------


def test_approving_an_application_tells_the_applicant_once(member, committee_member):
    application = apply_to_teach(member=member, subjects="Renal", motivations=["career"])
    approve_application(application=application, by=committee_member)
    with pytest.raises(ApplicationRefused):
        approve_application(application=application, by=committee_member)
    message = Message.objects.get()
    assert (message.kind, message.recipient_id, message.about_type, message.about_id) == (
        MessageKind.APPLICATION_APPROVED,
        member.pk,
        "teachers.teacherapplication",
        application.pk,
    )


def test_declining_an_application_tells_the_applicant_once(member, committee_member):
    application = apply_to_teach(member=member, subjects="Renal", motivations=["career"])
    decline_application(application=application, by=committee_member, reason="Apply after year 3")
    with pytest.raises(ApplicationRefused):
        decline_application(application=application, by=committee_member, reason="Again")
    assert rows() == [(MessageKind.APPLICATION_DECLINED, member.pk, "")]


def test_inviting_a_co_teacher_tells_them_once(lead, teacher):
    session = published_session(lead=lead)
    invitation = invite_co_teacher(session=session, invited_by=lead, teacher=teacher)
    with pytest.raises(InvitationRefused):
        invite_co_teacher(session=session, invited_by=lead, teacher=teacher)
    message = Message.objects.get()
    assert (message.kind, message.recipient_id, message.about_type, message.about_id) == (
        MessageKind.CO_TEACHING_INVITATION,
        teacher.pk,
        "teachers.coteachinginvitation",
        invitation.pk,
    )


# --- The row lives in the cause's transaction ---------------------------------------------------


class Boom(Exception):
    pass


def test_a_rolled_back_registration_leaves_no_message_and_sends_nothing(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    session = published_session()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom):
        with transaction.atomic():
            register(session=session, member=member)
            raise Boom
    assert session.registrations.count() == 0
    assert Message.objects.count() == 0
    assert callbacks == []
    assert mailoutbox == []


def test_a_rolled_back_session_change_leaves_no_message(busy_session, lead):
    with pytest.raises(Boom), transaction.atomic():
        _edit(busy_session, lead, venue="Seminar Room 4")
        raise Boom
    busy_session.refresh_from_db()
    assert (busy_session.venue, busy_session.sequence) == ("Lecture Theatre 1", 0)
    assert Message.objects.count() == 0
