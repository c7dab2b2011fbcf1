"""The catalogue's listing is rendered for one member and served to the next who asks for the same
filters, and is read afresh at once when anything it shows changes (events/cards.py)."""

import datetime as dt

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from attendance.services import check_in, register
from events.cards import catalogue_changed, listing_key
from events.enums import SessionStatus
from events.services import approve_session
from tests.events.factories import ProposedSessionFactory, in_days
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

YEAR_2 = QueryDict("year=2")


def _page(client, query=None) -> str:
    return client.get(reverse("events:catalogue"), query or {}).content.decode()


def test_the_next_member_of_the_year_gets_the_listing_without_reading_sessions(
    client, member, session, django_assert_num_queries
):
    client.force_login(member)
    first = _page(client)
    client.force_login(MemberFactory(year_of_study=2))

    # the session, the member and their roles for the menu; nothing of the catalogue
    with django_assert_num_queries(3):
        again = _page(client)

    listing = first[first.index('<form method="get"') : first.index("</main>")]
    assert listing in again
    assert "{#" not in again and "{%" not in again  # no template source shows on the page
    assert "1 session found." in listing and "Renal" in listing


def test_a_session_published_shows_at_once(client, member, lead, session):
    proposed = ProposedSessionFactory(
        status=SessionStatus.SUBMITTED, title="Cardiology", starts_at=in_days(3), teacher=lead
    )
    client.force_login(member)
    assert "Cardiology" not in _page(client)

    approve_session(session=proposed, by=lead)

    page = _page(client)
    assert "Cardiology" in page and "2 sessions found." in page


def test_a_registration_changes_the_places_shown_at_once(client, member, lead):
    proposed = ProposedSessionFactory(
        status=SessionStatus.SUBMITTED, title="Cardiology", starts_at=in_days(3), teacher=lead
    )
    session = approve_session(session=proposed, by=lead)
    client.force_login(member)
    assert "30 places left in person" in _page(client)

    register(session=session, member=MemberFactory(year_of_study=2))

    assert "29 places left in person" in _page(client)


def test_a_check_in_by_a_member_with_a_place_keeps_the_listing_and_a_walk_in_does_not(member, lead):
    now = timezone.now()
    proposed = ProposedSessionFactory(
        status=SessionStatus.SUBMITTED, title="Cardiology", starts_at=now + dt.timedelta(minutes=5), teacher=lead
    )
    session = approve_session(session=proposed, by=lead)
    register(session=session, member=member)
    before = listing_key(YEAR_2)

    check_in(session=session, member=member, source="qr")
    assert listing_key(YEAR_2) == before  # the places left are as they were

    check_in(session=session, member=MemberFactory(year_of_study=2), source="qr")
    assert listing_key(YEAR_2) != before  # a walk-in takes a place


def test_signing_up_and_signing_in_keep_the_listing_and_a_teachers_new_name_does_not(lead, session):
    before = listing_key(YEAR_2)

    newcomer = MemberFactory(year_of_study=2)
    newcomer.last_login = timezone.now()
    newcomer.save(update_fields=["last_login"])
    assert listing_key(YEAR_2) == before

    lead.last_name = "Okafor-Smith"
    lead.save(update_fields=["last_name"])
    assert listing_key(YEAR_2) != before


def test_the_listing_is_read_afresh_again_once_the_change_commits(django_capture_on_commit_callbacks):
    before = listing_key(YEAR_2)
    with django_capture_on_commit_callbacks() as callbacks:
        catalogue_changed()
        during = listing_key(YEAR_2)
    # A request that read the rows before the commit stored its listing under `during`.
    for callback in callbacks:
        callback()

    assert len({before, during, listing_key(YEAR_2)}) == 3


@pytest.mark.parametrize(
    "query",
    [
        "year=2&q=renal",
        "year=2&date_from=2026-12-01",
        "year=2&date_to=2026-12-01",
        "year=2&utm_source=newsletter",
        "year=2&page=01",
        "year=2&page=last",
        "year=2&page=99999",
    ],
)
def test_no_listing_is_kept_for_typed_text_unknown_parameters_or_odd_page_numbers(query):
    assert listing_key(QueryDict(query)) is None


@pytest.mark.parametrize("query", ["year=2", "year=", "year=2&format=online&topic=Renal&series=3&page=2"])
def test_a_listing_is_kept_for_chosen_filters_and_plain_page_numbers(query):
    assert listing_key(QueryDict(query)) is not None


def test_a_listing_kept_from_a_first_visit_links_to_the_same_year_for_everyone(client, member, lead):
    for n in range(13):
        proposed = ProposedSessionFactory(
            status=SessionStatus.SUBMITTED, title=f"Tutorial {n:02}", starts_at=in_days(2 + n), teacher=lead
        )
        approve_session(session=proposed, by=lead)
    client.force_login(member)
    _page(client)  # year 2's first visit: the member's own year
    client.force_login(MemberFactory(year_of_study=4))

    page = _page(client, {"year": "2"})

    assert 'href="?year=2&amp;page=2">Next</a>' in page
