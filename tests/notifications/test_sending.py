"""Sending the outbox: rendering, calendar files, claims, retries and what is no longer wanted."""

import datetime as dt
import smtplib
from unittest import mock

import pytest
from django.utils import timezone
from icalendar import Calendar
from kombu.exceptions import OperationalError

from attendance.services import cancel_registration, register
from events.messages import details_checks
from events.services import cancel_session, update_session
from feedback.models import Form, Survey
from notifications import tasks
from notifications.due import write_due_messages
from notifications.enums import PRERENDERED_KINDS, MessageKind, MessageStatus
from notifications.models import Message
from notifications.sending import CLAIM_LEASE, SWEEP_GRACE, retry_delay, send_messages, unsent_message_ids
from notifications.services import notify, occurrence_time
from teachers.services import (
    answer_invitation,
    apply_to_teach,
    approve_application,
    decline_application,
    invite_co_teacher,
)
from tests.events.factories import SessionFactory
from tests.factories import MemberFactory, StudentFactory
from tests.notifications.factories import (
    LONDON,
    MEETING_URL,
    SEND,
    backdate,
    hybrid_session,
    published_session,
)

pytestmark = pytest.mark.django_db

# A Wednesday in British Summer Time: 17:30 in London is 16:30 UTC.
SUMMER_START = dt.datetime(2027, 7, 14, 17, 30, tzinfo=LONDON)


def _outcome(**counts):
    return {"sent": 0, "skipped": 0, "failed": 0, "retry": 0, "not_claimed": 0} | counts


def _send(*messages):
    return send_messages(message_ids=[m.pk for m in messages])


def _one(**filters):
    return Message.objects.get(**filters)


