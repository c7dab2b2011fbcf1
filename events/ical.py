"""Sessions as iCalendar (RFC 5545), with the icalendar library.

A session keeps one UID for life; SEQUENCE rises with each change attendees must see (time,
place, cancellation), so calendar clients update the event in place, and a cancellation arrives as
STATUS:CANCELLED rather than the event silently disappearing.
"""

from collections.abc import Collection, Iterable

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from events.enums import SessionStatus
from events.models import Session
from events.services import one_line
from meded.links import site_host, url_for

PRODID = "-//MedEd//Near-peer teaching sessions//EN"


def session_uid(session: Session) -> str:
    return f"session-{session.pk}@{site_host()}"


def session_event(session: Session, *, with_link: bool, with_teachers: bool) -> Event:
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    # Whatever a title holds (rows written before titles were kept on one line, say), the
    # one-line properties get one line.
    event.add("summary", one_line(session.title))
    event.add("sequence", session.sequence)
    event.add("status", "CANCELLED" if session.status == SessionStatus.CANCELLED else "CONFIRMED")
    page = url_for("events:detail", session.pk)
    event.add("url", page)
    location = session.venue or ("Online" if session.meeting_url else "")
    if location:
        event.add("location", one_line(location))
    description = [session.description.strip()] if session.description.strip() else []
    if session.meeting_url and with_link:
        description.append(f"Join online: {session.meeting_url}")
    description.append(f"Details: {page}")
    event.add("description", "\n\n".join(description))
    teachers = ", ".join(entry.teacher.get_full_name() for entry in session.roster.all()) if with_teachers else ""
    if teachers:
        event.add("comment", one_line(f"Teaching: {teachers}"))
    return event


def calendar_bytes(
    sessions: Iterable[Session], *, name: str, with_links: bool | Collection[int] = False, public: bool = False
) -> bytes:
    """A VCALENDAR of the sessions. Meeting links only where the reader may see them (`with_links`:
    all, none, or the ids of those sessions); public feeds (no sign-in) name no teachers."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", one_line(name))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    for session in sessions:
        with_link = with_links if isinstance(with_links, bool) else session.pk in with_links
        calendar.add_component(session_event(session, with_link=with_link, with_teachers=not public))
    return calendar.to_ical()
