"""Sending reads what a batch needs up front and writes its outcomes together: a batch of a
hundred messages or fewer costs the same few queries however many it holds, whatever the kind —
no per-message lookup, no per-message renewal of the claim or write of the outcome."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.services import register
from events.services import update_session
from notifications.due import write_due_messages
from notifications.enums import MessageKind
from notifications.models import Message
from notifications.sending import send_messages
from tests.factories import MemberFactory, StudentFactory
from tests.notifications.factories import published_session

pytestmark = pytest.mark.django_db

# claim (fail the dead, claim, read) + prepare (what they are about, roster, teachers, registrations,
# groups, unsubscriptions) + record the outcomes (one UPDATE in a transaction of its own: a savepoint and
# its release inside the test's transaction) + give back whatever was claimed and not finished.
# The claim is younger than RENEW_AFTER throughout, and fewer than RECORD_EVERY outcomes wait.
PER_MESSAGE = 0


def _queries_to_send(kind: str) -> int:
    ids = list(Message.objects.filter(kind=kind).values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as captured:
        outcome = send_messages(message_ids=ids)
    assert outcome["sent"] == len(ids)
    return len(captured) - PER_MESSAGE * len(ids)


@pytest.mark.parametrize("registrants", [1, 6])
def test_change_e_mails_cost_a_fixed_few_queries_however_many(registrants, mailoutbox):
    lead = MemberFactory(roles=["teacher"], year_of_study=5)
    session = published_session(lead=lead, format="hybrid", meeting_url="https://teams.example.com/l/1")
    for n in range(registrants):
        register(session=session, member=StudentFactory(), mode="online" if n % 2 else "in_person")
    Message.objects.all().delete()
    update_session(
        session=session,
        changed_by=lead,
        target_years=[2],
        venue="Lecture Theatre 2",
        meeting_url="https://teams.example.com/l/2",
    )

    assert _queries_to_send(MessageKind.SESSION_CHANGED) == 13
    assert len(mailoutbox) == registrants + 1


@pytest.mark.parametrize("registrants", [1, 6])
def test_reminders_cost_a_fixed_few_queries_however_many(registrants, mailoutbox):
    session = published_session()
    for _ in range(registrants):
        register(session=session, member=StudentFactory())
    Message.objects.all().delete()
    write_due_messages(now=session.starts_at - dt.timedelta(hours=20))

    assert _queries_to_send(MessageKind.SESSION_REMINDER) == 12  # no teachers to read
    assert len(mailoutbox) == registrants