def _calendar_event(email):
    """The VEVENT of the e-mail's calendar part, read from the MIME message as a mail client would."""
    parts = [part for part in email.message().walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    assert parts[0].get_filename() == "session.ics"
    calendar = Calendar.from_ical(parts[0].get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    return event


def _html(email):
    [(content, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    return content


@pytest.fixture
def summer_session(lead):
    return published_session(
        lead=lead, title="Renal physiology", starts_at=SUMMER_START, ends_at=SUMMER_START + dt.timedelta(hours=1)
    )


# --- Rendering ---------------------------------------------------------------------------------


def test_a_confirmation_is_html_and_plain_text_with_the_society_prefix_and_london_times(
    summer_session, member, mailoutbox, settings
):
    settings.SOCIETY_NAME = "Near-Peer Teaching"
    register(session=summer_session, member=member)
    message = _one()
    assert _send(message) == _outcome(sent=1)
    [email] = mailoutbox
    assert email.subject == "[Near-Peer Teaching] You are registered: Renal physiology"
    assert email.to == ["aisha.khan@example.ac.uk"]
    assert email.extra_headers["Message-ID"] == f"<outbox-{message.pk}.0@meded.example.ac.uk>"
    assert email.body.startswith("Hello Aisha,\n\nYour place in person is confirmed.")
    assert "When: Wednesday 14 July 2027, 17:30–18:30\n" in email.body
    assert "Where: Lecture Theatre 1\n" in email.body
    assert f"Details: https://meded.example.ac.uk/sessions/{summer_session.pk}/\n" in email.body
    assert "16:30" not in email.body
    html = _html(email)
    assert "Hello Aisha," in html
    assert "Wednesday 14 July 2027, 17:30–18:30" in html
    assert "16:30" not in html
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 1, "")
    assert message.sent_at is not None


def test_a_confirmation_carries_the_sessions_calendar_entry(summer_session, member, mailoutbox):
    register(session=summer_session, member=member)
    _send(_one())
    event = _calendar_event(mailoutbox[0])
    assert str(event["UID"]) == f"session-{summer_session.pk}@meded.example.ac.uk"
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == SUMMER_START
    assert str(event["SUMMARY"]) == "Renal physiology"


def test_a_change_sent_after_the_confirmation_raises_the_sequence(summer_session, member, lead, mailoutbox):
    register(session=summer_session, member=member)
    _send(_one())
    update_session(session=summer_session, changed_by=lead, target_years=[2], venue="Seminar Room 4")
    _send(_one(kind=MessageKind.SESSION_CHANGED, recipient=member))
    before, after = (_calendar_event(email) for email in mailoutbox)
    assert str(after["UID"]) == str(before["UID"]) == f"session-{summer_session.pk}@meded.example.ac.uk"
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
    assert str(after["STATUS"]) == "CONFIRMED"


def test_a_cancellation_carries_a_cancelled_calendar_entry(summer_session, member, committee_member, mailoutbox):
    register(session=summer_session, member=member)
    _send(_one())
    cancel_session(session=summer_session, by=committee_member, reason="The teacher is unwell")
    _send(_one(kind=MessageKind.SESSION_CANCELLED, recipient=member))
    email = mailoutbox[1]
    assert email.subject == "[MedEd] Cancelled: Renal physiology"
    assert "Renal physiology on Wednesday 14 July 2027, 17:30 has been cancelled." in email.body
    assert "Reason: The teacher is unwell\n" in email.body
    event = _calendar_event(email)
    assert str(event["UID"]) == f"session-{summer_session.pk}@meded.example.ac.uk"
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 1)


def test_only_online_registrants_see_the_meeting_link_in_their_confirmation(mailoutbox):
    session = hybrid_session()
    online, in_person = StudentFactory(), StudentFactory()
    register(session=session, member=online, mode="online")
    register(session=session, member=in_person, mode="in_person")
    _send(_one(recipient=online), _one(recipient=in_person))
    to_online, to_in_person = mailoutbox
    assert f"Join online: {MEETING_URL}\n" in to_online.body
    assert MEETING_URL in _html(to_online)
    assert MEETING_URL in str(_calendar_event(to_online)["DESCRIPTION"])
    assert "Your online place is confirmed." in to_online.body
    assert MEETING_URL not in to_in_person.body
    assert MEETING_URL not in _html(to_in_person)
    assert MEETING_URL not in str(_calendar_event(to_in_person)["DESCRIPTION"])


def test_a_change_shows_the_link_to_online_registrants_and_teachers_only(lead, mailoutbox):
    session = hybrid_session(lead=lead)
    online, in_person = StudentFactory(), StudentFactory()
    register(session=session, member=online, mode="online")
    register(session=session, member=in_person, mode="in_person")
    update_session(session=session, changed_by=lead, target_years=[2], venue="Seminar Room 4")
    changes = Message.objects.filter(kind=MessageKind.SESSION_CHANGED)
    send_messages(message_ids=[m.pk for m in changes])
    bodies = {email.to[0]: email.body for email in mailoutbox}
    assert MEETING_URL in bodies[online.email]
    assert MEETING_URL in bodies[lead.email]
    assert MEETING_URL not in bodies[in_person.email]


# --- Claims: exactly once ----------------------------------------------------------------------


def test_sending_the_same_ids_again_sends_nothing(summer_session, member, mailoutbox):
    register(session=summer_session, member=member)
    message = _one()
    assert _send(message) == _outcome(sent=1)
    assert _send(message) == _outcome(not_claimed=1)
    assert tasks.send.delay(message_ids=[message.pk]).get() == _outcome(not_claimed=1)
    assert len(mailoutbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)


def test_a_message_being_sent_under_a_fresh_claim_is_left_alone(summer_session, member, mailoutbox):
    register(session=summer_session, member=member)
    message = _one()
    claimed_at = timezone.now() - CLAIM_LEASE + dt.timedelta(minutes=1)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claimed_at=claimed_at, attempts=1)
    assert _send(message) == _outcome(not_claimed=1)
    assert unsent_message_ids() == []
    assert mailoutbox == []
    message.refresh_from_db()
    assert (message.status, message.attempts, message.claimed_at) == (MessageStatus.SENDING, 1, claimed_at)


def test_a_message_claimed_by_a_dead_worker_is_sent_again_after_the_lease(summer_session, member, mailoutbox):
    register(session=summer_session, member=member)
    message = _one()
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, claimed_at=timezone.now() - CLAIM_LEASE - dt.timedelta(seconds=1), attempts=1
    )
    assert unsent_message_ids() == [message.pk]
    assert _send(message) == _outcome(sent=1)
    assert len(mailoutbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)


