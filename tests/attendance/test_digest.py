"""The committee's weekly digest lists the sessions without a register by the same rule as the
committee's home page: held this academic year, ended, with no attendance recorded (no register
taken and no report imported)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

import attendance.messages
from attendance.enums import AttendanceSource
from events.enums import SessionStatus
from members.academic_year import AcademicYear
from notifications.enums import MessageKind
from notifications.models import Message
from notifications.sending import send_messages
from notifications.services import notify
from tests.attendance.factories import RegisterTakenFactory, RegistrationFactory
from tests.events.factories import PublishedSessionFactory

pytestmark = pytest.mark.django_db


def _ended(title: str, *, days_ago: float, status=SessionStatus.COMPLETED):
    return PublishedSessionFactory(title=title, status=status, starts_in=-dt.timedelta(days=days_ago, hours=1))


def _digest(member, mailoutbox) -> tuple[str, str]:
    notify(kind=MessageKind.COMMITTEE_DIGEST, recipient=member, occurrence="digest")
    send_messages(message_ids=list(Message.objects.values_list("pk", flat=True)))
    [email] = mailoutbox
    [(html, _)] = email.alternatives
    return email.body, html


def test_the_digest_lists_what_the_home_page_counts(client, committee_member, mailoutbox):
    year_began = timezone.localdate() - AcademicYear.current().starts_on
    _ended("Yesterday, no register", days_ago=1)
    _ended("Earlier this year, no register", days_ago=min(20, year_began.days - 1))
    RegisterTakenFactory(session=_ended("Register taken", days_ago=2))
    RegistrationFactory(
        session=_ended("Report imported", days_ago=3), attended=True, attendance_source=AttendanceSource.IMPORT
    )
    _ended("Last academic year", days_ago=year_began.days + 30)
    _ended("Cancelled", days_ago=1, status=SessionStatus.CANCELLED)
    PublishedSessionFactory(title="Still to come", starts_in=dt.timedelta(days=1))

    text, html = _digest(committee_member, mailoutbox)

    listed = text.split("Ended this academic year without a register:\n")[1]
    assert "- Yesterday, no register" in listed and "- Earlier this year, no register" in listed
    for title in ("Register taken", "Report imported", "Last academic year", "Cancelled", "Still to come"):
        assert title not in listed
    assert "<li>Yesterday, no register" in html
    client.force_login(committee_member)
    home = client.get(reverse("home")).content.decode()
    assert "2 sessions this year without a register" in home


def test_a_long_list_is_cut_and_says_how_many_more(committee_member, mailoutbox, monkeypatch):
    monkeypatch.setattr(attendance.messages, "DIGEST_LIST_LENGTH", 2)
    for day in (1, 2, 3, 4, 5):
        _ended(f"Session {day} days ago", days_ago=day)

    text, html = _digest(committee_member, mailoutbox)

    assert "- Session 1 days ago" in text and "- Session 2 days ago" in text  # the latest first
    assert "Session 3 days ago" not in text
    assert "and 3 more" in text and "and 3 more" in html
