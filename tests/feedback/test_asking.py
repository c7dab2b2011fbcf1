"""Feedback requests and the one reminder: written to the outbox once, to those who may answer."""

import datetime as dt

import pytest
from django.utils import timezone

from attendance.enums import AttendanceStatus
from feedback.asking import write_feedback_requests
from feedback.models import Form
from feedback.services import create_survey, submit_response
from notifications.enums import MessageKind, MessageStatus
from notifications.models import Message
from notifications.sending import send_messages
from tests.factories import MemberFactory, StudentFactory
from tests.feedback.factories import answers_for, attend, ended_session, session_form

pytestmark = pytest.mark.django_db


def _asked(kind=MessageKind.FEEDBACK_REQUEST) -> set[str]:
    return set(Message.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def test_the_request_goes_to_those_present_or_late_once_the_register_is_taken():
    session = ended_session(hours_ago=1, register_taken=True)
    for name, attendance in [
        ("present", AttendanceStatus.PRESENT),
        ("late", AttendanceStatus.LATE),
        ("absent", AttendanceStatus.ABSENT),
        ("excused", AttendanceStatus.EXCUSED),
        ("unmarked", ""),
    ]:
        attend(session, StudentFactory(email=f"{name}@example.ac.uk"), attendance=attendance)
    attend(session, StudentFactory(email="walkin@example.ac.uk"), walk_in=True)

    assert write_feedback_requests() == {"requests": 3, "reminders": 0, "surveys": 0}
    assert _asked() == {"present@example.ac.uk", "late@example.ac.uk", "walkin@example.ac.uk"}


def test_before_the_register_is_taken_unmarked_registrants_are_asked_but_not_the_absent():
    session = ended_session(hours_ago=1)
    attend(session, StudentFactory(email="unmarked@example.ac.uk"), attendance="")
    attend(session, StudentFactory(email="absent@example.ac.uk"), attendance=AttendanceStatus.ABSENT)

    write_feedback_requests()

    assert _asked() == {"unmarked@example.ac.uk"}


def test_a_repeated_sweep_writes_nothing_new_and_nobody_is_asked_before_the_end():
    running = ended_session(hours_ago=-0.5)
    attend(running, StudentFactory(email="early@example.ac.uk"))
    session = ended_session(hours_ago=1)
    attend(session, StudentFactory(email="aisha@example.ac.uk"))

    assert write_feedback_requests() == {"requests": 1, "reminders": 0, "surveys": 0}
    assert write_feedback_requests() == {"requests": 0, "reminders": 0, "surveys": 0}
    assert _asked() == {"aisha@example.ac.uk"}


def test_the_one_reminder_goes_after_the_set_days_only_to_those_who_have_not_answered(settings):
    settings.FEEDBACK_REMINDER_AFTER_DAYS = 3
    session = ended_session(hours_ago=1)
    answered, silent = StudentFactory(email="answered@example.ac.uk"), StudentFactory(email="silent@example.ac.uk")
    attend(session, answered)
    attend(session, silent)
    assert write_feedback_requests() == {"requests": 2, "reminders": 0, "surveys": 0}
    submit_response(member=answered, session=session, answers=answers_for(session_form()))

    three_days_later = timezone.now() + dt.timedelta(days=3)
    assert write_feedback_requests(now=three_days_later) == {"requests": 0, "reminders": 1, "surveys": 0}
    assert _asked(MessageKind.FEEDBACK_REMINDER) == {"silent@example.ac.uk"}
    assert write_feedback_requests(now=three_days_later) == {"requests": 0, "reminders": 0, "surveys": 0}


def test_the_reminder_never_comes_with_the_request(settings):
    """A member marked present days late is asked now, and reminded only days after that."""
    settings.FEEDBACK_REMINDER_AFTER_DAYS = 3
    session = ended_session(hours_ago=24 * 3 + 1)
    attend(session, StudentFactory(email="corrected@example.ac.uk"))

    assert write_feedback_requests() == {"requests": 1, "reminders": 0, "surveys": 0}
    assert write_feedback_requests(now=timezone.now() + dt.timedelta(days=3, minutes=1)) == {
        "requests": 0,
        "reminders": 1,
        "surveys": 0,
    }


def test_nothing_is_written_once_feedback_has_closed(settings):
    settings.FEEDBACK_WINDOW_DAYS = 14
    session = ended_session(hours_ago=24 * 14 + 1)
    attend(session, StudentFactory(email="late_to_the_party@example.ac.uk"))

    assert write_feedback_requests() == {"requests": 0, "reminders": 0, "surveys": 0}


def test_the_request_links_to_the_feedback_page_and_is_skipped_if_answered_meanwhile(mailoutbox):
    session = ended_session(hours_ago=1, title="Renal physiology")
    keen, waiting = StudentFactory(email="keen@example.ac.uk"), StudentFactory(email="waiting@example.ac.uk")
    attend(session, keen)
    attend(session, waiting)
    write_feedback_requests()
    submit_response(member=keen, session=session, answers=answers_for(session_form()))

    outcome = send_messages(message_ids=Message.objects.values_list("pk", flat=True))

    assert (outcome["sent"], outcome["skipped"]) == (1, 1)
    [email] = mailoutbox
    assert email.to == ["waiting@example.ac.uk"]
    assert email.subject == "[MedEd] How was Renal physiology?"
    assert f"https://meded.example.ac.uk/feedback/sessions/{session.pk}/" in email.body
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Message.objects.get(recipient=keen).status == MessageStatus.SKIPPED


def test_requests_are_sent_while_the_window_is_open_but_not_after(mailoutbox, settings):
    session = ended_session(hours_ago=1)
    attend(session, StudentFactory(email="slow@example.ac.uk"))
    write_feedback_requests()
    # The worker picks the request up only after feedback has closed (e.g. a long outage).
    settings.FEEDBACK_WINDOW_DAYS = 0

    send_messages(message_ids=Message.objects.values_list("pk", flat=True))

    assert mailoutbox == []
    assert Message.objects.get().status == MessageStatus.SKIPPED


def test_an_open_survey_invites_its_audience_once_and_not_those_who_answered(mailoutbox):
    now = timezone.now()
    year1, _year2, year4, answered = (
        StudentFactory(email="year1@example.ac.uk"),
        StudentFactory(email="year2@example.ac.uk"),
        MemberFactory(email="year4@example.ac.uk", year_of_study=4),
        StudentFactory(email="answered@example.ac.uk"),
    )
    year1.year_of_study = 1
    year1.save()
    form = Form.objects.get(family="society-survey", is_current=True)
    survey = create_survey(
        form=form,
        title="Annual survey",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=7),
        years=[1, 2],
        by=None,
    )
    create_survey(  # not open yet: nobody is invited
        form=form,
        title="Next year",
        opens_at=now + dt.timedelta(days=30),
        closes_at=now + dt.timedelta(days=40),
        by=None,
    )
    submit_response(member=answered, survey=survey, answers=answers_for(form))

    assert write_feedback_requests()["surveys"] == 2
    assert _asked(MessageKind.SURVEY_INVITATION) == {"year1@example.ac.uk", "year2@example.ac.uk"}
    assert write_feedback_requests()["surveys"] == 0
    assert year4.email not in _asked(MessageKind.SURVEY_INVITATION)

    send_messages(message_ids=Message.objects.values_list("pk", flat=True))
    [email, _other] = sorted(mailoutbox, key=lambda m: m.to[0])
    assert email.subject == "[MedEd] Your view, please: Annual survey"
    assert f"https://meded.example.ac.uk/feedback/surveys/{survey.pk}/" in email.body
