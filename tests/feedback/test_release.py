"""Responses wait sealed until their release: a session's in batches of FEEDBACK_MIN_RESPONSES,
a survey's all at once when it closes; each release writes them in a random physical order
(`feedback.anonymity`, "Why responses are released")."""

import datetime as dt
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback import coding, services
from feedback.models import Answer, PendingResponse, Response, Survey
from feedback.results import comments_for_moderation, session_results, survey_export, survey_results
from feedback.results import sessions_with_comments as results_sessions_with_comments
from feedback.sealing import SealBroken, unseal
from feedback.services import release_due, release_survey, responses, submit_response
from tests.factories import MemberFactory
from tests.feedback.factories import (
    a_survey,
    answers_for,
    ended_session,
    physical_order,
    session_form,
    survey_form,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _five(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5


def _respond(session, member, number: int) -> PendingResponse:
    """The `number`-th response: its overall rating and comment say which it is."""
    answers = answers_for(session_form(), overall=(number - 1) % 5 + 1, text=f"Comment number {number}")
    return submit_response(member=member, session=session, answers=answers)


def _shown(results) -> list:
    return [(q.text, q.figures, [c.text for c in q.comments]) for q in results.questions]


def _close(survey: Survey) -> None:
    Survey.objects.filter(pk=survey.pk).update(
        opens_at=timezone.now() - dt.timedelta(days=14), closes_at=timezone.now() - dt.timedelta(minutes=1)
    )
    survey.refresh_from_db()


def test_the_fifth_response_releases_the_first_five_together():
    members = MemberFactory.create_batch(5)
    session = ended_session(register_taken=True, attended_by=members)
    for number, member in enumerate(members[:4], start=1):
        _respond(session, member, number)
        assert (PendingResponse.objects.filter(session=session).count(), Response.objects.count()) == (number, 0)
        results = session_results(session=session)
        assert (results.is_shown, results.responses, results.questions) == (False, number, [])
    _respond(session, members[4], 5)
    assert (PendingResponse.objects.count(), Response.objects.filter(session=session).count()) == (0, 5)
    results = session_results(session=session)
    assert (results.is_shown, results.responses, results.pending) == (True, 5, 0)
    overall = next(q for q in results.questions if q.metric_key == "overall")
    assert [bar.count for bar in overall.figures.bars] == [1, 1, 1, 1, 1]


def test_the_sixth_to_ninth_change_nothing_shown_and_the_tenth_releases_five_more():
    members = MemberFactory.create_batch(10)
    session = ended_session(register_taken=True, attended_by=members)
    for number, member in enumerate(members[:5], start=1):
        _respond(session, member, number)
    shown_at_five = _shown(session_results(session=session))
    for number, member in enumerate(members[5:9], start=6):
        _respond(session, member, number)
        results = session_results(session=session)
        assert (results.responses, results.pending) == (5, number - 5)
        assert _shown(results) == shown_at_five
    _respond(session, members[9], 10)
    results = session_results(session=session)
    assert (results.responses, results.pending) == (10, 0)
    comments = next(q for q in results.questions if q.metric_key == "went_well").comments
    assert sorted(c.text for c in comments) == sorted(f"Comment number {n}" for n in range(1, 11))


def test_nothing_is_shown_from_pending_responses_and_their_words_are_in_no_column(client, committee_member, teacher):
    members = MemberFactory.create_batch(7)
    session = ended_session(register_taken=True, attended_by=members)
    session.roster.create(teacher=teacher, role="lead")
    for number, member in enumerate(members, start=1):
        _respond(session, member, number)
    pending = {"Comment number 6", "Comment number 7"}
    # Sealed: no answer row holds them, nor any envelope in readable form.
    assert not Answer.objects.filter(text__in=pending).exists()
    envelopes = [bytes(e) for e in PendingResponse.objects.values_list("envelope", flat=True)]
    assert len(envelopes) == 2 and not any(b"Comment number" in envelope for envelope in envelopes)
    assert not pending & {a.text for a in comments_for_moderation(viewer=committee_member)}
    assert not pending & {a.text for a in coding.comments()}
    everything = coding.CommentFilters()
    assert coding.coding_progress(coder=committee_member, filters=everything) == (0, 10)  # 5 × two comments
    client.force_login(committee_member)
    for name, args in [
        ("feedback:session_results", [session.pk]),
        ("feedback:moderation", []),
        ("feedback:coding", []),
    ]:
        html = client.get(reverse(name, args=args) + ("?show=all" if name == "feedback:coding" else "")).content
        assert not any(text.encode() in html for text in pending), name
    page = client.get(reverse("feedback:session_results", args=[session.pk]))
    assert page.context["results"].responses == 5
    assert "2 more responses wait for the next group" in page.content.decode()
    client.force_login(teacher)
    mine = client.get(reverse("feedback:my_results")).context["results"]
    assert mine.responses == 5
    assert not pending & {c.text for q in mine.questions for c in q.comments}


def test_an_open_survey_shows_only_how_many_have_answered_and_every_answer_counts_at_its_close(
    client, committee_member
):
    """66 members answer, as in the society's evaluation: nothing but counts while it is open,
    then all 66 at the close — none left behind for want of a full batch."""
    survey = a_survey(form=survey_form())
    members = [MemberFactory(year_of_study=1 + i % 6) for i in range(66)]
    for member in members:
        submit_response(member=member, survey=survey, answers=answers_for(survey_form(), text="What it gives me"))
    assert (Response.objects.count(), PendingResponse.objects.filter(survey=survey).count()) == (0, 66)
    results = survey_results(survey=survey)
    assert (results.is_open, results.is_shown, results.responses, results.questions) == (True, False, 66, [])
    assert results.band_responses == [("Years 1–2", 22), ("Years 3–6", 44)]
    assert survey_export(survey=survey)[1] == []
    client.force_login(committee_member)
    page = client.get(reverse("feedback:survey_results", args=[survey.pk])).content.decode()
    assert "Results appear when the survey closes" in page and "What it gives me" not in page
    for name in ("feedback:survey_csv", "feedback:survey_comments_csv"):
        refused = client.get(reverse(name, args=[survey.pk]))
        assert refused.status_code == 302 and refused["Location"] == reverse(
            "feedback:survey_results", args=[survey.pk]
        )
    assert release_survey(survey) == 0  # not before it closes

    _close(survey)
    page = client.get(reverse("feedback:survey_results", args=[survey.pk]))  # releases on the way
    results = page.context["results"]
    assert (results.is_shown, results.responses) == (True, 66)
    assert [n for _label, n in results.band_responses] == [22, 44]
    assert PendingResponse.objects.count() == 0
    assert len(survey_export(survey=survey)[1]) == 66
    assert "What it gives me" in page.content.decode()


def test_the_audits_differencing_sequence_finds_nothing_to_compare(client, committee_member):
    """The audit's steps: record the results page, let four members of years 1–2 and one of years
    3–6 answer (five, a batch under the old rule), reload. Before, the years 3–6 column moved by
    exactly that member's answers; now an open survey shows no figures at all, before or after."""
    survey = a_survey(form=survey_form())
    for year in (1, 1, 2, 2, 2, 3, 4, 5, 6, 6):
        submit_response(member=MemberFactory(year_of_study=year), survey=survey, answers=answers_for(survey_form()))
    client.force_login(committee_member)
    url = reverse("feedback:survey_results", args=[survey.pk])
    before = client.get(url).context["results"]
    for year in (1, 1, 2, 2, 5):
        answers = answers_for(survey_form(), knowledge=1, text="Only the lone later-year member says this")
        submit_response(member=MemberFactory(year_of_study=year), survey=survey, answers=answers)
    after = client.get(url)
    for results in (before, after.context["results"]):
        assert (results.is_shown, results.questions) == (False, [])
    assert [n for _label, n in after.context["results"].band_responses] == [9, 6]
    assert "Only the lone later-year member" not in after.content.decode()


def test_beat_releases_closed_surveys_only_and_once():
    still_open, closing = a_survey(title="Open"), a_survey(title="Closing")
    for survey in (still_open, closing):
        for member in [MemberFactory(year_of_study=2) for _ in range(3)]:
            submit_response(member=member, survey=survey, answers=answers_for(survey_form()))
    _close(closing)
    assert release_due() == 3
    assert release_due() == 0
    assert Response.objects.filter(survey=closing).count() == 3
    assert PendingResponse.objects.filter(survey=still_open).count() == 3


def test_no_answer_arrives_after_the_release():
    survey = a_survey()
    member = MemberFactory(year_of_study=3)
    _close(survey)
    with pytest.raises(services.FeedbackError, match="closed"):
        submit_response(member=member, survey=survey, answers=answers_for(survey_form()))


def test_release_keeps_every_answer_exactly():
    members = MemberFactory.create_batch(5)
    session = ended_session(register_taken=True, attended_by=members)
    given = []
    for number, member in enumerate(members, start=1):
        answers = answers_for(session_form(), overall=number, text=f"Comment number {number}")
        given.append(sorted(answers.items()))
        submit_response(member=member, session=session, answers=answers)
    stored = {}
    for response_id, question_id, number, option_id, text in Answer.objects.values_list(
        "response_id", "question_id", "number", "option_id", "text"
    ):
        stored.setdefault(response_id, []).append((question_id, number if number is not None else option_id or text))
    assert sorted(sorted(rows) for rows in stored.values()) == sorted(given)


class _Reversing:
    """A stand-in for the module's SystemRandom whose "shuffle" reverses, so the test is exact."""

    def shuffle(self, items: list) -> None:
        items.reverse()


def test_a_release_is_not_stored_in_the_order_it_arrived(monkeypatch):
    monkeypatch.setattr(responses, "shuffler", _Reversing())
    members = MemberFactory.create_batch(5)
    session = ended_session(register_taken=True, attended_by=members)
    for number, member in enumerate(members, start=1):
        _respond(session, member, number)
    comments = [text for text in physical_order("feedback_answer", "text") if text.startswith("Comment number")]
    # Each response's answers stay together (two comments each), the responses reversed.
    assert comments == [f"Comment number {n}" for n in range(5, 0, -1) for _ in range(2)]


def test_pending_envelopes_are_opaque_the_same_size_and_bound_to_their_scope(settings):
    members = MemberFactory.create_batch(3)
    session = ended_session(register_taken=True, attended_by=members)
    _respond(session, members[0], 1)
    long = answers_for(session_form(), text="x" * 1500)
    submit_response(member=members[1], session=session, answers=long)
    sizes = {len(bytes(envelope)) for envelope in PendingResponse.objects.values_list("envelope", flat=True)}
    assert len(sizes) == 1  # a short comment and a long one look alike
    envelope = PendingResponse.objects.first()
    with pytest.raises(SealBroken):
        unseal(bytes(envelope.envelope), scope="session:0")
    assert unseal(bytes(envelope.envelope), scope=envelope.scope_label)[
        "answers"
    ]  # moved to another scope, it opens nowhere


def test_an_envelope_sealed_with_a_retired_key_holds_the_release_back_until_the_key_is_a_fallback(settings, caplog):
    members = MemberFactory.create_batch(6)
    session = ended_session(register_taken=True, attended_by=members)
    for number, member in enumerate(members[:4], start=1):
        _respond(session, member, number)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    with caplog.at_level(logging.ERROR, logger="feedback.services"):
        _respond(session, members[4], 5)
    # Four cannot be opened: nothing is released (one alone would be a group of one), nothing lost.
    assert (Response.objects.count(), PendingResponse.objects.count()) == (0, 5)
    assert "were not released" in caplog.text
    settings.SECRET_KEY_FALLBACKS = [old_key]
    # Nobody else need answer: beat's sweep releases the session once the key is back.
    assert release_due() == 5
    assert (Response.objects.filter(session=session).count(), PendingResponse.objects.count()) == (5, 0)


def test_committee_lists_offer_only_sessions_with_a_release(client, committee_member):
    _members = MemberFactory.create_batch(5)
    released = ended_session(register_taken=True, attended_by=_members)
    for number, member in enumerate(_members, start=1):
        _respond(released, member, number)
    members = MemberFactory.create_batch(3)
    pending = ended_session(register_taken=True, attended_by=members)
    for number, member in enumerate(members, start=1):
        _respond(pending, member, number)
    assert [s.pk for s in results_sessions_with_comments(viewer=committee_member)[0]] == [released.pk]
    assert [pk for pk, _title, _starts in coding.sessions_with_comments()] == [released.pk]
    client.force_login(committee_member)
    for name in ("feedback:moderation", "feedback:coding", "feedback:coding_themes"):
        choices = client.get(reverse(name)).context
        sessions = choices["sessions"] if "sessions" in choices else None
        form = choices.get("filter_form")
        offered = (
            [s.pk for s in sessions] if sessions is not None else [pk for pk, _ in form.fields["session"].choices if pk]
        )
        assert offered == [released.pk], name
    export = client.get(reverse("feedback:coding_export")).content.decode()
    assert "Comment number" not in export  # nothing is coded yet; and nothing pending could be


def test_a_question_deleted_after_answers_were_sealed_does_not_stop_the_release(caplog):
    """Only the admin can delete a question outright; if it does so while answers to it wait
    sealed, the release leaves those answers out (they answer nothing now) and goes ahead."""
    from feedback.models import Question

    members = MemberFactory.create_batch(5)
    session = ended_session(register_taken=True, attended_by=members)
    for number, member in enumerate(members[:4], start=1):
        _respond(session, member, number)
    Question.objects.filter(form=session_form(), metric_key="improve").delete()
    with caplog.at_level(logging.WARNING, logger="feedback.services"):
        _respond(session, members[4], 5)
    assert (Response.objects.filter(session=session).count(), PendingResponse.objects.count()) == (5, 0)
    assert Answer.objects.filter(text__startswith="Comment number").count() == 4 + 1  # went_well of each
    assert "left out" in caplog.text


def test_a_survey_releases_its_receipts_in_member_order_and_takes_no_answer_after_its_results_are_out():
    survey = a_survey(form=survey_form())
    members = sorted((MemberFactory(year_of_study=2) for _ in range(5)), key=lambda m: m.pk)
    for member in reversed(members):  # later members first: arrival order is not member order
        submit_response(member=member, survey=survey, answers=answers_for(survey_form()))
    assert physical_order("feedback_receipt", "member_id") == [m.pk for m in reversed(members)]
    _close(survey)
    assert release_survey(survey) == 5
    assert physical_order("feedback_receipt", "member_id") == [m.pk for m in members]
    with pytest.raises(services.FeedbackError, match="results are out"):
        # As the demo may, an answer dated while the survey was open: still refused.
        submit_response(
            member=MemberFactory(year_of_study=3),
            survey=survey,
            answers=answers_for(survey_form()),
            now=survey.opens_at + dt.timedelta(hours=1),
        )


def test_a_survey_shown_before_sealing_began_adds_no_fewer_than_n_at_its_close(client, committee_member):
    """A survey open when sealing began had batches shown while open. At its close the answers
    since are added only if there are at least N of them; otherwise they stay sealed, counted
    as held back, so the difference cannot show what one or two people said."""
    survey = a_survey(form=survey_form())
    Response.objects.bulk_create(Response(form=survey.form, survey=survey, year_band="years_1_2") for _ in range(5))
    for member in [MemberFactory(year_of_study=4) for _ in range(3)]:
        submit_response(member=member, survey=survey, answers=answers_for(survey_form()))
    _close(survey)
    assert release_survey(survey) == 0
    client.force_login(committee_member)
    page = client.get(reverse("feedback:survey_results", args=[survey.pk]))
    assert page.context["results"].responses == 5
    assert "3 answers are held back" in page.content.decode()
    assert PendingResponse.objects.filter(survey=survey).count() == 3
