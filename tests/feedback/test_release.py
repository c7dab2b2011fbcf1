"""Responses reach results only in batches of FEEDBACK_MIN_RESPONSES, each batch rewritten in a
random physical order (`feedback.anonymity`, "Why responses are released in batches")."""

import pytest
from django.urls import reverse

from feedback import coding, services
from feedback.models import Answer, Response
from feedback.results import comments_for_moderation, session_results, survey_export, survey_results
from feedback.results import sessions_with_comments as results_sessions_with_comments
from feedback.services import FeedbackError, set_held_back, submit_response
from tests.factories import MemberFactory
from tests.feedback.factories import answers_for, attend, ended_session, physical_order, session_form, survey_form
from tests.feedback.test_surveys import a_survey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _five(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5


def _session_with(count: int):
    session = ended_session(register_taken=True)
    members = [MemberFactory() for _ in range(count)]
    for member in members:
        attend(session, member)
    return session, members


def _respond(session, member, number: int) -> Response:
    """The `number`-th response: its overall rating and comment say which it is."""
    answers = answers_for(session_form(), overall=(number - 1) % 5 + 1, text=f"Comment number {number}")
    return submit_response(member=member, session=session, answers=answers)


def _shown(results) -> list:
    return [(q.text, q.figures, [c.text for c in q.comments]) for q in results.questions]


def test_the_fifth_response_releases_the_first_five_together():
    session, members = _session_with(5)
    for number, member in enumerate(members[:4], start=1):
        response = _respond(session, member, number)
        assert response.is_released is False
        results = session_results(session=session)
        assert (results.is_shown, results.responses, results.questions) == (False, number, [])
    fifth = _respond(session, members[4], 5)
    assert fifth.is_released is True
    assert Response.objects.filter(session=session, is_released=True).count() == 5
    results = session_results(session=session)
    assert (results.is_shown, results.responses, results.pending) == (True, 5, 0)
    overall = next(q for q in results.questions if q.metric_key == "overall")
    assert [bar.count for bar in overall.figures.bars] == [1, 1, 1, 1, 1]


def test_the_sixth_to_ninth_change_nothing_shown_and_the_tenth_releases_five_more():
    session, members = _session_with(10)
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


def test_nothing_is_shown_from_unreleased_responses(client, committee_member, teacher):
    session, members = _session_with(7)
    session.roster.create(teacher=teacher, role="lead")
    for number, member in enumerate(members, start=1):
        _respond(session, member, number)
    unreleased = {"Comment number 6", "Comment number 7"}
    assert set(Answer.objects.filter(response__is_released=False).values_list("text", flat=True)) >= unreleased
    assert not unreleased & {a.text for a in comments_for_moderation()}
    assert not unreleased & {a.text for a in coding.comments()}
    everything = coding.CommentFilters()
    assert coding.coding_progress(coder=committee_member, filters=everything) == (0, 10)  # 5 × two comments
    client.force_login(committee_member)
    for name, args in [
        ("feedback:session_results", [session.pk]),
        ("feedback:moderation", []),
        ("feedback:coding", []),
    ]:
        html = client.get(reverse(name, args=args) + ("?show=all" if name == "feedback:coding" else "")).content
        assert not any(text.encode() in html for text in unreleased), name
    page = client.get(reverse("feedback:session_results", args=[session.pk]))
    assert page.context["results"].responses == 5
    assert "Results are updated in groups of 5 responses" in page.content.decode()
    client.force_login(teacher)
    mine = client.get(reverse("feedback:my_results")).context["results"]
    assert mine.responses == 5
    assert not unreleased & {c.text for q in mine.questions for c in q.comments}


def test_an_unreleased_comment_cannot_be_held_back_or_coded(committee_member):
    session, members = _session_with(1)
    _respond(session, members[0], 1)
    pending = Answer.objects.select_related("question", "response").filter(text="Comment number 1").first()
    with pytest.raises(FeedbackError):
        set_held_back(answer=pending, held_back=True, by=committee_member)
    with pytest.raises(coding.CodingError):
        coding.save_coding(answer=pending, coder=committee_member, codes=[])
    assert not Answer.objects.filter(is_held_back=True).exists()


def test_a_survey_shows_and_exports_released_responses_only():
    survey = a_survey(form=survey_form())
    members = [MemberFactory(year_of_study=year) for year in (1, 1, 1, 1, 1, 4)]
    for member in members:
        submit_response(member=member, survey=survey, answers=answers_for(survey_form(), text="What it gives me"))
    results = survey_results(survey=survey)
    # Five from years 1–2 released; the sixth (years 3–6) is pending and counted nowhere by band.
    assert (results.responses, results.pending) == (5, 1)
    assert [n for _label, n in results.band_responses] == [5, 0]
    _header, rows = survey_export(survey=survey)
    assert len(rows) == 5


def test_release_keeps_each_response_with_its_key_and_answers():
    session, members = _session_with(5)
    for number, member in enumerate(members[:4], start=1):
        _respond(session, member, number)

    def stored():
        return set(
            Answer.objects.values_list(
                "pk", "response_id", "question_id", "number", "option_id", "text", "is_held_back"
            )
        )

    before = stored()
    keys_before = set(Response.objects.values_list("pk", "form_id", "session_id"))
    fifth = _respond(session, members[4], 5)
    after = stored()
    assert before < after  # every earlier answer survives the rewrite unchanged, key included
    assert {row[1] for row in after - before} == {fifth.pk}
    assert set(Response.objects.values_list("pk", "form_id", "session_id")) == keys_before | {
        (fifth.pk, session_form().pk, session.pk)
    }


class _Reversing:
    """A stand-in for the module's SystemRandom whose "shuffle" reverses, so the test is exact."""

    def shuffle(self, items: list) -> None:
        items.reverse()


def test_a_released_batch_is_not_stored_in_the_order_it_arrived(monkeypatch):
    monkeypatch.setattr(services, "_rng", _Reversing())
    session, members = _session_with(5)
    arrived = [str(_respond(session, member, number).pk) for number, member in enumerate(members, start=1)]
    stored = [str(key) for key in physical_order("feedback_response", "id")]
    as_uuids = {key.replace("-", ""): key for key in arrived}  # SQLite stores UUIDs as hex
    stored = [as_uuids.get(key, key) for key in stored]
    assert sorted(stored) == sorted(arrived)
    assert stored != arrived
    assert stored == list(reversed(arrived))
    comments = [text for text in physical_order("feedback_answer", "text") if text.startswith("Comment number")]
    # Each response's answers stay together (two comments each), the responses reversed.
    assert comments == [f"Comment number {n}" for n in range(5, 0, -1) for _ in range(2)]


def test_pending_responses_sit_in_arrival_order_until_released(monkeypatch):
    """The residual risk the threat model names: before release, rows keep their arrival order."""
    monkeypatch.setattr(services, "_rng", _Reversing())
    session, members = _session_with(4)
    arrived = [_respond(session, member, number).pk.hex for number, member in enumerate(members, start=1)]
    stored = [str(key).replace("-", "") for key in physical_order("feedback_response", "id")]
    assert stored == arrived


def test_committee_lists_offer_only_sessions_with_a_release(client, committee_member):
    released, _members = _session_with(5)
    for number, member in enumerate(_members, start=1):
        _respond(released, member, number)
    pending, members = _session_with(3)
    for number, member in enumerate(members, start=1):
        _respond(pending, member, number)
    assert [s.pk for s in results_sessions_with_comments()] == [released.pk]
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
