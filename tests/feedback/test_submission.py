"""Who may give feedback on a session, when, and what a valid response is."""

import datetime as dt

import pytest

from attendance.enums import AttendanceStatus
from feedback.models import Answer, PendingResponse, Question, Receipt, Response
from feedback.services import FeedbackError, check_can_respond_to_session, specs_for, submit_response, update_form
from tests.factories import MemberFactory
from tests.feedback.factories import answers_for, attend, ended_session, sealed_answers, session_form

pytestmark = pytest.mark.django_db


def _submit(session, member, **overrides):
    return submit_response(member=member, session=session, answers=answers_for(session_form(), **overrides))


@pytest.mark.parametrize("attendance", [AttendanceStatus.PRESENT, AttendanceStatus.LATE])
def test_present_or_late_members_can_respond(attendance):
    session, member = ended_session(register_taken=True), MemberFactory()
    attend(session, member, attendance=attendance)
    pending = _submit(session, member)
    assert (pending.session, pending.form, pending.year_band) == (session, session_form(), "")
    assert list(PendingResponse.objects.values_list("pk", flat=True)) == [pending.pk]
    assert len(sealed_answers(pending)) == 10
    assert list(Receipt.objects.values_list("member", "session", "survey")) == [(member.pk, session.pk, None)]


def test_walk_ins_can_respond():
    session, member = ended_session(register_taken=True), MemberFactory()
    attend(session, member, walk_in=True)
    _submit(session, member)
    assert PendingResponse.objects.filter(session=session).count() == 1


@pytest.mark.parametrize(
    ("attendance", "message"),
    [
        (
            AttendanceStatus.ABSENT,
            "The register shows you as absent from this session, so there is no feedback to give.",
        ),
        (AttendanceStatus.EXCUSED, "You were excused from this session, so there is no feedback to give."),
        ("", "The register does not show you at this session. If you were there, ask the teacher to correct it."),
    ],
)
def test_absent_excused_or_unmarked_after_the_register_cannot_respond(attendance, message):
    session, member = ended_session(register_taken=True), MemberFactory()
    attend(session, member, attendance=attendance)
    with pytest.raises(FeedbackError) as refused:
        _submit(session, member)
    assert str(refused.value) == message
    assert (PendingResponse.objects.count(), Response.objects.count(), Answer.objects.count()) == (0, 0, 0)
    assert Receipt.objects.count() == 0


def test_unmarked_members_can_respond_while_no_register_has_been_taken():
    session, member = ended_session(register_taken=False), MemberFactory()
    attend(session, member, attendance="")
    _submit(session, member)
    assert Receipt.objects.filter(session=session, member=member).exists()


@pytest.mark.parametrize("state", ["waitlisted", "cancelled"])
def test_members_without_a_place_cannot_respond(state):
    session, member = ended_session(), MemberFactory()
    attend(session, member, state=state, attendance="")
    with pytest.raises(FeedbackError, match="Only members registered for this session"):
        _submit(session, member)


def test_members_never_registered_cannot_respond():
    session = ended_session()
    with pytest.raises(FeedbackError, match="Only members registered for this session"):
        _submit(session, MemberFactory())


def test_cancelled_sessions_take_no_feedback():
    session, member = ended_session(status="cancelled"), MemberFactory()
    attend(session, member)
    with pytest.raises(FeedbackError, match="cancelled"):
        _submit(session, member)


def test_one_response_each_the_second_attempt_is_refused():
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    first = _submit(session, member)
    with pytest.raises(FeedbackError) as refused:
        _submit(session, member, scale=1)
    assert str(refused.value) == "You have already given feedback on this session. Thank you!"
    assert (PendingResponse.objects.count(), Response.objects.count(), Receipt.objects.count()) == (1, 0, 1)
    assert {answer.number for answer in sealed_answers(first) if answer.number is not None} == {4}


def test_feedback_opens_only_when_the_session_has_ended():
    session, member = ended_session(hours_ago=-0.5, status="published"), MemberFactory()
    attend(session, member, attendance="")
    with pytest.raises(FeedbackError, match="Feedback opens when the session ends"):
        _submit(session, member)


def test_feedback_closes_after_the_window(settings):
    settings.FEEDBACK_WINDOW_DAYS = 7
    session, member = ended_session(hours_ago=24 * 7 + 1), MemberFactory()
    attend(session, member)
    with pytest.raises(FeedbackError, match="Feedback on this session closed on"):
        _submit(session, member)
    # One hour inside the window it is still open.
    check_can_respond_to_session(session=session, member=member, now=session.ends_at + dt.timedelta(days=7, hours=-1))


def _question(metric):
    return session_form().questions.get(metric_key=metric)


