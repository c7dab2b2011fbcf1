"""Submissions at once, on real PostgreSQL connections: one response per member, and no receipt
lost or refused while every submission rewrites the session's receipts.

The control shows that this harness catches the damage when the rewrite is not serialised by the
session-row lock.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from feedback.models import Receipt, Response
from feedback.services import FeedbackError, submit_response
from tests.factories import MemberFactory
from tests.feedback.factories import answers_for, attend, ended_session, session_form

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (as in CI)"),
]


def _all_at_once(members, action):
    barrier = threading.Barrier(len(members))
    failures = []

    def run(member):
        try:
            barrier.wait(timeout=30)
            action(member)
        except Exception as error:  # collected and asserted by the caller
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return failures


def _session_with(members):
    session = ended_session()
    for member in members:
        attend(session, member)
    return session


def test_the_same_member_eight_times_at_once_gives_one_response():
    member = MemberFactory()
    session = _session_with([member])
    answers = answers_for(session_form())

    failures = _all_at_once([member] * 8, lambda m: submit_response(member=m, session=session, answers=answers))

    assert (Response.objects.count(), Receipt.objects.count()) == (1, 1)
    assert len(failures) == 7
    assert {type(f) for f in failures} == {FeedbackError}


def test_twenty_members_at_once_all_respond_and_their_receipts_end_in_member_order(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    members = [MemberFactory() for _ in range(20)]
    session = _session_with(members)
    answers = answers_for(session_form())

    failures = _all_at_once(members, lambda m: submit_response(member=m, session=session, answers=answers))

    assert failures == []
    assert Response.objects.filter(session=session, is_released=True).count() == 20
    with connection.cursor() as cursor:
        cursor.execute("SELECT member_id FROM feedback_receipt ORDER BY ctid")
        # In member order, whatever order they arrived in, across the four released batches.
        assert [row[0] for row in cursor.fetchall()] == sorted(m.pk for m in members)


def test_control_without_the_lock_this_harness_sees_lost_or_refused_submissions():
    members = [MemberFactory() for _ in range(20)]
    session = _session_with(members)

    def unlocked_rewrite(member):
        # What the receipt rewrite would be without the session-row lock: read, pause, replace.
        with transaction.atomic():
            existing = set(Receipt.objects.filter(session=session).values_list("member_id", flat=True))
            time.sleep(0.05)
            Receipt.objects.filter(session=session).delete()
            Receipt.objects.bulk_create(Receipt(member_id=pk, session=session) for pk in sorted(existing | {member.pk}))

    failures = _all_at_once(members, unlocked_rewrite)

    assert failures or Receipt.objects.filter(session=session).count() < len(members)
