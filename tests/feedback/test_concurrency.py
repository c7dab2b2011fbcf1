"""Submissions at once, on real PostgreSQL connections: one response per member, and no receipt
lost or refused while every submission rewrites the session's receipts and releases batches; and
an edit of the form made during a submission waits for it (`feedback.services.responses._hold_form`).

The controls show that this harness catches the damage when the rewrite is not serialised by the
session-row lock, and when the submission does not hold the form.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from feedback.enums import FormPurpose
from feedback.models import Answer, FormChoice, PendingResponse, Receipt, Response
from feedback.services import (
    FeedbackError,
    QuestionSpec,
    choose_session_form,
    create_form,
    responses,
    submit_response,
    update_form,
)
from tests.concurrency import all_at_once
from tests.factories import MemberFactory
from tests.feedback.factories import answers_for, ended_session, sealed_answers, session_form

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (as in CI)"),
]


@pytest.mark.parametrize(("minimum", "pending", "released"), [(5, 1, 0), (1, 0, 1)])
def test_the_same_member_eight_times_at_once_gives_one_response(settings, minimum, pending, released):
    """Whether the one response waits sealed or is released at once (N = 1)."""
    settings.FEEDBACK_MIN_RESPONSES = minimum
    member = MemberFactory()
    session = ended_session(attended_by=[member])
    answers = answers_for(session_form())

    failures = all_at_once([member] * 8, lambda m: submit_response(member=m, session=session, answers=answers))

    assert (PendingResponse.objects.count(), Response.objects.count(), Receipt.objects.count()) == (
        pending,
        released,
        1,
    )
    assert Answer.objects.count() == 10 * released
    assert len(failures) == 7
    assert {type(f) for f in failures} == {FeedbackError}


def test_twenty_members_at_once_all_respond_and_their_receipts_end_in_member_order(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    members = [MemberFactory() for _ in range(20)]
    session = ended_session(attended_by=members)
    answers = answers_for(session_form())

    failures = all_at_once(members, lambda m: submit_response(member=m, session=session, answers=answers))

    assert failures == []
    assert (PendingResponse.objects.count(), Response.objects.filter(session=session).count()) == (0, 20)
    assert Answer.objects.filter(response__session=session).count() == 20 * 10
    with connection.cursor() as cursor:
        cursor.execute("SELECT member_id FROM feedback_receipt ORDER BY ctid")
        # In member order, whatever order they arrived in, across the four released batches.
        assert [row[0] for row in cursor.fetchall()] == sorted(m.pk for m in members)


def test_control_without_the_lock_this_harness_sees_lost_or_refused_submissions():
    members = [MemberFactory() for _ in range(20)]
    session = ended_session(attended_by=members)

    def unlocked_rewrite(member):
        # What the receipt rewrite would be without the session-row lock: read, pause, replace.
        with transaction.atomic():
            existing = set(Receipt.objects.filter(session=session).values_list("member_id", flat=True))
            time.sleep(0.05)
            Receipt.objects.filter(session=session).delete()
            Receipt.objects.bulk_create(Receipt(member_id=pk, session=session) for pk in sorted(existing | {member.pk}))

    failures = all_at_once(members, unlocked_rewrite)

    assert failures or Receipt.objects.filter(session=session).count() < len(members)


RATING = QuestionSpec(kind="rating", text="How was it?", metric_key="overall")


def _edit_during_a_submission(monkeypatch, *, wait: float):
    """A member's submission is paused inside its transaction, after reading the form; meanwhile
    an editor saves an edit of the form the session chose. Returns the session, the form, whether
    the edit finished within `wait` seconds while the submission was still open, and what each
    thread ended with."""
    form = create_form(title="Workshop feedback", purpose=FormPurpose.SESSION, questions=[RATING], by=None)
    member = MemberFactory()
    session = ended_session(attended_by=[member])
    choose_session_form(session=session, form=form, by=None)
    answers = answers_for(form)
    read, paused, resume, edited = responses._answers_for, threading.Event(), threading.Event(), threading.Event()

    def read_then_pause(**kwargs):
        rows = read(**kwargs)
        paused.set()
        resume.wait(timeout=30)
        return rows

    monkeypatch.setattr(responses, "_answers_for", read_then_pause)
    outcome = {}

    def submit():
        try:
            outcome["submission"] = submit_response(member=member, session=session, answers=answers)
        except Exception as error:  # asserted by the caller
            outcome["submission"] = error
        finally:
            connections.close_all()

    def edit():
        try:
            spec = QuestionSpec(kind="likert", text="The session was useful.", metric_key="overall")
            outcome["edit"] = update_form(form=form, title=form.title, intro="", questions=[spec], by=None)
        except Exception as error:  # asserted by the caller
            outcome["edit"] = error
        finally:
            edited.set()
            connections.close_all()

    submitter, editor = threading.Thread(target=submit), threading.Thread(target=edit)
    submitter.start()
    assert paused.wait(timeout=30)
    editor.start()
    edited_meanwhile = edited.wait(timeout=wait)
    resume.set()
    submitter.join(timeout=60)
    editor.join(timeout=60)
    return session, form, edited_meanwhile, outcome


def test_an_edit_during_a_submission_waits_for_it_and_the_session_keeps_the_form_it_was_answered_on(monkeypatch):
    session, form, edited_meanwhile, outcome = _edit_during_a_submission(monkeypatch, wait=1)

    assert not edited_meanwhile  # held by the submission's share lock on the form's row
    pending, successor = outcome["submission"], outcome["edit"]
    assert isinstance(pending, PendingResponse) and pending.form_id == form.pk
    assert successor.version == 2 and successor.pk != form.pk  # the form had a response by then
    # The session stays on the version its sealed answers answered, whose question is still there.
    assert FormChoice.objects.get(session=session).form_id == form.pk
    assert {answer.question.form_id for answer in sealed_answers(pending)} == {form.pk}


def test_control_without_holding_the_form_the_edit_moves_the_session_under_its_answers(monkeypatch):
    monkeypatch.setattr(responses, "_hold_form", lambda form: None)
    session, form, edited_meanwhile, outcome = _edit_during_a_submission(monkeypatch, wait=15)

    assert edited_meanwhile
    assert outcome["submission"].form_id == form.pk
    assert FormChoice.objects.get(session=session).form_id == outcome["edit"].pk  # split across two versions


def test_a_surveys_first_answer_during_an_edit_of_its_form_is_refused_not_deadlocked():
    """The editor holds the form's lock and is about to move the survey (its first answer not in
    yet) to the new version; the answer arriving now waits for the form, then finds the survey
    moved and asks the member to reload. Taking the survey's lock before the form's would
    deadlock the two (a 500 for the member, answers lost)."""
    from feedback.models import Form, Survey
    from tests.feedback.factories import a_survey, survey_form

    survey = a_survey(form=survey_form())
    member = MemberFactory(year_of_study=2)
    answers = answers_for(survey_form())
    outcome, started = {}, threading.Event()

    def edit():
        try:
            with transaction.atomic():
                Form.objects.select_for_update().get(pk=survey.form_id)
                started.set()
                time.sleep(1)  # the answer arrives now and waits for the form
                successor = Form.objects.get(pk=survey.form_id)
                successor.pk, successor.version = None, successor.version + 1
                Form.objects.filter(pk=survey.form_id).update(is_current=False, is_default=False)
                successor.save()
                Survey.objects.filter(pk=survey.pk).update(form=successor)
        finally:
            connections.close_all()

    def answer():
        started.wait(timeout=10)
        try:
            outcome["pending"] = submit_response(member=member, survey=survey, answers=answers)
        except Exception as error:  # asserted below
            outcome["error"] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit), threading.Thread(target=answer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert isinstance(outcome.get("error"), FeedbackError), outcome
    assert str(outcome["error"]) == "The form has just been changed; reload the page and answer again."
    assert not PendingResponse.objects.exists() and not Receipt.objects.exists()
