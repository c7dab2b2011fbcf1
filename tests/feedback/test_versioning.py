"""A form with answers is never edited under them: editing makes the next version."""

import pytest

from feedback.enums import FormPurpose, QuestionKind
from feedback.models import Answer, Form, FormChoice, PendingResponse, Question, Response
from feedback.services import (
    FeedbackError,
    QuestionSpec,
    choose_session_form,
    create_form,
    form_for_session,
    make_default,
    new_version,
    specs_for,
    submit_response,
    update_form,
)
from tests.factories import MemberFactory
from tests.feedback.factories import answers_for, attend, ended_session, sealed_answers, session_form

pytestmark = pytest.mark.django_db

RATING = QuestionSpec(kind=QuestionKind.RATING, text="How was it?", metric_key="overall")
CHOICE = QuestionSpec(
    kind=QuestionKind.SINGLE,
    text="Format?",
    metric_key="format_preference",
    options=(("online", "Online"), ("in_person", "In person")),
)


def _answered(form: Form):
    session, member = ended_session(), MemberFactory()
    attend(session, member)
    choose_session_form(session=session, form=form, by=None)
    return submit_response(member=member, session=session, answers=answers_for(form))


def test_an_unanswered_form_changes_in_place():
    form = create_form(title="Workshop feedback", purpose=FormPurpose.SESSION, questions=[RATING], by=None)
    saved = update_form(
        form=form, title="Workshop feedback (v2 wording)", intro="Hi", questions=[CHOICE, RATING], by=None
    )
    assert (saved.pk, saved.version, saved.title, saved.intro) == (form.pk, 1, "Workshop feedback (v2 wording)", "Hi")
    assert [(q.position, q.text) for q in saved.questions.all()] == [(1, "Format?"), (2, "How was it?")]
    assert list(saved.questions.get(position=1).options.values_list("value", "label")) == [
        ("online", "Online"),
        ("in_person", "In person"),
    ]
    assert Form.objects.filter(family=form.family).count() == 1


def test_an_answered_form_gets_a_new_current_version_and_old_answers_keep_their_questions(settings):
    """Answered while sealed, then released after the edit: the answers still find their questions."""
    settings.FEEDBACK_MIN_RESPONSES = 2
    form = create_form(title="Workshop feedback", purpose=FormPurpose.SESSION, questions=[RATING, CHOICE], by=None)
    pending = _answered(form)
    old_questions = set(form.questions.values_list("pk", flat=True))
    edited = QuestionSpec(kind=QuestionKind.LIKERT, text="The session was useful.", metric_key="overall")
    saved = update_form(form=form, title="Workshop feedback", intro="", questions=[edited], by=None)
    form.refresh_from_db()
    assert (saved.family, saved.version, saved.is_current) == (form.family, 2, True)
    assert (form.version, form.is_current) == (1, False)
    assert [(q.kind, q.text) for q in saved.questions.all()] == [("likert", "The session was useful.")]
    assert {answer.question_id for answer in sealed_answers(pending)} == old_questions
    assert Question.objects.filter(pk__in=old_questions, form=form).count() == 2
    assert pending.form == form
    # A second attendee answers the version the session is pinned to, which releases both.
    session, second = pending.session, MemberFactory()
    attend(session, second)
    submit_response(member=second, session=session, answers=answers_for(form_for_session(session)))
    assert (PendingResponse.objects.count(), Response.objects.filter(session=session, form=form).count()) == (0, 2)
    assert set(Answer.objects.filter(response__session=session).values_list("question", flat=True)) == old_questions


def test_a_new_version_of_the_default_takes_over_as_default_and_moves_unanswered_sessions():
    default = session_form()
    _answered(default)
    waiting = ended_session()
    saved = new_version(form=default, by=None)
    default.refresh_from_db()
    assert (saved.version, saved.is_default, default.is_default, default.is_current) == (2, True, False, False)
    assert specs_for(saved) == specs_for(default)
    assert form_for_session(waiting) == saved


def test_sessions_that_chose_an_answered_form_move_to_the_new_version_only_without_responses():
    form = create_form(title="Workshop feedback", purpose=FormPurpose.SESSION, questions=[RATING], by=None)
    answered = _answered(form).session
    waiting = ended_session()
    choose_session_form(session=waiting, form=form, by=None)
    saved = update_form(form=form, title="Workshop", intro="", questions=[RATING, CHOICE], by=None)
    assert FormChoice.objects.get(session=answered).form == form
    assert FormChoice.objects.get(session=waiting).form == saved


def test_an_old_version_cannot_be_edited():
    form = create_form(title="Workshop feedback", purpose=FormPurpose.SESSION, questions=[RATING], by=None)
    _answered(form)
    update_form(form=form, title="Workshop", intro="", questions=[RATING], by=None)
    with pytest.raises(FeedbackError, match="newer version"):
        update_form(form=form, title="Again", intro="", questions=[RATING], by=None)


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ([RATING, QuestionSpec(kind="likert", text="Again", metric_key="overall")], "one question of a form only"),
        ([QuestionSpec(kind="text", text="Comments", metric_key="overall")], "cannot measure"),
        ([QuestionSpec(kind="single", text="Pick", options=(("a", "A"),))], "at least two options"),
        ([QuestionSpec(kind="rating", text="Rate", options=(("a", "A"), ("b", "B")))], "has no options"),
        ([QuestionSpec(kind="single", text="Pick", options=(("a", "A"), ("a", "B")))], "must differ"),
    ],
)
def test_invalid_questions_are_refused(questions, message):
    with pytest.raises(FeedbackError, match=message):
        create_form(title="Bad", purpose=FormPurpose.SESSION, questions=questions, by=None)
    assert not Form.objects.filter(title="Bad").exists()