# --- Failures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), "SMTPServerDisconnected: Connection"),
        (smtplib.SMTPResponseException(451, b"4.3.0 Try again later"), "SMTPResponseException: (451"),
        (ConnectionRefusedError(111, "Connection refused"), "ConnectionRefusedError: [Errno 111]"),
    ],
)
def test_a_transient_failure_goes_back_to_pending_with_a_back_off(summer_session, member, mailoutbox, error, text):
    register(session=summer_session, member=member)
    message = _one()
    before = timezone.now()
    with mock.patch(SEND, side_effect=error) as send:
        assert _send(message) == _outcome(retry=1)
    after = timezone.now()
    assert send.call_count == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.claimed_at, message.sent_at) == (
        MessageStatus.PENDING,
        1,
        None,
        None,
    )
    assert message.last_error.startswith(text)
    assert before + retry_delay(1) <= message.next_attempt_at <= after + retry_delay(1)
    assert retry_delay(1) == dt.timedelta(minutes=1)
    # Not due yet: neither a second send nor the sweep takes it before the back-off has passed.
    assert _send(message) == _outcome(not_claimed=1)
    assert unsent_message_ids() == []
    assert unsent_message_ids(now=message.next_attempt_at) == [message.pk]


def test_the_back_off_doubles_with_each_failure(summer_session, member):
    register(session=summer_session, member=member)
    message = _one()
    Message.objects.filter(pk=message.pk).update(attempts=2)
    before = timezone.now()
    with mock.patch(SEND, side_effect=smtplib.SMTPServerDisconnected("gone")):
        _send(message)
    message.refresh_from_db()
    assert message.attempts == 3
    assert retry_delay(3) == dt.timedelta(minutes=4)
    assert before + retry_delay(3) <= message.next_attempt_at <= timezone.now() + retry_delay(3)


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPResponseException(550, b"5.1.1 No such user"),
        smtplib.SMTPRecipientsRefused({"aisha.khan@example.ac.uk": (550, b"5.1.1 No such user")}),
        smtplib.SMTPResponseException(554, b"5.7.1 Rejected"),
    ],
)
def test_a_permanent_refusal_fails_the_message_at_once(summer_session, member, error):
    register(session=summer_session, member=member)
    message = _one()
    with mock.patch(SEND, side_effect=error):
        assert _send(message) == _outcome(failed=1)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == (MessageStatus.FAILED, 1, None)
    assert message.last_error == f"{type(error).__name__}: {error}"
    assert unsent_message_ids(now=timezone.now() + dt.timedelta(days=1)) == []