@pytest.mark.parametrize("value", [0, 6, -1, "4", True, 4.5])
def test_scale_answers_must_be_whole_numbers_from_1_to_5(value):
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    with pytest.raises(FeedbackError) as refused:
        _submit(session, member, overall=value)
    assert str(refused.value) == "Answer “Overall, how would you rate this session?” on the scale from 1 to 5."
    assert (PendingResponse.objects.count(), Response.objects.count()) == (0, 0)


def test_a_missing_required_answer_is_refused_and_optional_ones_may_be_left_out():
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    answers = answers_for(session_form())
    del answers[_question("knowledge").pk]
    with pytest.raises(FeedbackError, match=r"Please answer “This session improved my knowledge of the topic\.”"):
        submit_response(member=member, session=session, answers=answers)
    answers = answers_for(session_form(), went_well="", improve="   ")
    pending = submit_response(member=member, session=session, answers=answers)
    stored = sealed_answers(pending)
    assert len(stored) == 8
    assert [answer for answer in stored if answer.question.kind == "text"] == []


def test_an_option_of_another_question_is_refused():
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    answers = answers_for(session_form())
    foreign = _question("format_preference").options.get(value="online")
    other_form_option = foreign.pk + 1000
    for bad in (other_form_option, [foreign.pk, foreign.pk + 1], "online"):
        answers[_question("format_preference").pk] = bad
        with pytest.raises(FeedbackError):
            submit_response(member=member, session=session, answers=answers)
    assert (PendingResponse.objects.count(), Response.objects.count()) == (0, 0)


def test_a_single_choice_takes_one_option():
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    question = _question("format_preference")
    answers = answers_for(session_form())
    answers[question.pk] = list(question.options.values_list("pk", flat=True)[:2])
    with pytest.raises(FeedbackError, match="Choose one option"):
        submit_response(member=member, session=session, answers=answers)


def test_text_answers_have_a_length_limit():
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    with pytest.raises(FeedbackError, match="under 2000 characters"):
        _submit(session, member, went_well="x" * 2001)
    pending = _submit(session, member, went_well="  x  ")
    went_well = _question("went_well")
    assert [answer.text for answer in sealed_answers(pending) if answer.question_id == went_well.pk] == ["x"]


def test_answers_to_questions_of_another_form_are_refused():
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    answers = answers_for(session_form())
    answers[99999] = 3
    with pytest.raises(FeedbackError, match="This form has changed since you opened it"):
        submit_response(member=member, session=session, answers=answers)


def _new_version_without_comments(form):
    """The builder's edit: the form is in use (the session's feedback is open), so version 2."""
    specs = [spec for spec in specs_for(form) if spec.kind != "text"]
    update_form(form=form, title=form.title, intro=form.intro, questions=specs, by=None)


def _comments_deleted_in_the_admin(form):
    for question in Question.objects.filter(form=form, kind="text"):
        question.delete()


@pytest.mark.parametrize("edit", [_new_version_without_comments, _comments_deleted_in_the_admin])
def test_answers_to_a_form_edited_after_the_page_was_opened_are_refused_with_a_reason(edit):
    """The member opened the page, then an edit was saved: the submission reads the questions
    again (under its share lock on the form) and the answers to the old ones are refused."""
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    form = session_form()
    answers = answers_for(form)
    edit(form)
    with pytest.raises(FeedbackError) as refused:
        submit_response(member=member, session=session, answers=answers)
    assert str(refused.value) == "This form has changed since you opened it; please reload it and answer again."
    assert (PendingResponse.objects.count(), Response.objects.count(), Receipt.objects.count()) == (0, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_answers_to_a_question_deleted_while_answering_are_refused_with_a_reason(monkeypatch):
    """An editor's change lands between reading the form and writing the answers; the foreign
    keys (checked at commit) refuse the answers and the member is told to reload."""
    from feedback.models import PendingResponse, Question, Receipt, Response
    from feedback.services import FeedbackError, responses, submit_response

    session, member = ended_session(), MemberFactory()
    attend(session, member)
    form = session_form()
    answers = answers_for(form)
    read_form = responses._answers_for

    def read_then_edited(**kwargs):
        rows = read_form(**kwargs)
        Question.objects.filter(form=form, kind="text").delete()  # the concurrent in-place edit
        return rows

    monkeypatch.setattr(responses, "_answers_for", read_then_edited)
    with pytest.raises(FeedbackError, match=r"^The form has just been changed; reload the page and answer again\.$"):
        submit_response(member=member, session=session, answers=answers)
    assert not PendingResponse.objects.exists() and not Response.objects.exists() and not Receipt.objects.exists()
