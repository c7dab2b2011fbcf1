"""Outbox rows, sessions and helpers for the notification tests."""

import datetime as dt
import zoneinfo

import factory
from django.utils import timezone

from events.enums import SessionFormat
from notifications.enums import MessageKind
from notifications.models import Message
from tests.attendance.factories import RegistrationFactory
from tests.events.factories import PublishedSessionFactory
from tests.factories import MemberFactory, StudentFactory
from tests.teachers.factories import RosterEntryFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
# The locmem backend's send, patched to stand for the mail server's replies.
SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"
MEETING_URL = "https://teams.example/l/meetup-join/renal-42"


class MessageFactory(factory.django.DjangoModelFactory):
    """A pending committee digest to a new member, written `days_old` days ago (today unless told)."""

    class Meta:
        model = Message

    class Params:
        days_old = 0

    kind = MessageKind.COMMITTEE_DIGEST
    recipient = factory.SubFactory(MemberFactory)
    occurrence = factory.Sequence(lambda n: f"occurrence-{n}")
    created_at = factory.LazyAttribute(lambda o: timezone.now() - dt.timedelta(days=o.days_old))


def published_session(*, lead=None, co_teachers=(), years=(2,), **fields):
    """A published session for year 2 (the `member` fixture's year), a week ahead unless told."""
    session = PublishedSessionFactory(target_years=list(years), lead=lead, **fields)
    for teacher in co_teachers:
        RosterEntryFactory(session=session, teacher=teacher)
    return session


def hybrid_session(**fields):
    return published_session(format=SessionFormat.HYBRID, meeting_url=MEETING_URL, **fields)


def rows(**filters):
    """The outbox as (kind, recipient id, occurrence), in a stable order."""
    return sorted(Message.objects.filter(**filters).values_list("kind", "recipient_id", "occurrence"))


def backdate(message_ids, *, by: dt.timedelta):
    """As if the rows had been written `by` ago (the sweep leaves fresh rows to the dispatch)."""
    for message in Message.objects.filter(pk__in=message_ids):
        Message.objects.filter(pk=message.pk).update(
            created_at=message.created_at - by, next_attempt_at=message.next_attempt_at - by
        )


def cancellation_messages(count, **fields):
    """Cancellation messages to members holding a place (written straight to the tables)."""
    session = published_session()
    messages = []
    for _ in range(count):
        member = StudentFactory()
        RegistrationFactory(session=session, member=member)
        messages.append(
            MessageFactory(
                kind=MessageKind.SESSION_CANCELLED,
                recipient=member,
                about_type="events.session",
                about_id=session.pk,
                occurrence="cancelled",
                **fields,
            )
        )
    return messages
