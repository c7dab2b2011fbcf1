"""Writes for sessions: creation, edits with a change log, and the workflow.

draft → submitted → published → completed; cancelled from any state before completed. Each
transition is a conditional UPDATE on the current status, so two committee members acting at once
cannot both succeed: the loser gets InvalidTransition.
"""

import datetime as dt
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from events import cards
from events.enums import TRACKED_FIELDS, SessionStatus
from events.models import CalendarToken, Material, Series, Session, SessionChange, SessionTargetYear
from members.models import Member
from notifications.enums import MessageKind
from notifications.services import notify_many

EDITABLE_FIELDS = (
    "is_open_to_all_years",
    "title",
    "description",
    "topic",
    "series",
    "format",
    "venue",
    "meeting_url",
    "starts_at",
    "ends_at",
    "capacity",
    "online_capacity",
    "recording_url",
)


class InvalidTransition(Exception):
    """The session is not in a state that allows this step (someone else may have acted first)."""


def _set_target_years(session: Session, years: Iterable[int]) -> None:
    years = sorted(set(years))
    SessionTargetYear.objects.filter(session=session).exclude(year__in=years).delete()
    SessionTargetYear.objects.bulk_create(
        [SessionTargetYear(session=session, year=year) for year in years], ignore_conflicts=True
    )


# Fields written on one line everywhere they appear (pages, e-mail subjects, calendar files).
ONE_LINE_FIELDS = ("title", "topic", "venue")


def one_line(text: str) -> str:
    """`text` with every run of whitespace, line breaks included, as one space, trimmed. A line
    break pasted from a spreadsheet cell (Alt-Enter) or sent in a crafted form never reaches a
    title, which calendar files and e-mail headers cannot carry."""
    return " ".join(text.split())


def create_session(
    *,
    created_by: Member,
    title: str,
    format: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    target_years: Iterable[int],
    description: str = "",
    topic: str = "",
    series: Series | None = None,
    venue: str = "",
    meeting_url: str = "",
    capacity: int | None = None,
    online_capacity: int | None = None,
    is_open_to_all_years: bool = False,
    status: str = SessionStatus.DRAFT,
) -> Session:
    """Create a session (a draft unless `status` says otherwise) with its target years."""
    with transaction.atomic():
        session = Session.objects.create(
            created_by=created_by,
            title=one_line(title),
            description=description,
            topic=one_line(topic),
            series=series,
            format=format,
            venue=one_line(venue),
            meeting_url=meeting_url,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            online_capacity=online_capacity,
            is_open_to_all_years=is_open_to_all_years,
            status=status,
            published_at=timezone.now() if status in SessionStatus.held else None,
        )
        _set_target_years(session, target_years)
    return session


def update_session(*, session: Session, changed_by: Member, target_years: Iterable[int], **fields) -> Session:
    """Save edits. Locks the session row; once published, each change to the time, venue or link is
    logged (for the messages to registrants). Raises InvalidTransition for a completed or cancelled
    session."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")
    fields |= {name: one_line(fields[name]) for name in ONE_LINE_FIELDS if fields.get(name) is not None}
    with transaction.atomic():
        current = Session.objects.select_for_update().get(pk=session.pk)
        if current.status in (SessionStatus.COMPLETED, SessionStatus.CANCELLED):
            raise InvalidTransition(_("A completed or cancelled session cannot be edited."))
        changes = []
        for name, value in fields.items():
            old = getattr(current, name)
            if old != value and name in TRACKED_FIELDS and current.status == SessionStatus.PUBLISHED:
                changes.append(
                    SessionChange(
                        session=current, field=name, old_value=_text(old), new_value=_text(value), changed_by=changed_by
                    )
                )
            setattr(current, name, value)
        if changes:
            current.sequence += 1
        current.save(update_fields=[*fields, "sequence"])
        _set_target_years(current, target_years)
        SessionChange.objects.bulk_create(changes)
        if changes:
            notify_many(
                kind=MessageKind.SESSION_CHANGED,
                recipients=_people_to_tell(current),
                about=current,
                occurrence=f"sequence-{current.sequence}",
                context={"changes": [_change_for_message(change) for change in changes]},
            )
    return current


def _people_to_tell(session: Session) -> set[int]:
    """Everyone holding a place or waiting for one, and the session's teachers."""
    registrants = session.registrations.active().values_list("member_id", flat=True)
    return {*registrants, *session.roster.values_list("teacher_id", flat=True)}


def _change_for_message(change: SessionChange) -> dict:
    """How a change reads in the e-mail. A meeting link's values are left out: the message goes
    to people who may not see the link (in person, waiting); the e-mail shows the new link only
    to those who may. Times in London time, whatever the editor's own."""

    def shown(value: str) -> str:
        if change.field in ("starts_at", "ends_at") and value:
            moment = timezone.localtime(dt.datetime.fromisoformat(value), timezone.get_default_timezone())
            return date_format(moment, "l j F Y, H:i")
        return value or "—"

    label = str(Session._meta.get_field(change.field).verbose_name)
    if change.field == "meeting_url":
        return {"field": label, "is_link": True}
    return {"field": label, "old": shown(change.old_value), "new": shown(change.new_value)}