def test_the_last_allowed_attempt_fails_the_message(summer_session, member, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    register(session=summer_session, member=member)
    message = _one()
    Message.objects.filter(pk=message.pk).update(attempts=1)
    with mock.patch(SEND, side_effect=smtplib.SMTPServerDisconnected("gone")):
        assert _send(message) == _outcome(retry=1)
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        assert _send(message) == _outcome(failed=1)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (
        MessageStatus.FAILED,
        3,
        "SMTPServerDisconnected: gone",
    )


def test_one_refused_message_does_not_stop_the_rest_of_the_batch(summer_session, mailoutbox):
    first, second = StudentFactory(), StudentFactory()
    register(session=summer_session, member=first)
    register(session=summer_session, member=second)
    refused, fine = _one(recipient=first), _one(recipient=second)
    refusal = smtplib.SMTPRecipientsRefused({first.email: (550, b"No such user")})
    with mock.patch(SEND, side_effect=[refusal, 1]) as send:
        assert _send(refused, fine) == _outcome(failed=1, sent=1)
    assert [call.args[0][0].to for call in send.call_args_list] == [[first.email], [second.email]]
    assert Message.objects.get(pk=refused.pk).status == MessageStatus.FAILED
    assert Message.objects.get(pk=fine.pk).status == MessageStatus.SENT


# --- No longer wanted --------------------------------------------------------------------------


def _assert_skipped(message, reason, mailoutbox):
    assert _send(message) == _outcome(skipped=1)
    message.refresh_from_db()
    assert (message.status, message.last_error, message.sent_at) == (MessageStatus.SKIPPED, reason, None)
    assert mailoutbox == []


def test_a_confirmation_for_a_registration_cancelled_before_sending_is_skipped(summer_session, member, mailoutbox):
    registration = register(session=summer_session, member=member)
    cancel_registration(registration=registration)
    _assert_skipped(_one(), "The registration has changed since.", mailoutbox)


def test_a_reminder_for_a_session_cancelled_before_sending_is_skipped(
    summer_session, member, committee_member, mailoutbox
):
    register(session=summer_session, member=member)
    write_due_messages(now=SUMMER_START - dt.timedelta(hours=24))
    cancel_session(session=summer_session, by=committee_member, reason="Unwell")
    _assert_skipped(_one(kind=MessageKind.SESSION_REMINDER), "The session is no longer open.", mailoutbox)


def test_a_24_hour_reminder_held_up_until_nearer_the_1_hour_one_is_skipped(summer_session, member, mailoutbox):
    register(session=summer_session, member=member)
    write_due_messages(now=SUMMER_START - dt.timedelta(hours=20))
    # The mail server was down: the first attempt that gets through is 12 hours before the start.
    with mock.patch("django.utils.timezone.now", return_value=SUMMER_START - dt.timedelta(hours=12)):
        _assert_skipped(_one(kind=MessageKind.SESSION_REMINDER), "A nearer reminder replaces it.", mailoutbox)


def test_an_invitation_answered_before_sending_is_skipped(lead, teacher, mailoutbox):
    session = published_session(lead=lead)
    invitation = invite_co_teacher(session=session, invited_by=lead, teacher=teacher)
    answer_invitation(invitation=invitation, teacher=teacher, accept=False)
    _assert_skipped(_one(), "The invitation has been answered.", mailoutbox)


def test_a_message_about_something_deleted_is_skipped(lead, teacher, mailoutbox):
    session = published_session(lead=lead)
    invitation = invite_co_teacher(session=session, invited_by=lead, teacher=teacher)
    invitation.delete()
    _assert_skipped(_one(), "What the message was about no longer exists.", mailoutbox)


def test_a_message_to_an_inactive_member_is_skipped(summer_session, member, mailoutbox):
    register(session=summer_session, member=member)
    type(member).objects.filter(pk=member.pk).update(is_active=False)
    _assert_skipped(_one(), "The recipient's account is closed.", mailoutbox)


def test_a_confirmation_superseded_by_a_later_registration_is_skipped(summer_session, member, mailoutbox):
    # Cancelled and registered again before the first confirmation went out (a quick change of
    # mind, or a broker outage): the member should get one confirmation, not two.
    first = register(session=summer_session, member=member)
    cancel_registration(registration=first)
    register(session=summer_session, member=member)
    older, newer = Message.objects.order_by("pk")
    assert send_messages(message_ids=[older.pk, newer.pk]) == _outcome(sent=1, skipped=1)
    assert len(mailoutbox) == 1
    older.refresh_from_db()
    assert older.status == MessageStatus.SKIPPED


# --- The broker is down ------------------------------------------------------------------------


def test_a_broker_outage_loses_nothing_and_the_sweep_sends_it_once(
    summer_session, member, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    with (
        mock.patch.object(tasks.send, "apply_async", side_effect=OperationalError("Connection refused")) as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        registration = register(session=summer_session, member=member)
    assert delay.call_count == 1
    assert "Could not queue 1 messages; the sweep will send them" in caplog.text
    registration.refresh_from_db()
    assert registration.state == "registered"
    message = _one()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
    assert mailoutbox == []
    # The sweep leaves rows younger than its grace to the after-commit dispatch.
    assert unsent_message_ids() == []
    assert unsent_message_ids(now=timezone.now() + SWEEP_GRACE + dt.timedelta(seconds=1)) == [message.pk]

    backdate([message.pk], by=SWEEP_GRACE + dt.timedelta(seconds=1))
    assert tasks.sweep.delay().get()["queued"] == 1
    assert tasks.sweep.delay().get()["queued"] == 0
    assert [email.subject for email in mailoutbox] == ["[MedEd] You are registered: Renal physiology"]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)


# --- Every kind renders ------------------------------------------------------------------------


def _every_kind(lead, member, committee_member):
    """(kind, recipient, what it is about, occurrence, context) for one message of each kind."""
    session = published_session(
        lead=lead, title="Renal physiology", starts_at=SUMMER_START, ends_at=SUMMER_START + dt.timedelta(hours=1)
    )
    registration = register(session=session, member=member)
    full = published_session(
        title="Renal physiology", capacity=0, starts_at=SUMMER_START, ends_at=SUMMER_START + dt.timedelta(hours=1)
    )
    waiting = register(session=full, member=member)
    applicant, declined = StudentFactory(), StudentFactory()
    approved = approve_application(
        application=apply_to_teach(member=applicant, subjects="Renal", motivations=["career"]), by=committee_member
    )
    refused = decline_application(
        application=apply_to_teach(member=declined, subjects="Renal", motivations=["career"]),
        by=committee_member,
        reason="Apply after year 3",
    )
    co_teacher = MemberFactory(roles=["teacher"])
    invitation = invite_co_teacher(session=session, invited_by=lead, teacher=co_teacher)
    SessionFactory(title="Awaiting", status="submitted")
    # Registration messages name the moment of their cause; only the latest is still wanted.
    waiter = StudentFactory()
    promoted = register(session=published_session(title="Renal physiology", starts_at=SUMMER_START), member=waiter)
    promoted.promoted_at = timezone.now()
    promoted.save(update_fields=["promoted_at"])
    Message.objects.all().delete()
    K = MessageKind
    survey = Survey.objects.create(
        title="Annual survey",
        form=Form.objects.get(family="society-survey", is_current=True),
        opens_at=timezone.now() - dt.timedelta(days=1),
        closes_at=timezone.now() + dt.timedelta(days=7),
    )
    newcomer = StudentFactory(first_name="Nia")
    newcomer.set_unusable_password()
    newcomer.save()
    return {
        K.MEMBER_INVITATION: (newcomer, None, {}),
        K.SURVEY_INVITATION: (member, survey, {"path": f"/feedback/surveys/{survey.pk}/"}),
        K.REGISTRATION_CONFIRMED: (member, registration, {"occurrence": registration.queued_at.isoformat()}),
        K.WAITLIST_JOINED: (member, waiting, {"occurrence": waiting.queued_at.isoformat()}),
        K.WAITLIST_PROMOTED: (waiter, promoted, {"occurrence": promoted.promoted_at.isoformat()}),
        K.SESSION_REMINDER: (member, session, {"hours": 24, "occurrence": f"24h-{occurrence_time(session.starts_at)}"}),
        K.SESSION_CHANGED: (member, session, {"changes": [{"field": "venue", "old": "A", "new": "B"}]}),
        K.SESSION_CANCELLED: (member, session, {}),
        K.APPLICATION_APPROVED: (applicant, approved, {}),
        K.APPLICATION_DECLINED: (declined, refused, {}),
        K.CO_TEACHING_INVITATION: (co_teacher, invitation, {}),
        K.DETAILS_CHECK: (lead, session, {"occurrence": occurrence_time(session.starts_at)}),
        K.TAKE_REGISTER: (lead, session, {}),
        K.COMMITTEE_DIGEST: (committee_member, None, {}),
        K.FEEDBACK_REQUEST: (member, session, {"path": "/feedback/give/1/"}),
        K.FEEDBACK_REMINDER: (member, session, {"path": "/feedback/give/1/"}),
    }


EVERY_SUBJECT = {
    MessageKind.SURVEY_INVITATION: "Your view, please: Annual survey",
    MessageKind.MEMBER_INVITATION: "Set your password to join",
    MessageKind.REGISTRATION_CONFIRMED: "You are registered: Renal physiology",
    MessageKind.WAITLIST_JOINED: "On the waiting list: Renal physiology",
    MessageKind.WAITLIST_PROMOTED: "A place came free – you are in: Renal physiology",
    MessageKind.SESSION_REMINDER: "Reminder: Renal physiology, Wednesday 17:30",
    MessageKind.SESSION_CHANGED: "Changed: Renal physiology",
    MessageKind.SESSION_CANCELLED: "Cancelled: Renal physiology",
    MessageKind.APPLICATION_APPROVED: "You are now a MedEd teacher",
    MessageKind.APPLICATION_DECLINED: "Your application to teach",
    MessageKind.CO_TEACHING_INVITATION: "Invitation to co-teach: Renal physiology",
    MessageKind.DETAILS_CHECK: "In two days: please check Renal physiology",
    MessageKind.TAKE_REGISTER: "Take the register: Renal physiology",
    MessageKind.COMMITTEE_DIGEST: "Weekly digest: 1 session awaiting approval",
    MessageKind.FEEDBACK_REQUEST: "How was Renal physiology?",
    MessageKind.FEEDBACK_REMINDER: "A last reminder: feedback on Renal physiology",
}


# Account e-mails arrive rendered by allauth (tests/notifications/test_account_mail.py).
RENDERED_WHEN_SENT = [kind for kind in MessageKind if kind not in PRERENDERED_KINDS]


def test_every_kind_has_a_subject_line():
    assert set(EVERY_SUBJECT) == set(RENDERED_WHEN_SENT)


@pytest.mark.parametrize("kind", RENDERED_WHEN_SENT)
def test_every_kind_renders_to_html_and_text(kind, lead, member, committee_member, mailoutbox):
    recipient, about, context = _every_kind(lead, member, committee_member)[kind]
    occurrence = context.pop("occurrence", "test")
    notify(kind=kind, recipient=recipient, about=about, occurrence=occurrence, context=context)
    assert send_messages(message_ids=[Message.objects.get().pk]) == _outcome(sent=1)
    [email] = mailoutbox
    assert email.subject == f"[MedEd] {EVERY_SUBJECT[kind]}"
    assert email.to == [recipient.email]
    assert email.body.startswith(f"Hello {recipient.first_name},\n\n")
    assert "{%" not in email.body and "{{" not in email.body
    assert f"Hello {recipient.first_name}," in _html(email)


def test_the_details_check_links_the_lead_to_the_edit_page_and_tells_a_co_teacher_to_ask_the_lead(mailoutbox):
    lead, co_teacher = MemberFactory(roles=["teacher"]), MemberFactory(roles=["teacher"])
    session = published_session(lead=lead, co_teachers=[co_teacher])
    details_checks(now=session.starts_at - dt.timedelta(days=1))

    send_messages(message_ids=Message.objects.values_list("pk", flat=True))

    by_recipient = {email.to[0]: email.body for email in mailoutbox}
    edit = f"https://meded.example.ac.uk/sessions/{session.pk}/edit/"
    assert f"Edit: {edit}" in by_recipient[lead.email]
    assert edit not in by_recipient[co_teacher.email]
    assert "Ask the lead teacher, who can edit the session." in by_recipient[co_teacher.email]
