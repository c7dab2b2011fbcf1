"""The catalogue's session cards and filters, rendered once and kept in the cache until something
they show changes.

A card is rendered from its session alone (`components/session_card.html`, included with `only`),
so its key is a digest of everything it shows: the session's own fields, its target years, its
teachers' names and the places left in each mode, with the language, the time zone and the
template's source. Editing the session, renaming a teacher, a registration or a cancellation that
changes the places left: each is a new key, and the old card is no longer asked for (it expires
after CARD_TIMEOUT, which also bounds how long a changed translation or URL takes to show). Nothing
of the viewer is on a card (whether they hold a place is on the session's page), so viewers share
cards; a card that ever shows the viewer's state must put that state in its key.

The filters (`events/catalogue.html`, in a `{% cache %}` block) show the filter form's values, the
choices of topic and series, and nothing else; `filters_key` is made of those. Most members open
the catalogue at their own year, so a handful of keys serve nearly every visit; filters with typed
text (a search, dates) are rendered each time.

A page asks the cache once for its cards (`get_many`) and stores what it rendered once (`set_many`). The cache is
Redis and fails open (meded/cache.py): while Redis is away every card is rendered, as without it.
"""

import functools
import hashlib

from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from events.models import Session

CARD_TEMPLATE = "components/session_card.html"
CARD_TIMEOUT = 60 * 60


@functools.cache
def _template_digest() -> str:
    return hashlib.blake2b(get_template(CARD_TEMPLATE).template.source.encode(), digest_size=8).hexdigest()


def card_key(session: Session) -> str:
    """The cache key of the card as it would be rendered now. Needs the selectors' joins and places
    annotation (`events.selectors.sessions_for_catalogue`); makes no query."""
    shown = (
        session.pk,
        session.title,
        session.starts_at,
        session.ends_at,
        session.format,
        session.topic,
        session.venue,
        bool(session.meeting_url),
        session.target_year_numbers,
        [entry.teacher.get_full_name() for entry in session.roster.all()],
        session.in_person_places_left,
        session.online_places_left,
        get_language(),
        timezone.get_current_timezone_name(),
    )
    digest = hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()
    return f"events:card:{_template_digest()}:{digest}"


def render_cards(sessions) -> list[SafeString]:
    """The cards of `sessions`, in order: from the cache where it has them, rendered otherwise."""
    keys = [card_key(session) for session in sessions]
    cached = cache.get_many(keys)
    template = get_template(CARD_TEMPLATE)
    cards, rendered = [], {}
    for session, key in zip(sessions, keys, strict=True):
        card = cached.get(key)
        if card is None:
            card = rendered[key] = template.render({"session": session})
        cards.append(mark_safe(card))  # noqa: S308 -- the template's own output, escaped when it was rendered
    if rendered:
        cache.set_many(rendered, CARD_TIMEOUT)
    return cards


# Fields whose values are typed rather than chosen: one key each would let anyone fill the cache.
TYPED_FILTERS = ("q", "date_from", "date_to")


def filters_key(form, *, topics: list[str], series: list[tuple[int, str]]) -> str | None:
    """What the catalogue's filters show: the form's values and its choices, in the current
    language; None (not cached) when a typed filter has a value."""
    if any(form.data.get(name) for name in TYPED_FILTERS):
        return None
    shown = ([(name, form.data.getlist(name)) for name in form.fields], topics, series, get_language())
    return hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()