def _text(value) -> str:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return "" if value is None else str(value)


def _transition(*, session: Session, from_states: Iterable[str], to: str, by: Member | None, **extra) -> Session:
    with transaction.atomic():
        updated = Session.objects.filter(pk=session.pk, status__in=list(from_states)).update(status=to, **extra)
        if updated != 1:
            raise InvalidTransition(
                _("“%(title)s” is no longer in a state that allows this; reload the page.") % {"title": session.title}
            )
        SessionChange.objects.create(
            session=session, field="status", old_value=session.status, new_value=to, changed_by=by
        )
        cards.catalogue_changed()  # an update() sends no post_save
    session.refresh_from_db()
    return session


def submit_session(*, session: Session, by: Member) -> Session:
    """Send a draft to the committee for approval. Raises InvalidTransition unless it is a draft."""
    return _transition(session=session, from_states=[SessionStatus.DRAFT], to=SessionStatus.SUBMITTED, by=by)


def approve_session(*, session: Session, by: Member) -> Session:
    """Publish a submitted session in the catalogue. Raises InvalidTransition unless submitted."""
    return _transition(
        session=session,
        from_states=[SessionStatus.SUBMITTED],
        to=SessionStatus.PUBLISHED,
        by=by,
        published_at=timezone.now(),
        review_comment="",
    )


def send_back_session(*, session: Session, by: Member, comment: str) -> Session:
    """Return a submitted session to its teachers as a draft, with the committee's comment."""
    if not comment.strip():
        raise ValueError("A comment is required to send a session back.")
    return _transition(
        session=session,
        from_states=[SessionStatus.SUBMITTED],
        to=SessionStatus.DRAFT,
        by=by,
        review_comment=comment.strip(),
    )


def cancel_session(*, session: Session, by: Member, reason: str) -> Session:
    """Cancel a session that has not been completed, with the reason registrants will be given."""
    if not reason.strip():
        raise ValueError("A reason is required to cancel a session.")
    with transaction.atomic():
        session = _transition(
            session=session,
            from_states=[SessionStatus.DRAFT, SessionStatus.SUBMITTED, SessionStatus.PUBLISHED],
            to=SessionStatus.CANCELLED,
            by=by,
            cancellation_reason=reason.strip(),
            sequence=F("sequence") + 1,
        )
        if session.published_at is not None:  # a draft nobody could see is cancelled quietly
            notify_many(
                kind=MessageKind.SESSION_CANCELLED,
                recipients=_people_to_tell(session),
                about=session,
                occurrence="cancelled",
            )
    return session


def complete_ended_sessions(*, now: dt.datetime | None = None) -> int:
    """Mark published sessions that have ended as completed; returns how many. Safe to repeat."""
    now = now or timezone.now()
    with transaction.atomic():
        ended = list(
            Session.objects.select_for_update(skip_locked=True)
            .filter(status=SessionStatus.PUBLISHED, ends_at__lte=now)
            .values_list("pk", flat=True)
        )
        done = Session.objects.filter(pk__in=ended, status=SessionStatus.PUBLISHED).update(
            status=SessionStatus.COMPLETED
        )
        SessionChange.objects.bulk_create(
            [
                SessionChange(
                    session_id=pk, field="status", old_value=SessionStatus.PUBLISHED, new_value=SessionStatus.COMPLETED
                )
                for pk in ended
            ]
        )
        cards.catalogue_changed()
    return done


def reset_calendar_token(*, member: Member) -> CalendarToken:
    """Give the member a new personal calendar URL; the old one stops working at once."""
    token, _ = CalendarToken.objects.update_or_create(
        member=member, defaults={"token": secrets.token_urlsafe(32), "created_at": timezone.now()}
    )
    return token


def revoke_calendar_token(*, member: Member) -> None:
    """Stop the member's personal calendar URL working, for good (an account being closed)."""
    CalendarToken.objects.filter(member=member).delete()


def calendar_token_for(*, member: Member) -> CalendarToken:
    """The member's calendar token, created on first use."""
    existing = CalendarToken.objects.filter(member=member).first()
    return existing or reset_calendar_token(member=member)


def add_material(*, session: Session, by: Member, title: str, file=None, url: str = "") -> Material:
    """Attach a file or a link (exactly one) to a session. Raises ValueError otherwise."""
    if bool(file) == bool(url):
        raise ValueError("A material is a file or a link, not both or neither.")
    material = Material(session=session, title=title.strip(), url=url, uploaded_by=by)
    if file:
        material.file.save(file.name, file, save=False)
    material.save()
    return material


def remove_material(*, material: Material) -> None:
    """Delete a material and its stored file (after the commit, so a rollback keeps the file)."""
    file = material.file
    material.delete()
    if file:
        name, storage = file.name, file.storage
        transaction.on_commit(lambda: storage.delete(name))


def set_recording_link(*, session: Session, by: Member, url: str) -> Session:
    """Add (or clear) the recording link, also after the session has been completed."""
    if session.status == SessionStatus.CANCELLED:
        raise InvalidTransition(_("A cancelled session has no recording."))
    Session.objects.filter(pk=session.pk).update(recording_url=url)
    session.recording_url = url
    return session
