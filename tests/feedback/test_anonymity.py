"""The threat model's checkable promises (`feedback.anonymity`): with a copy of the database —
every column of every table, read as raw rows — a response cannot be tied to a member."""

import re
import uuid

import pytest
from django.contrib.sessions.models import Session as WebSession
from django.db import connection
from django.urls import reverse

from feedback.models import PendingResponse, Response
from feedback.services import submit_response
from tests.factories import MemberFactory
from tests.feedback.factories import answers_for, attend, ended_session, physical_order, post_data, session_form

pytestmark = pytest.mark.django_db


def _rows(table: str) -> tuple[list[str], list[tuple]]:
    """All rows of a table as a database copy holds them: no ORDER BY, raw values."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 -- table names from introspection
        return [column[0] for column in cursor.description], cursor.fetchall()


def _every_table() -> list[str]:
    return sorted(connection.introspection.table_names())


def _members_respond_in_reverse_order(count: int = 4):
    session = ended_session(register_taken=True)
    members = sorted((MemberFactory() for _ in range(count)), key=lambda m: m.pk)
    for member in members:
        attend(session, member)
    # Later members respond first, each with a different overall rating, so arrival order and
    # member order disagree and every response is recognisable by its answers.
    for rating, member in enumerate(reversed(members), start=1):
        submit_response(member=member, session=session, answers=answers_for(session_form(), overall=rating))
    return session, members


def test_responses_and_answers_hold_no_member_no_time_and_a_random_key():
    _members_respond_in_reverse_order()
    for table, expected in {
        "feedback_response": {"id", "form_id", "session_id", "survey_id", "interview_id", "year_band", "is_imported"},
        "feedback_pendingresponse": {"id", "form_id", "session_id", "survey_id", "year_band", "envelope"},
        "feedback_answer": {"id", "response_id", "question_id", "number", "option_id", "text", "is_held_back"},
        "feedback_receipt": {"id", "member_id", "session_id", "survey_id"},
    }.items():
        columns, _ = _rows(table)
        assert set(columns) == expected, table
    # No foreign key from a response or an answer reaches the members' table.
    members_table = MemberFactory._meta.model._meta.db_table
    with connection.cursor() as cursor:
        for table in ("feedback_response", "feedback_pendingresponse", "feedback_answer"):
            targets = {relation[1] for relation in connection.introspection.get_relations(cursor, table).values()}
            assert members_table not in targets
    # The keys are random UUIDs (version 4), not a sequence.
    assert {pending.id.version for pending in PendingResponse.objects.all()} == {4}


def test_no_value_anywhere_joins_a_receipt_to_a_response():
    _session, members = _members_respond_in_reverse_order()
    response_ids = {str(pk) for pk in PendingResponse.objects.values_list("pk", flat=True)}
    response_keys = response_ids | {uuid.UUID(pk).hex for pk in response_ids}
    emails = {member.email for member in members}
    for table in _every_table():
        _columns, rows = _rows(table)
        for row in rows:
            values = {str(value) for value in row if value is not None}
            if table not in ("feedback_response", "feedback_pendingresponse", "feedback_answer"):
                assert not values & response_keys, f"{table} holds a response key"
            if table.startswith("feedback_") and table != "feedback_receipt":
                assert not values & emails, f"{table} holds a member's e-mail"
    receipt_columns, receipts = _rows("feedback_receipt")
    assert sorted(receipt_columns) == ["id", "member_id", "session_id", "survey_id"]
    assert len(receipts) == len(members)


def test_receipts_sit_in_member_order_not_in_the_order_responses_arrived():
    _session, members = _members_respond_in_reverse_order(count=5)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, member_id FROM feedback_receipt")
        physical = cursor.fetchall()
    member_ids = [member.pk for member in members]
    assert [member for _, member in physical] == member_ids  # as stored, although they answered in reverse
    keys = [key for key, _ in physical]
    assert keys == sorted(keys) and keys == list(
        range(keys[0], keys[0] + len(keys))
    )  # consecutive: no gap marks the last


def test_the_thank_you_page_and_the_web_session_carry_no_response_key(client):
    session = ended_session()
    member = MemberFactory()
    attend(session, member)
    client.force_login(member)
    page = client.post(reverse("feedback:answer_session", args=[session.pk]), post_data(answers_for(session_form())))
    response = PendingResponse.objects.get()
    assert page.status_code == 302
    assert page["Location"] == reverse("feedback:answer_session_thanks", args=[session.pk])
    thanks = client.get(page["Location"])
    assert str(response.pk) not in thanks.content.decode()
    for stored in WebSession.objects.all():
        assert str(response.pk) not in str(stored.get_decoded())
        assert response.pk.hex not in str(stored.get_decoded())


def test_receipts_across_released_batches_sit_in_member_order_so_no_block_pairs_with_a_batch(settings):
    """With N = 3, seven members answer in reverse member order: two batches are released and one
    response waits. Receipts grouped by batch would pair a batch of receipts with a batch of
    responses (which sit on disk grouped by release); all of them sit in member order instead."""
    settings.FEEDBACK_MIN_RESPONSES = 3
    session = ended_session(register_taken=True)
    members = sorted((MemberFactory() for _ in range(7)), key=lambda m: m.pk)
    for member in members:
        attend(session, member)
    for member in reversed(members):
        submit_response(member=member, session=session, answers=answers_for(session_form()))
    physical = physical_order("feedback_receipt", "member_id")
    assert physical == [member.pk for member in members]
    assert (Response.objects.count(), PendingResponse.objects.count()) == (6, 1)


def _dump() -> dict[str, set[tuple]]:
    """Every row of every table, as a copy of the database holds them."""
    return {table: {tuple(map(str, row)) for row in _rows(table)[1]} for table in _every_table()}


def test_submitting_writes_no_time_and_nothing_outside_feedback_and_sign_ins_keep_only_the_day(client, settings):
    """From a copy of the database, "who answered when" must not be readable. Members sign in
    and answer at different moments; then every table is dumped before and after each answer:
    an answer adds only a sealed envelope and a receipt (and, at a release, the responses), with
    no time in any of them; sign-ins leave only the day, the same for everyone who signed in
    that day, in `last_login` and in the web sessions' expiry."""
    settings.FEEDBACK_MIN_RESPONSES = 3
    session = ended_session(register_taken=True)
    members = [MemberFactory() for _ in range(4)]
    for member in members:
        attend(session, member)
    feedback_tables = {
        "feedback_receipt",
        "feedback_pendingresponse",
        "feedback_response",
        "feedback_answer",
        "feedback_formchoice",
    }
    for member in members:
        client.force_login(member)
        before = _dump()
        page = client.post(
            reverse("feedback:answer_session", args=[session.pk]), post_data(answers_for(session_form()))
        )
        assert page.status_code == 302
        after = _dump()
        changed = {table for table in after if after[table] != before.get(table)}
        assert changed <= feedback_tables, changed - feedback_tables
        for table in changed:
            for row in after[table] - before[table]:
                assert not any(_looks_like_a_time(value) for value in row), (table, row)
        client.logout()
    assert (Response.objects.count(), PendingResponse.objects.count()) == (3, 1)
    members_table = MemberFactory._meta.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT last_login FROM {members_table} WHERE last_login IS NOT NULL")  # noqa: S608
        logins = [row[0] for row in cursor.fetchall()]
    assert len(logins) == 1 and (logins[0].hour, logins[0].minute, logins[0].second) == (0, 0, 0)
    expiries = set(WebSession.objects.values_list("expire_date", flat=True))
    assert all((e.hour, e.minute, e.second, e.microsecond) == (0, 0, 0, 0) for e in expiries)


def _looks_like_a_time(value: str) -> bool:
    """A stored date-time (as PostgreSQL or SQLite returns it, made a string)."""
    return bool(re.match(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}", value))
