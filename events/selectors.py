"""Reads for sessions: every list comes with its joins declared, so templates never query."""

import datetime as dt

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from events.eligibility import for_year
from events.enums import SessionStatus
from events.models import Series, Session
from events.permissions import on_roster


def _registrations() -> QuerySet:
    """The attendance app's registrations, reached through the session's reverse relation (this
    app does not import the apps above it); their queryset names the states and modes."""
    return Session._meta.get_field("registrations").related_model.objects.all()


def _places_taken(places: QuerySet) -> Coalesce:
    # A correlated subquery per row rather than a join and GROUP BY: PostgreSQL evaluates it only
    # for the rows a page returns (after ORDER BY and LIMIT), each an index-only scan of
    # `registration_places_covering`, and `count()` leaves it out. A join counted the places of
    # every matching session, and read every registration, before the page was cut.
    taken = (
        places.filter(session=OuterRef("pk")).order_by().values("session").annotate(taken=Count("*")).values("taken")
    )
    return Coalesce(Subquery(taken), 0)


def with_places_taken(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Annotate how many places each mode has given out."""
    places = _registrations().holding_places()
    return sessions.annotate(
        in_person_taken=_places_taken(places.in_person()), online_taken=_places_taken(places.online())
    )


def with_listing_joins(sessions: QuerySet[Session]) -> QuerySet[Session]:
    # The roster (teachers' table) is read through its reverse relation: lead first, by its Meta;
    # its teachers joined to it, one query for both.
    roster = Session._meta.get_field("roster").related_model.objects.select_related("teacher")
    return sessions.select_related("series").prefetch_related("target_years", Prefetch("roster", queryset=roster))


def sessions_for_catalogue(
    *,
    year: int | None = None,
    format: str | None = None,
    topic: str | None = None,
    series_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    search: str | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Session]:
    """Published sessions that have not ended, soonest first, narrowed by the catalogue's filters."""
    now = now or timezone.now()
    sessions = Session.objects.filter(status=SessionStatus.PUBLISHED, ends_at__gt=now)
    if year:
        sessions = sessions.filter(for_year(year))
    if format:
        sessions = sessions.filter(format=format)
    if topic:
        sessions = sessions.filter(topic__iexact=topic)
    if series_id:
        sessions = sessions.filter(series_id=series_id)
    if date_from:
        sessions = sessions.filter(starts_at__date__gte=date_from)
    if date_to:
        sessions = sessions.filter(starts_at__date__lte=date_to)
    if search:
        sessions = sessions.filter(
            Q(title__icontains=search) | Q(description__icontains=search) | Q(topic__icontains=search)
        )
    return with_places_taken(with_listing_joins(sessions)).order_by("starts_at", "pk")


def catalogue_topics() -> list[str]:
    """Topics of upcoming published sessions, for the filter."""
    topics = (
        Session.objects.filter(status=SessionStatus.PUBLISHED, ends_at__gt=timezone.now())
        .exclude(topic="")
        .order_by()  # without the model's ordering, whose columns would defeat DISTINCT
        .values_list("topic", flat=True)
        .distinct()
    )
    return sorted(topics, key=str.lower)


def catalogue_series() -> list[tuple[int, str]]:
    """(id, title) of every series, by title, for the filter."""
    return list(Series.objects.order_by("title", "pk").values_list("pk", "title"))


def approval_queue() -> QuerySet[Session]:
    """Sessions awaiting the committee, oldest request first."""
    return with_listing_joins(Session.objects.filter(status=SessionStatus.SUBMITTED)).order_by("created_at", "pk")


def sessions_open_for_check_in(*, now: dt.datetime | None = None) -> QuerySet[Session]:
    """SQL form of `events.permissions.check_in_open`: the sessions attendees may check in to
    now (a test checks they agree). The typed code is matched against these."""
    now = now or timezone.now()
    opens_by = now + dt.timedelta(minutes=settings.CHECK_IN_OPENS_MINUTES_BEFORE)
    return Session.objects.filter(status__in=SessionStatus.held, starts_at__lte=opens_by, ends_at__gte=now)


def session_for_page(*, pk: int) -> Session:
    return with_places_taken(with_listing_joins(Session.objects.all())).prefetch_related("materials").get(pk=pk)


def sessions_taught_by(*, teacher) -> QuerySet[Session]:
    # register_taken: the attendance app's marker, joined so the dashboard can list registers to take.
    sessions = with_listing_joins(Session.objects.filter(on_roster(member=teacher))).select_related("register_taken")
    return with_places_taken(sessions).order_by("starts_at", "pk")


# Feeds show what happened recently too, so a subscriber sees a cancellation or a change arrive.
FEED_HISTORY = dt.timedelta(days=90)
LISTED_IN_FEEDS = (*SessionStatus.held, SessionStatus.CANCELLED)


def sessions_for_year_feed(*, year: int, now: dt.datetime | None = None) -> QuerySet[Session]:
    """A year of study's public feed: published, completed and cancelled sessions from 90 days ago on."""
    now = now or timezone.now()
    return with_listing_joins(
        Session.objects.filter(
            for_year(year),
            status__in=LISTED_IN_FEEDS,
            ends_at__gte=now - FEED_HISTORY,
        ).exclude(status=SessionStatus.CANCELLED, published_at__isnull=True)  # a cancelled draft stays private
    ).order_by("starts_at", "pk")


def sessions_for_personal_feed(*, member, now: dt.datetime | None = None) -> QuerySet[Session]:
    """A member's own feed: the sessions they teach and those they have a place at."""
    now = now or timezone.now()
    mine = on_roster(member=member) | Q(
        pk__in=_registrations().holding_places().filter(member=member).values("session")
    )
    ids = Session.objects.filter(mine, status__in=LISTED_IN_FEEDS, ends_at__gte=now - FEED_HISTORY).values("pk")
    return (
        with_listing_joins(Session.objects.filter(pk__in=ids))
        .annotate(has_online_place=online_place_at(member=member))
        .order_by("starts_at", "pk")
    )


def online_place_at(*, member) -> Exists:
    """SQL form of `events.permissions.holds_online_place`: the member holds an online place at
    the session (the attendance app's rows, read through the session's relation)."""
    return Exists(_registrations().holding_places().online().filter(session=OuterRef("pk"), member=member))
