"""The catalogue's cards come from the cache until something a card shows changes (events/cards.py),
and are the same as the card template rendered afresh."""

import re

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse

from attendance.services import cancel_registration, register
from events import selectors
from events.cards import CARD_TEMPLATE, card_key, catalogue_changed
from events.enums import SessionStatus
from events.models import Session
from tests.events.factories import SeriesFactory, SessionFactory, in_days
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(teacher):
    return SessionFactory(
        status=SessionStatus.PUBLISHED,
        title="Cardiac cycle",
        target_years=[2],
        starts_at=in_days(3),
        capacity=30,
        lead=teacher,
    )


def _cards(client) -> list[str]:
    content = client.get(reverse("events:catalogue")).content.decode()
    return re.findall(r'<li class="col-12 col-md-6 col-lg-4">(.*?)</li>\n', content, flags=re.DOTALL)


def _fresh(*sessions: Session) -> list[str]:
    """The cards as the template renders them now, without the cache."""
    shown = {s.pk: s for s in selectors.sessions_for_catalogue()}
    return [render_to_string(CARD_TEMPLATE, {"session": shown[s.pk]}) for s in sessions]


def test_each_card_is_the_card_template_rendered_for_its_session(client, member, session, teacher):
    later = SessionFactory(status=SessionStatus.PUBLISHED, title="Renal", target_years=[2], starts_at=in_days(4))
    client.force_login(member)

    first, again = _cards(client), _cards(client)  # rendered, then from the cache

    assert first == again == _fresh(session, later)
    assert "Cardiac cycle" in first[0] and "Tom Okafor" in first[0] and "30 places left in person" in first[0]


def test_the_page_shows_the_card_the_cache_holds_for_the_session_as_it_is(client, member, session):
    client.force_login(member)
    _cards(client)
    [shown] = selectors.sessions_for_catalogue()
    cache.set(card_key(shown), "<p>held in the cache</p>")
    catalogue_changed()  # the listing is rendered afresh, its cards from their own cache

    assert _cards(client) == ["<p>held in the cache</p>"]


def test_a_card_changes_when_its_session_changes(client, member, session):
    client.force_login(member)
    _cards(client)

    session.title, session.venue = "Cardiac cycle and heart sounds", "Room 2"
    session.save()
    [card] = _cards(client)

    assert [card] == _fresh(session)
    assert "Cardiac cycle and heart sounds" in card and "Room 2" in card


def test_a_card_changes_when_a_teacher_changes_their_name(client, member, session, teacher):
    client.force_login(member)
    _cards(client)

    teacher.last_name = "Okafor-Smith"
    teacher.save(update_fields=["last_name"])

    [card] = _cards(client)
    assert "Tom Okafor-Smith" in card


def test_a_card_changes_when_the_viewer_registers_and_cancels(client, member, session):
    client.force_login(member)
    assert "30 places left in person" in _cards(client)[0]

    registration = register(session=session, member=member)
    assert "29 places left in person" in _cards(client)[0]

    cancel_registration(registration=registration)
    assert "30 places left in person" in _cards(client)[0]


def test_viewers_share_cards_and_a_card_shows_nothing_of_its_viewer(client, member, session):
    other = MemberFactory(first_name="Ben", last_name="Williams", year_of_study=2)
    register(session=session, member=member)
    client.force_login(member)
    seen_by_member = _cards(client)

    client.force_login(other)
    seen_by_other = _cards(client)

    assert seen_by_member == seen_by_other == _fresh(session)
    assert "Aisha" not in seen_by_other[0] and "Ben" not in seen_by_member[0]


def test_with_redis_away_the_catalogue_renders_every_card(client, member, session, redis_away):
    client.force_login(member)

    assert _cards(client) == _fresh(session)


def _filters(client, query=None) -> str:
    content = client.get(reverse("events:catalogue"), query or {}).content.decode()
    return content[content.index('<form method="get"') : content.index("</form>")]


def test_the_filters_offer_a_series_created_after_they_were_cached(client, member, session):
    client.force_login(member)
    assert "Renal revision" not in _filters(client)

    series = SeriesFactory(title="Renal revision")

    assert f'<option value="{series.pk}">Renal revision</option>' in _filters(client)


def test_the_filters_show_each_visits_own_choices(client, member, session):
    client.force_login(member)
    SessionFactory(status=SessionStatus.PUBLISHED, topic="Renal", target_years=[2], starts_at=in_days(4))

    assert '<option value="Renal" selected>Renal</option>' in _filters(client, {"topic": "Renal", "q": "kidney"})
    plain = _filters(client)
    assert '<option value="Renal">Renal</option>' in plain and "kidney" not in plain
    assert '<option value="2" selected>Year 2</option>' in plain


def test_an_unknown_series_is_refused_with_the_same_words_each_time(client, member, session):
    client.force_login(member)
    words = "Select a valid choice. That choice is not one of the available choices."

    for _ in range(2):
        response = client.get(reverse("events:catalogue"), {"series": "999999"})
        assert response.context["filter_form"].errors == {"series": [words]}
        assert f'<div class="invalid-feedback d-block">{words}</div>' in _filters(client, {"series": "999999"})


@pytest.mark.parametrize("typed", [{"q": "cardiac"}, {"date_from": "2030-01-01"}, {"date_to": "2030-01-01"}])
def test_filters_with_typed_text_are_not_kept_in_the_cache(client, member, session, typed):
    client.force_login(member)
    response = client.get(reverse("events:catalogue"), typed)

    assert response.context["filters_key"] is None
    value = next(iter(typed.values()))
    assert f'value="{value}"' in _filters(client, typed)


def test_the_filters_key_leaves_out_the_page_number(client, member, session):
    client.force_login(member)
    first = client.get(reverse("events:catalogue")).context["filters_key"]

    assert client.get(reverse("events:catalogue"), {"page": "1"}).context["filters_key"] == first is not None
