"""Session results and a teacher's results across sessions: the figures, the minimum-N rule and
the subtraction cases. Responses are written straight to the tables here; who may respond is
tested with the submission service."""

from decimal import Decimal

import pytest
from django.urls import reverse

from feedback.enums import QuestionKind
from feedback.models import Answer
from feedback.results import session_results, teacher_results
from tests.factories import MemberFactory
from tests.feedback.factories import make_form, past_session, respond, respond_many, session_form
from tests.teachers.factories import RosterEntryFactory

pytestmark = pytest.mark.django_db


# --- Readers, shared with the survey and moderation tests ----------------------------------------


def by_metric(results, metric_key: str):
    (found,) = [question for question in results.questions if question.metric_key == metric_key]
    return found


def by_text(results, text: str):
    (found,) = [question for question in results.questions if question.text == text]
    return found


def counts(question) -> list:
    return [(bar.value, bar.count, bar.pct) for bar in question.figures.bars]


# --- One session ---------------------------------------------------------------------------------


def test_session_below_the_minimum_shows_only_how_many_responded(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    session = past_session()
    respond_many(4, form=session_form(), session=session, overall=5, knowledge=5)
    results = session_results(session=session)
    assert (results.responses, results.is_shown, results.questions) == (4, False, [])


def test_session_at_the_minimum_shows_each_distribution_mean_and_agreement(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    session = past_session()
    form = session_form()
    for knowledge, overall, preference in [
        (5, 5, "online"),
        (4, 4, "online"),
        (4, 3, "in_person"),
        (2, 4, "online"),
        (1, 2, "no_preference"),
    ]:
        respond(form=form, session=session, knowledge=knowledge, overall=overall, format_preference=preference)
    results = session_results(session=session)
    assert (results.responses, results.is_shown) == (5, True)
    knowledge = by_metric(results, "knowledge")
    assert counts(knowledge) == [
        (1, 1, Decimal("20.0")),
        (2, 1, Decimal("20.0")),
        (3, 0, Decimal("0.0")),
        (4, 2, Decimal("40.0")),
        (5, 1, Decimal("20.0")),
    ]
    assert [bar.label for bar in knowledge.figures.bars] == [
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ]
    assert (knowledge.figures.n, knowledge.figures.mean, knowledge.figures.agree_pct) == (
        5,
        Decimal("3.20"),
        Decimal("60.0"),
    )
    overall = by_metric(results, "overall")
    # A rating has a mean but no agreement: agree_pct is for Likert questions.
    assert (overall.figures.mean, overall.figures.agree_pct) == (Decimal("3.60"), None)
    preference = by_metric(results, "format_preference")
    assert counts(preference) == [
        ("online", 3, Decimal("60.0")),
        ("in_person", 1, Decimal("20.0")),
        ("no_preference", 1, Decimal("20.0")),
    ]
    assert preference.figures.mean is None


def test_ratings_are_labelled_by_what_they_measure(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    session = past_session()
    respond_many(5, form=session_form(), session=session, overall=4, confidence_before=2)
    results = session_results(session=session)
    assert [bar.label for bar in by_metric(results, "overall").figures.bars] == [
        "1 – poor",
        "2",
        "3",
        "4",
        "5 – excellent",
    ]
    assert [bar.label for bar in by_metric(results, "confidence_before").figures.bars] == [
        "1 – not at all confident",
        "2",
        "3",
        "4",
        "5 – very confident",
    ]


def test_question_order_follows_the_form(settings):
    settings.FEEDBACK_MIN_RESPONSES = 1
    session = past_session()
    form = session_form()
    respond(form=form, session=session, overall=4)
    assert [q.text for q in session_results(session=session).questions] == [
        q.text for q in form.questions.order_by("position")
    ]


def test_optional_question_answered_by_fewer_than_the_minimum_shows_no_distribution(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    form = make_form(
        (QuestionKind.LIKERT, "Clear slides", "", True, []),
        (QuestionKind.LIKERT, "Good pace", "", False, []),
    )
    session = past_session()
    respond_many(2, form=form, session=session, q1=4, q2=1)
    respond_many(4, form=form, session=session, q1=5)
    results = session_results(session=session)
    pace = by_text(results, "Good pace")
    assert (pace.figures.n, pace.figures.is_shown, pace.figures.bars, pace.figures.mean) == (2, False, (), None)
    assert by_text(results, "Clear slides").figures.is_shown


def test_multiple_choice_counts_people_and_their_share_of_those_answering(settings):
    settings.FEEDBACK_MIN_RESPONSES = 2
    form = make_form((QuestionKind.MULTIPLE, "Which helped?", "", True, ["slides", "cases", "quiz"]))
    session = past_session()
    respond(form=form, session=session, q1=["slides", "cases"])
    respond(form=form, session=session, q1=["slides"])
    question = session_results(session=session).questions[0]
    assert question.figures.n == 2
    assert counts(question) == [
        ("slides", 2, Decimal("100.0")),
        ("cases", 1, Decimal("50.0")),
        ("quiz", 0, Decimal("0.0")),
    ]


def test_comments_come_in_random_key_order_not_arrival(settings):
    settings.FEEDBACK_MIN_RESPONSES = 1
    session = past_session()
    form = session_form()
    for text in ["first", "second", "third", "fourth", "fifth", "sixth"]:
        respond(form=form, session=session, overall=4, went_well=text)
    comments = by_metric(session_results(session=session), "went_well").comments
    written = Answer.objects.filter(question__metric_key="went_well")
    assert [c.text for c in comments] == [a.text for a in sorted(written, key=lambda answer: answer.pk)]


def test_teachers_never_see_held_back_comments_and_the_committee_sees_them_marked(settings):
    settings.FEEDBACK_MIN_RESPONSES = 1
    session = past_session()
    form = session_form()
    respond(form=form, session=session, overall=4, improve="Louder please")
    respond(form=form, session=session, overall=4, improve="Rude remark")
    Answer.objects.filter(text="Rude remark").update(is_held_back=True)
    teacher_view = by_metric(session_results(session=session), "improve").comments
    committee_view = by_metric(session_results(session=session, include_held_back=True), "improve").comments
    assert [c.text for c in teacher_view] == ["Louder please"]
    assert sorted((c.text, c.is_held_back) for c in committee_view) == [("Louder please", False), ("Rude remark", True)]


# --- A teacher's sessions together ---------------------------------------------------------------


def test_all_my_sessions_adds_up_only_sessions_that_reach_the_minimum(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    teacher = MemberFactory(roles=["teacher"])
    form = session_form()
    small, large = past_session(lead=teacher, days_ago=1), past_session(lead=teacher, days_ago=3)
    respond_many(4, form=form, session=small, knowledge=1, improve="small session")
    respond_many(5, form=form, session=large, knowledge=5)
    results = teacher_results(teacher=teacher)
    assert [(row.session, row.responses, row.is_counted) for row in results.sessions] == [
        (small, 4, False),
        (large, 5, True),
    ]
    knowledge = by_metric(results, "knowledge")
    # Subtraction: were the small session included, total minus the large session's page would give it.
    assert results.responses == 5
    assert (knowledge.figures.n, knowledge.figures.mean) == (5, Decimal("5.00"))
    assert counts(knowledge) == counts(by_metric(session_results(session=large), "knowledge"))
    assert by_metric(results, "improve").comments == []


def test_all_my_sessions_leaves_out_a_question_hidden_on_its_session_page(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    teacher = MemberFactory(roles=["teacher"])
    form = make_form(
        (QuestionKind.LIKERT, "Clear slides", "", True, []),
        (QuestionKind.LIKERT, "Good pace", "", False, []),
    )
    first, second = past_session(lead=teacher, days_ago=1), past_session(lead=teacher, days_ago=3)
    respond_many(3, form=form, session=first, q1=4, q2=1)  # the optional question: 3 answers, hidden
    respond_many(3, form=form, session=first, q1=4)
    respond_many(6, form=form, session=second, q1=5, q2=5)
    assert not by_text(session_results(session=first), "Good pace").figures.is_shown
    results = teacher_results(teacher=teacher)
    pace = by_text(results, "Good pace")
    # Only the second session's six answers: with the first's three, "all" minus "second" would show them.
    assert (pace.figures.n, pace.figures.mean) == (6, Decimal("5.00"))
    assert counts(pace) == counts(by_text(session_results(session=second), "Good pace"))
    slides = by_text(results, "Clear slides")
    assert (slides.figures.n, slides.figures.mean) == (12, Decimal("4.50"))


def test_all_my_sessions_shows_nothing_when_no_session_reaches_the_minimum(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    teacher = MemberFactory(roles=["teacher"])
    form = session_form()
    for days_ago in (1, 2, 3):
        respond_many(4, form=form, session=past_session(lead=teacher, days_ago=days_ago), knowledge=3)
    results = teacher_results(teacher=teacher)
    assert (results.is_shown, results.responses, results.questions) == (False, 0, [])
    assert [row.responses for row in results.sessions] == [4, 4, 4]


def test_all_my_sessions_is_only_the_teachers_own_sessions(settings):
    settings.FEEDBACK_MIN_RESPONSES = 1
    teacher, other = MemberFactory(roles=["teacher"]), MemberFactory(roles=["teacher"])
    form = session_form()
    mine, theirs = past_session(lead=other), past_session(lead=other)
    RosterEntryFactory(session=mine, teacher=teacher)  # co-teaching counts
    respond(form=form, session=mine, knowledge=4)
    respond(form=form, session=theirs, knowledge=1)
    results = teacher_results(teacher=teacher)
    assert [row.session for row in results.sessions] == [mine]
    assert by_metric(results, "knowledge").figures.mean == Decimal("4.00")


def test_metric_questions_combine_across_form_versions_and_untagged_ones_by_wording(settings):
    settings.FEEDBACK_MIN_RESPONSES = 2
    teacher = MemberFactory(roles=["teacher"])
    old = make_form(
        (QuestionKind.LIKERT, "I learnt a lot.", "knowledge", True, []),
        (QuestionKind.SINGLE, "Format?", "format_preference", True, ["online", "in_person"]),
        (QuestionKind.LIKERT, "The room was comfortable.", "", True, []),
    )
    new = make_form(
        (QuestionKind.LIKERT, "This session improved my knowledge.", "knowledge", True, []),
        (QuestionKind.SINGLE, "Preferred format?", "format_preference", True, ["in_person", "online", "either"]),
        (QuestionKind.LIKERT, "The room was comfortable.", "", True, []),
        (QuestionKind.LIKERT, "The handout helped.", "", True, []),
        version=2,
    )
    first, second = past_session(lead=teacher, days_ago=5), past_session(lead=teacher, days_ago=1)
    respond_many(2, form=old, session=first, knowledge=2, format_preference="online", q3=2)
    respond_many(2, form=new, session=second, knowledge=4, format_preference="either", q3=4, q4=5)
    results = teacher_results(teacher=teacher)
    assert [(q.text, q.versions) for q in results.questions] == [
        ("This session improved my knowledge.", 2),  # the newest wording names the combined question
        ("Preferred format?", 2),
        ("The room was comfortable.", 2),
        ("The handout helped.", 1),
    ]
    knowledge = by_metric(results, "knowledge")
    assert (knowledge.figures.n, knowledge.figures.mean, knowledge.figures.agree_pct) == (
        4,
        Decimal("3.00"),
        Decimal("50.0"),
    )
    assert counts(by_metric(results, "format_preference")) == [
        ("in_person", 0, Decimal("0.0")),
        ("online", 2, Decimal("50.0")),
        ("either", 2, Decimal("50.0")),
    ]


# --- The pages -----------------------------------------------------------------------------------


def test_session_page_below_the_minimum_says_how_many_responded(client, settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    teacher = MemberFactory(roles=["teacher"])
    session = past_session(lead=teacher)
    respond_many(3, form=session_form(), session=session, knowledge=5, went_well="Great cases")
    client.force_login(teacher)
    response = client.get(reverse("feedback:session_results", args=[session.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 responses, not enough to show." in html
    assert "Great cases" not in html
    assert 'data-testid="question-result"' not in html


def test_session_page_shows_the_lead_teacher_the_results_without_held_back_comments(client, settings):
    settings.FEEDBACK_MIN_RESPONSES = 2
    teacher = MemberFactory(roles=["teacher"])
    session = past_session(lead=teacher)
    form = session_form()
    respond(form=form, session=session, knowledge=5, went_well="Great cases")
    respond(form=form, session=session, knowledge=4, went_well="Something unkind")
    Answer.objects.filter(text="Something unkind").update(is_held_back=True)
    client.force_login(teacher)
    html = client.get(reverse("feedback:session_results", args=[session.pk])).content.decode()
    assert "2 responses." in html
    assert "mean 4.50 out of 5 · 100.0% agree or strongly agree" in html
    assert "Great cases" in html
    assert "Something unkind" not in html


def test_session_page_shows_the_committee_held_back_comments_marked(client, settings, committee_member):
    settings.FEEDBACK_MIN_RESPONSES = 1
    session = past_session()
    respond(form=session_form(), session=session, knowledge=5, went_well="Something unkind")
    Answer.objects.update(is_held_back=True)
    client.force_login(committee_member)
    html = client.get(reverse("feedback:session_results", args=[session.pk])).content.decode()
    assert "Something unkind" in html
    assert "Held back from teachers" in html


@pytest.mark.parametrize("roles", [[], ["teacher"]])
def test_session_page_is_not_found_for_anyone_not_teaching_it(client, settings, roles):
    settings.FEEDBACK_MIN_RESPONSES = 1
    session = past_session(lead=MemberFactory(roles=["teacher"]))
    respond(form=session_form(), session=session, knowledge=5)
    client.force_login(MemberFactory(roles=roles))
    assert client.get(reverse("feedback:session_results", args=[session.pk])).status_code == 404
    assert client.get(reverse("feedback:session_results", args=[session.pk + 1])).status_code == 404


def test_co_teacher_sees_the_session_results(client, settings):
    settings.FEEDBACK_MIN_RESPONSES = 1
    co_teacher = MemberFactory(roles=["teacher"])
    session = past_session(lead=MemberFactory(roles=["teacher"]))
    RosterEntryFactory(session=session, teacher=co_teacher)
    respond(form=session_form(), session=session, knowledge=5)
    client.force_login(co_teacher)
    response = client.get(reverse("feedback:session_results", args=[session.pk]))
    assert response.context["results"].responses == 1


def test_my_results_page_lists_sessions_and_the_totals_shown(client, settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    teacher = MemberFactory(roles=["teacher"])
    form = session_form()
    small = past_session(lead=teacher, days_ago=1, title="Small group")
    large = past_session(lead=teacher, days_ago=3, title="Big lecture")
    respond_many(2, form=form, session=small, knowledge=1, went_well="From the small one")
    respond_many(6, form=form, session=large, knowledge=4, went_well="From the big one")
    client.force_login(teacher)
    html = client.get(reverse("feedback:my_results")).content.decode()
    assert "All sessions shown: 6 responses" in html
    assert "Not enough responses to show" in html
    assert "From the big one" in html
    assert "From the small one" not in html
    assert reverse("feedback:session_results", args=[small.pk]) in html


def test_my_results_page_is_for_teachers(client, member):
    client.force_login(member)
    assert client.get(reverse("feedback:my_results")).status_code == 403


def test_teacher_dashboard_and_session_page_link_to_the_results(client, settings):
    teacher = MemberFactory(roles=["teacher"])
    session = past_session(lead=teacher)
    client.force_login(teacher)
    dashboard = client.get(reverse("teachers:dashboard")).content.decode()
    assert reverse("feedback:my_results") in dashboard
    assert reverse("feedback:session_results", args=[session.pk]) in dashboard
    detail = client.get(reverse("events:detail", args=[session.pk])).content.decode()
    assert reverse("feedback:session_results", args=[session.pk]) in detail


def test_session_page_offers_no_results_link_to_attendees(client):
    session = past_session(lead=MemberFactory(roles=["teacher"]))
    client.force_login(MemberFactory())
    detail = client.get(reverse("events:detail", args=[session.pk])).content.decode()
    assert reverse("feedback:session_results", args=[session.pk]) not in detail