def test_a_session_with_feedback_keeps_its_form():
    form = create_form(title="Workshop feedback", purpose=FormPurpose.SESSION, questions=[RATING], by=None)
    session = _answered(form).session
    with pytest.raises(FeedbackError, match="already has feedback"):
        choose_session_form(session=session, form=session_form(), by=None)


def test_choosing_the_default_clears_the_choice_and_survey_forms_are_refused():
    session = ended_session()
    form = create_form(title="Workshop feedback", purpose=FormPurpose.SESSION, questions=[RATING], by=None)
    choose_session_form(session=session, form=form, by=None)
    assert FormChoice.objects.get(session=session).form == form
    choose_session_form(session=session, form=session_form(), by=None)
    assert not FormChoice.objects.filter(session=session).exists()
    survey = Form.objects.get(family="society-survey")
    with pytest.raises(FeedbackError):
        choose_session_form(session=session, form=survey, by=None)


def test_making_another_form_the_default_moves_the_flag():
    form = create_form(title="Workshop feedback", purpose=FormPurpose.SESSION, questions=[RATING], by=None)
    make_default(form=form, by=None)
    assert list(Form.objects.filter(is_default=True).values_list("pk", flat=True)) == [form.pk]
    assert form_for_session(ended_session()) == form


def test_families_of_forms_with_the_same_title_stay_apart():
    first = create_form(title="Feedback", purpose=FormPurpose.SESSION, questions=[RATING], by=None)
    second = create_form(title="Feedback", purpose=FormPurpose.SESSION, questions=[RATING], by=None)
    assert (first.family, second.family) == ("feedback", "feedback-2")


def _session_answered_by(count: int):
    session = ended_session()
    members = [MemberFactory() for _ in range(count + 1)]
    for member in members:
        attend(session, member)
    for member in members[:count]:
        submit_response(member=member, session=session, answers=answers_for(session_form()))
    return session, members[count]


def test_a_new_default_after_five_responses_leaves_the_sixth_on_the_form_they_answered():
    old = session_form()
    session, sixth = _session_answered_by(5)
    assert FormChoice.objects.get(session=session).form == old  # pinned by the first response
    other = create_form(title="Short feedback", purpose=FormPurpose.SESSION, questions=[RATING], by=None)
    make_default(form=other, by=None)
    fresh = ended_session()
    assert form_for_session(fresh) == other
    assert form_for_session(type(session).objects.get(pk=session.pk)) == old
    response = submit_response(member=sixth, session=session, answers=answers_for(old))
    assert response.form == old
    assert set(session.feedback_responses.values_list("form", flat=True)) == {old.pk}


def test_a_new_version_of_the_default_leaves_an_answered_session_on_the_old_version():
    old = session_form()
    session, sixth = _session_answered_by(5)
    successor = new_version(form=old, by=None)
    assert (successor.is_default, successor.version) == (True, 2)
    response = submit_response(member=sixth, session=session, answers=answers_for(old))
    assert response.form == old


def test_making_a_chosen_form_the_default_keeps_it_pinned_on_an_answered_session():
    chosen = create_form(title="Workshop feedback", purpose=FormPurpose.SESSION, questions=[RATING], by=None)
    answered = _answered(chosen).session
    unanswered = ended_session()
    choose_session_form(session=unanswered, form=chosen, by=None)
    make_default(form=chosen, by=None)
    assert list(FormChoice.objects.values_list("session", "form")) == [(answered.pk, chosen.pk)]
    make_default(form=session_form(), by=None)
    assert form_for_session(type(answered).objects.get(pk=answered.pk)) == chosen


def test_a_form_chosen_by_a_session_open_for_feedback_gets_a_new_version_not_an_edit():
    form = create_form(title="Workshop feedback", purpose=FormPurpose.SESSION, questions=[RATING], by=None)
    session = ended_session()  # its feedback is open, nobody has answered yet
    choose_session_form(session=session, form=form, by=None)
    saved = update_form(form=form, title="Workshop feedback", intro="", questions=[CHOICE], by=None)
    assert (saved.pk != form.pk, saved.version) == (True, 2)
    assert [q.text for q in form.questions.all()] == ["How was it?"]  # untouched under a member answering
    assert form_for_session(type(session).objects.get(pk=session.pk)) == saved


def test_the_default_form_while_a_session_follows_it_openly_gets_a_new_version():
    default = session_form()
    ended_session()
    saved = new_version(form=default, by=None)
    assert saved.pk != default.pk and saved.is_default


def test_a_form_of_an_open_survey_gets_a_new_version_and_the_survey_moves_to_it():
    from tests.feedback.factories import a_survey

    form = create_form(title="Pulse survey", purpose=FormPurpose.SURVEY, questions=[RATING], by=None)
    survey = a_survey(form=form)
    saved = update_form(form=form, title="Pulse survey", intro="", questions=[CHOICE], by=None)
    assert saved.version == 2
    survey.refresh_from_db()
    assert survey.form == saved


def test_a_form_no_open_session_or_survey_uses_still_changes_in_place():
    form = create_form(title="Workshop feedback", purpose=FormPurpose.SESSION, questions=[RATING], by=None)
    later = ended_session(hours_ago=-48)  # not held yet
    closed = ended_session(hours_ago=24 * 60)  # its window closed long ago
    for session in (later, closed):
        choose_session_form(session=session, form=form, by=None)
    saved = update_form(form=form, title="Workshop feedback", intro="", questions=[CHOICE], by=None)
    assert (saved.pk, saved.version) == (form.pk, 1)
