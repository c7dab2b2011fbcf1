"""The catalogue's rendering, kept in the cache: its listings, its session cards and its filters.

The catalogue is the page every member opens and it shows nothing of the viewer, so it is rendered
for one member and served to the next.

A listing (`events/catalogue.html#listing`: the filters, the number found, the cards and the links
to other pages) is kept per query string (`listing_key`), under the catalogue's version. Anything a
listing shows that changes replaces the version (`catalogue_changed`): a session saved or deleted or
changing status, its target years, its roster, a teacher's name, a registration, a series. The
receivers are connected in `events.apps`, for other apps' models by their label, so events imports
none of them; writes that send no signals (update(), bulk writes) call `catalogue_changed` from
their service. A listing also expires after LISTING_TIMEOUT, which bounds what no write announces:
a session that ends leaves the list within a minute, as does a change made behind the services'
back (a bulk import of names, the admin's bulk actions). A hit costs two cache reads and no query.

Under a listing, when it is rendered afresh, two smaller caches do most of the work:
- A card is rendered from its session alone (`components/session_card.html`), so its key is a
  digest of everything it shows: the session's own fields, its target years, its teachers' names
  and the places left in each mode, with the language, the time zone and the template's source.
  A change is a new key; the old card is no longer asked for and expires after CARD_TIMEOUT. While
  registrations come in, each changes one card, and the others come from here. Nothing of the
  viewer is on a card (whether they hold a place is on the session's page), so viewers share cards;
  a card that ever shows the viewer's state must put that state in its key.
- The filters (a `{% cache %}` block) show the form's values and the choices of topic and series;
  `filters_key` is made of those, and the choices themselves (`filter_choices`) are kept under the
  catalogue's version for at most CHOICES_TIMEOUT.

Filters with typed text (a search, dates) are rendered each time. The cache is Redis and fails open
(meded/cache.py): while Redis is away everything is rendered, as without it, and a version change
it missed lasts no longer than the timeouts above.
"""

import functools
import hashlib
import re
import uuid

from django.core.cache import cache
from django.db import transaction
from django.http import QueryDict
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from events import selectors
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


# The catalogue's version: every key below carries it, and anything the catalogue shows that
# changes (a session, its target years, its roster, a teacher's name, a registration, a series)
# replaces it. The receivers are connected in events.apps; service functions that write with
# update() or bulk writes, which send no signals, call catalogue_changed themselves.
_VERSION_KEY = "events:catalogue:version"
CHOICES_TIMEOUT = 5 * 60
LISTING_TIMEOUT = 60
# The query strings a listing is kept for: chosen values only, and page numbers written plainly.
LISTED_PARAMETERS = frozenset({"year", "format", "topic", "series", "page"})
_PLAIN_PAGE = re.compile(r"[1-9][0-9]{0,3}")


def _version() -> str:
    return cache.get(_VERSION_KEY) or "0"


def new_version() -> None:
    """Replace the catalogue's version (also the after-commit callback of `catalogue_changed`)."""
    cache.set(_VERSION_KEY, uuid.uuid4().hex, None)


def catalogue_changed(**kwargs) -> None:
    """Something the catalogue shows changed: every page and choice list is read afresh. The
    version moves now, so the rest of this request and transaction sees the change, and again
    once the transaction commits, so a page rendered from the old rows by another request in
    between is stored under a version nobody asks for again. Takes a signal's arguments."""
    new_version()
    transaction.on_commit(new_version)


def changed_when_saved_with(fields: tuple[str, ...] | None, *, when_created: bool = True):
    """A post_save receiver that changes the catalogue when a save may have written one of
    `fields` (None: any), and on creation unless `when_created` is false. A check-in saves a
    registration's attendance, a sign-in a member's last sign-in and a sign-up a new member; none
    of them changes what the catalogue shows, and all come in bursts."""

    def receiver(created=False, update_fields=None, **kwargs) -> None:
        if created:
            if when_created:
                catalogue_changed()
        elif fields is None or update_fields is None or set(fields) & set(update_fields):
            catalogue_changed()

    return receiver


def filter_choices() -> tuple[list[str], list[tuple[int, str]]]:
    """The catalogue filter's topics and series (`events.selectors.catalogue_topics` and
    `catalogue_series`), from the cache where they are current."""
    key = f"events:catalogue-choices:{_version()}"
    choices = cache.get(key)
    if choices is None:
        choices = (selectors.catalogue_topics(), selectors.catalogue_series())
        cache.set(key, choices, CHOICES_TIMEOUT)
    return choices


def listing_key(data: QueryDict) -> str | None:
    """The cache key of the catalogue's listing (its filters, the count, the cards and the pages)
    for the filter values `data` (the query string with the member's own year filled in), or None
    where the listing is not kept: a typed filter (a search, dates), a parameter the listing does
    not know, or a page number written oddly. Each of these would let anyone fill the cache."""
    if set(data) - LISTED_PARAMETERS or not _PLAIN_PAGE.fullmatch(data.get("page", "1")):
        return None
    shown = (sorted(data.lists()), get_language(), timezone.get_current_timezone_name())
    digest = hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()
    return f"events:catalogue-listing:{_version()}:{digest}"


def cached_listing(key: str | None) -> SafeString | None:
    listing = cache.get(key) if key else None
    return None if listing is None else mark_safe(listing)  # noqa: S308 -- rendered by the catalogue's own template


def keep_listing(key: str | None, listing: str) -> None:
    if key:
        cache.set(key, str(listing), LISTING_TIMEOUT)
