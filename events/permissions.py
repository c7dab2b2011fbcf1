"""Who may do what with a session. Roster checks read `session.roster`, which the selectors
prefetch, so a predicate adds no query on a prefetched session."""

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from events.enums import SessionStatus
from events.models import Session
from members.permissions import is_committee, is_teacher


def _roster_entry(user, session: Session):
    """The user's place on the session's roster (the teachers app's `RosterEntry`, read through its
    relation), or None."""
    if not user.is_authenticated:
        return None
    for entry in session.roster.all():
        if entry.teacher_id == user.pk:
            return entry
    return None


def leads(user, session: Session) -> bool:
    """Whether the user is the session's lead teacher."""
    entry = _roster_entry(user, session)
    return entry is not None and entry.is_lead


def teaches(user, session: Session) -> bool:
    """Whether the user is on the session's roster, in any role. Its SQL form is `on_roster`."""
    return _roster_entry(user, session) is not None


def on_roster(*, member, session=None) -> Exists:
    """SQL form of `teaches`: whether `member` is on the roster of `session`, each a value or an
    `OuterRef` (the session defaults to the outer row's). A test checks the two agree."""
    return Exists(Session.objects.filter(pk=OuterRef("pk") if session is None else session, roster__teacher=member))


def can_propose_session(user) -> bool:
    return is_teacher(user)


def can_view_session(user, session: Session) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if session.status in SessionStatus.held:
        return True
    if session.status == SessionStatus.CANCELLED and session.published_at is not None:
        return True  # it was in the catalogue; a cancelled draft stays private like any draft
    return is_committee(user) or _roster_entry(user, session) is not None


def can_edit_session(user, session: Session) -> bool:
    """Teachers on the roster edit drafts and submitted sessions; after publication only the lead
    and the committee; nobody edits a completed or cancelled session."""
    if session.status in (SessionStatus.COMPLETED, SessionStatus.CANCELLED):
        return False
    if is_committee(user):
        return True
    if session.status == SessionStatus.PUBLISHED:
        return leads(user, session)
    return _roster_entry(user, session) is not None


def can_submit_session(user, session: Session) -> bool:
    return session.status == SessionStatus.DRAFT and _roster_entry(user, session) is not None


def can_review_sessions(user) -> bool:
    return is_committee(user)


def can_cancel_session(user, session: Session) -> bool:
    if session.status in (SessionStatus.COMPLETED, SessionStatus.CANCELLED):
        return False
    return is_committee(user) or leads(user, session)


def holds_online_place(registration) -> bool:
    """Whether a registration (the attendance app's row, or None) is a place to join online. Its
    SQL form is `events.selectors.online_place_at`; a test checks they agree."""
    return registration is not None and registration.holds_place and registration.is_online


def offers_meeting_link(session: Session, registration) -> bool:
    """Whether a member's place (the attendance app's row, or None) offers "Join online": an
    online place (`holds_online_place`) at a session going ahead with a meeting link. Being
    allowed to see the link (`sees_meeting_link`: teachers, the committee) does not make an
    in-person place a way to join online. The home page and My sessions ask this."""
    return holds_online_place(registration) and bool(session.meeting_url) and not session.is_cancelled


def sees_meeting_link(user, session: Session, *, online_place: bool = False) -> bool:
    """The meeting link is for members holding an online place (`holds_online_place`: an
    in-person place at a hybrid session does not need it), the session's teachers and the
    committee. Every page, feed and e-mail asks this."""
    return online_place or is_committee(user) or _roster_entry(user, session) is not None


def can_invite_co_teachers(user, session: Session) -> bool:
    if session.status in (SessionStatus.COMPLETED, SessionStatus.CANCELLED):
        return False
    return leads(user, session)


def can_manage_materials(user, session: Session) -> bool:
    """Teachers on the roster and the committee add materials and the recording link."""
    if session.status == SessionStatus.CANCELLED:
        return False
    return is_committee(user) or _roster_entry(user, session) is not None


def sees_materials(user, session: Session, *, registered: bool = False) -> bool:
    """Materials are for everyone holding a place, in person or online, the teachers and the committee."""
    return registered or is_committee(user) or _roster_entry(user, session) is not None


def can_take_register(user, session: Session, *, now=None) -> bool:
    """Whether the check-in screen and the register open for this user: a published or completed
    session, for the committee always, for teachers on the roster until REGISTER_EDIT_DAYS after
    it ends. The attendance pages and every button or link to them ask this, so a teacher is
    never offered a page that would refuse them."""
    if session.status not in SessionStatus.held:
        return False
    if is_committee(user):
        return True
    if _roster_entry(user, session) is None:
        return False
    now = now or timezone.now()
    return now <= session.ends_at + dt.timedelta(days=settings.REGISTER_EDIT_DAYS)


def check_in_open(session: Session, *, now=None) -> bool:
    """Whether attendees may check in: a published or completed session, from
    CHECK_IN_OPENS_MINUTES_BEFORE its start until it ends. `attendance.services.check_in`, the
    check-in screen and every "Check in now" link ask this."""
    now = now or timezone.now()
    opens = session.starts_at - dt.timedelta(minutes=settings.CHECK_IN_OPENS_MINUTES_BEFORE)
    return session.status in SessionStatus.held and opens <= now <= session.ends_at


def offers_check_in(session: Session, registration, *, now=None) -> bool:
    """Whether the member's place (the attendance app's row, or None) is offered "Check in now":
    a place held (not a waiting-list one) while `check_in_open`, not yet checked in, and not an
    online place, whose way in is the meeting link."""
    return (
        registration is not None
        and registration.holds_place
        and registration.checked_in_at is None
        and not holds_online_place(registration)
        and check_in_open(session, now=now)
    )


def registration_open(session: Session, *, now=None) -> bool:
    """Whether members may register for the session: published and not yet started, or, with
    ALLOW_LATE_REGISTRATION, not yet ended. The session page and `attendance.services.register`
    both ask this."""
    now = now or timezone.now()
    if session.status != SessionStatus.PUBLISHED or now >= session.ends_at:
        return False
    return now < session.starts_at or settings.ALLOW_LATE_REGISTRATION


def cancellation_open(session: Session, registration, *, now=None) -> bool:
    """Whether the member may give up their place or leave the waiting list: while the
    registration (the attendance app's row, or None) is active, until the session starts, and
    never once they have checked in, as the check-in is their attendance and cancelling would
    lose it. Late registration does not extend it. At a cancelled session the place may still be
    given up (no one is offered it). The session page, My sessions, the confirmation page and
    `attendance.services.cancel_registration` all ask this."""
    now = now or timezone.now()
    if registration is None or not registration.is_active:
        return False
    return registration.checked_in_at is None and now < session.starts_at
