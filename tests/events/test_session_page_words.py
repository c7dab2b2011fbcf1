"""The session page speaks to attendees in their words: whether a session has finished or been
cancelled, not the workflow ("Published", "Completed"), no places left on a finished session,
and "Add to calendar" rather than a file extension. Those who run it still see its status."""

import pytest
from django.urls import reverse

from events.enums import SessionStatus
from tests.events.factories import SessionFactory, in_days
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _page(client, session, viewer) -> str:
    client.force_login(viewer)
    return client.get(reverse("events:detail", args=[session.pk])).content.decode()


def test_a_finished_session_says_so_to_an_attendee_without_places_or_workflow_words(client):
    session = SessionFactory(
        status=SessionStatus.COMPLETED, starts_at=in_days(-2), capacity=40, target_years=[3], title="Renal"
    )
    page = _page(client, session, MemberFactory(year_of_study=3))
    assert 'data-testid="session-status">Finished<' in page
    assert "This session has finished." in page
    assert "Completed" not in page and "not open for registration" not in page
    assert "of 40 left" not in page


def test_an_upcoming_session_offers_add_to_calendar_and_no_workflow_word_to_an_attendee(client):
    session = SessionFactory(status=SessionStatus.PUBLISHED, starts_at=in_days(3), capacity=40, target_years=[3])
    page = _page(client, session, MemberFactory(year_of_study=3))
    assert "Add to calendar" in page and ".ics)" not in page
    assert 'data-testid="session-status"' not in page and "Published" not in page
    assert "40 of 40 left in person" in page


def test_its_teacher_still_sees_the_workflow_status(client):
    teacher = MemberFactory(roles=["teacher"])
    session = SessionFactory(status=SessionStatus.PUBLISHED, starts_at=in_days(3), lead=teacher)
    assert 'data-testid="session-status">Published<' in _page(client, session, teacher)
