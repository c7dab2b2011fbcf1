"""The check-in screen and register buttons show exactly when their pages would open."""

import datetime as dt

import pytest
from django.urls import reverse

from events.enums import SessionStatus
from events.permissions import can_take_register
from tests.events.factories import SessionFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _buttons(client, session) -> dict[str, bool]:
    page = client.get(reverse("events:detail", args=[session.pk])).content.decode()
    return {
        "screen": reverse("attendance:screen", args=[session.pk]) in page,
        "sheet": reverse("attendance:sheet", args=[session.pk]) in page,
        "results": reverse("feedback:session_results", args=[session.pk]) in page,
    }


def _pages(client, session) -> tuple[int, int]:
    return (
        client.get(reverse("attendance:screen", args=[session.pk])).status_code,
        client.get(reverse("attendance:sheet", args=[session.pk])).status_code,
    )


def test_teacher_after_the_edit_window_is_offered_no_check_in_screen_or_register(client, teacher, settings):
    settings.REGISTER_EDIT_DAYS = 7
    session = SessionFactory(status=SessionStatus.COMPLETED, ended_ago=dt.timedelta(days=8), lead=teacher)
    client.force_login(teacher)

    assert _buttons(client, session) == {"screen": False, "sheet": False, "results": True}
    assert _pages(client, session) == (403, 403)


def test_teacher_within_the_edit_window_is_offered_both_and_they_open(client, teacher, settings):
    settings.REGISTER_EDIT_DAYS = 7
    session = SessionFactory(status=SessionStatus.COMPLETED, ended_ago=dt.timedelta(days=6), lead=teacher)
    client.force_login(teacher)

    assert _buttons(client, session) == {"screen": True, "sheet": True, "results": True}
    assert _pages(client, session) == (200, 200)


def test_committee_after_the_edit_window_is_offered_both_and_they_open(client, teacher, settings):
    settings.REGISTER_EDIT_DAYS = 7
    session = SessionFactory(status=SessionStatus.COMPLETED, ended_ago=dt.timedelta(days=30), lead=teacher)
    client.force_login(MemberFactory(roles=["committee"]))

    assert _buttons(client, session) == {"screen": True, "sheet": True, "results": True}
    assert _pages(client, session) == (200, 200)


def test_attendee_is_offered_neither(client, teacher):
    session = SessionFactory(status=SessionStatus.PUBLISHED, lead=teacher)
    client.force_login(MemberFactory(year_of_study=3))

    assert _buttons(client, session) == {"screen": False, "sheet": False, "results": False}
    assert _pages(client, session) == (403, 403)


def test_teacher_of_a_draft_is_offered_neither(client, teacher):
    session = SessionFactory(status=SessionStatus.DRAFT, lead=teacher)
    client.force_login(teacher)

    assert _buttons(client, session) == {"screen": False, "sheet": False, "results": False}
    assert _pages(client, session) == (404, 404)


def test_the_edit_window_ends_exactly_register_edit_days_after_the_session(teacher, settings):
    settings.REGISTER_EDIT_DAYS = 7
    session = SessionFactory(status=SessionStatus.COMPLETED, ended_ago=dt.timedelta(days=1), lead=teacher)
    limit = session.ends_at + dt.timedelta(days=7)

    assert can_take_register(teacher, session, now=limit) is True
    assert can_take_register(teacher, session, now=limit + dt.timedelta(seconds=1)) is False


def test_the_dashboard_lists_only_registers_the_teacher_may_still_take(client, teacher, settings):
    settings.REGISTER_EDIT_DAYS = 7
    open_one = SessionFactory(
        status=SessionStatus.COMPLETED, ended_ago=dt.timedelta(days=2), lead=teacher, title="Still open"
    )
    closed = SessionFactory(
        status=SessionStatus.COMPLETED, ended_ago=dt.timedelta(days=9), lead=teacher, title="Long closed"
    )
    client.force_login(teacher)

    page = client.get(reverse("teachers:dashboard")).content.decode()

    assert reverse("attendance:sheet", args=[open_one.pk]) in page
    assert reverse("attendance:sheet", args=[closed.pk]) not in page
