"""Writes for teaching: proposing a session puts its proposer on the roster as lead."""

from django.db import transaction

from events import services as event_services
from events.models import Session
from members.models import Member
from teachers.enums import TeachingRole
from teachers.models import RosterEntry


def propose_session(*, teacher: Member, submit: bool = False, **fields) -> Session:
    """Create a session as a draft (or straight to the approval queue with `submit`) with
    `teacher` as its lead, in one transaction. Fields are those of events.services.create_session."""
    with transaction.atomic():
        session = event_services.create_session(created_by=teacher, **fields)
        RosterEntry.objects.create(session=session, teacher=teacher, role=TeachingRole.LEAD)
        if submit:
            session = event_services.submit_session(session=session, by=teacher)
    return session


def add_to_roster(*, session: Session, teacher: Member, role: str = TeachingRole.CO_TEACHER) -> RosterEntry:
    """Put a teacher on a session's roster (used by imports and the admin); idempotent."""
    entry, _ = RosterEntry.objects.get_or_create(session=session, teacher=teacher, defaults={"role": role})
    return entry
