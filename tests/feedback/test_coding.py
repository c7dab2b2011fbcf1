"""Coding services and selectors: saving codes, the next comment, agreement and Cohen's kappa,
resolution, and the rule by which theme counts take a comment's codes."""

from fractions import Fraction

import pytest

from feedback import coding
from feedback.coding import CommentFilters, CommentSource
from feedback.enums import QuestionKind, YearBand
from feedback.models import Answer, Coding, Question, Response
from tests.factories import MemberFactory
from tests.feedback.coding_data import (
    codes,
    empty_codebook,
    past_session,
    session_comment,
    survey,
    survey_comment,
    text_question,
)

pytestmark = pytest.mark.django_db
EVERYTHING = CommentFilters()


@pytest.fixture(autouse=True)
def _own_codebook():
    empty_codebook()


@pytest.fixture
def book():
    return codes(
        Academic=["Exam preparation", "Clinical skills"],
        Career=["Portfolio"],
        Community=["Belonging", "Wellbeing"],
    )


@pytest.fixture
def coder_a():
    return MemberFactory(first_name="Ada", last_name="Aston", roles=["committee"])


@pytest.fixture
def coder_b():
    return MemberFactory(first_name="Ben", last_name="Brook", roles=["committee"])


def _codes_of(coding_row: Coding) -> set[str]:
    return {code.name for code in coding_row.codes.all()}


# Cohen's kappa, by hand


def test_kappa_matches_a_hand_computed_example():
    # Ten comments; for one code, the two coders' ticks:
    #   both ticked 4, only A 2, only B 1, neither 3.
    # po = (4 + 3) / 10 = 0.7
    # A ticks 6/10 = 0.6, B ticks 5/10 = 0.5
    # pe = 0.6 × 0.5 + (1 − 0.6)(1 − 0.5) = 0.30 + 0.20 = 0.5
    # kappa = (0.7 − 0.5) / (1 − 0.5) = 0.2 / 0.5 = 0.4
    assert coding.cohens_kappa(both=4, only_a=2, only_b=1, neither=3) == Fraction(2, 5)


def test_kappa_of_a_second_example_is_exact():
    # 100 comments: both 45, only A 15, only B 25, neither 15.
    # po = 60/100 = 0.6; A ticks 60/100 = 0.6, B ticks 70/100 = 0.7
    # pe = 0.6 × 0.7 + 0.4 × 0.3 = 0.42 + 0.12 = 0.54
    # kappa = (0.6 − 0.54) / (1 − 0.54) = 0.06 / 0.46 = 3/23 ≈ 0.1304
    assert coding.cohens_kappa(both=45, only_a=15, only_b=25, neither=15) == Fraction(3, 23)


def test_kappa_of_perfect_agreement_is_one():
    # po = 1; A and B tick 3/5 each: pe = 0.6² + 0.4² = 0.52; kappa = 0.48 / 0.48 = 1
    assert coding.cohens_kappa(both=3, only_a=0, only_b=0, neither=2) == 1


def test_kappa_of_complete_disagreement_is_minus_one():
    # po = 0; each ticks half: pe = 0.5; kappa = −0.5 / 0.5 = −1
    assert coding.cohens_kappa(both=0, only_a=5, only_b=5, neither=0) == -1


@pytest.mark.parametrize(
    "table",
    [
        {"both": 5, "only_a": 0, "only_b": 0, "neither": 0},  # both always tick it: pe = 1·1 + 0·0 = 1
        {"both": 0, "only_a": 0, "only_b": 0, "neither": 5},  # neither ever ticks it: pe = 0·0 + 1·1 = 1
        {"both": 0, "only_a": 0, "only_b": 0, "neither": 0},  # no comments at all
    ],
)
def test_kappa_is_undefined_when_chance_agreement_is_certain(table):
    assert coding.cohens_kappa(**table) is None


def test_agreement_row_gives_percent_and_kappa():
    row = coding.AgreementRow(code=None, both=4, only_a=2, only_b=1, neither=3)
    assert (row.n, row.percent, row.kappa) == (10, 70.0, 0.4)


# Saving codes


def test_saving_again_replaces_the_coders_codes(book, coder_a):
    comment = session_comment("The exam tips were brilliant")
    coding.save_coding(answer=comment, coder=coder_a, codes=[book["Exam preparation"], book["Portfolio"]])
    saved = coding.save_coding(answer=comment, coder=coder_a, codes=[book["Clinical skills"]])
    assert list(Coding.objects.values_list("pk", flat=True)) == [saved.pk]
    assert _codes_of(saved) == {"Clinical skills"}


def test_saving_no_codes_records_that_none_fits(book, coder_a):
    comment = session_comment("Fine")
    saved = coding.save_coding(answer=comment, coder=coder_a, codes=[])
    assert (saved.is_agreed, _codes_of(saved)) == (False, set())
    assert coding.codes_of(answer=comment, coder=coder_a) == set()


def test_each_coder_keeps_their_own_row(book, coder_a, coder_b):
    comment = session_comment("Made friends in year 3")
    coding.save_coding(answer=comment, coder=coder_a, codes=[book["Belonging"]])
    coding.save_coding(answer=comment, coder=coder_b, codes=[book["Wellbeing"]])
    assert coding.codes_of(answer=comment, coder=coder_a) == {book["Belonging"].pk}
    assert coding.codes_of(answer=comment, coder=coder_b) == {book["Wellbeing"].pk}


def test_only_written_comments_can_be_coded(book, coder_a):
    question = Question.objects.create(form=text_question().form, position=2, kind=QuestionKind.RATING, text="Overall")
    response = Response.objects.create(form=question.form, session=past_session())
    rating = Answer.objects.create(response=response, question=question, number=5)
    with pytest.raises(coding.CodingError):
        coding.save_coding(answer=rating, coder=coder_a, codes=[book["Portfolio"]])
    assert not Coding.objects.exists()


def test_resolving_twice_keeps_one_agreed_row_by_the_latest_resolver(book, coder_a, coder_b):
    comment = session_comment("Good for my portfolio and exams")
    coding.save_coding(answer=comment, coder=coder_a, codes=[book["Portfolio"]])
    coding.save_coding(answer=comment, coder=coder_b, codes=[book["Exam preparation"]])
    coding.resolve_coding(answer=comment, resolver=coder_a, codes=[book["Portfolio"]])
    agreed = coding.resolve_coding(
        answer=comment, resolver=coder_b, codes=[book["Portfolio"], book["Exam preparation"]]
    )
    assert list(Coding.objects.filter(is_agreed=True).values_list("pk", "coder")) == [(agreed.pk, coder_b.pk)]
    assert _codes_of(agreed) == {"Portfolio", "Exam preparation"}
    # The coders' own rows are untouched.
    assert coding.codes_of(answer=comment, coder=coder_a) == {book["Portfolio"].pk}


# The comments offered and the next one


def test_comments_are_written_free_text_only(coder_a):
    written = session_comment("Loved it")
    session_comment("")  # left blank
    question = Question.objects.create(form=written.question.form, position=2, kind=QuestionKind.LIKERT, text="Q")
    Answer.objects.create(response=written.response, question=question, number=4)
    assert list(coding.comments_for_coder(coder=coder_a, filters=EVERYTHING)) == [written]


def test_next_comment_follows_the_random_key_and_wraps_round(coder_a):
    found = sorted([session_comment(f"Comment {n}") for n in range(3)], key=lambda answer: answer.pk)
    candidates = coding.comments_for_coder(coder=coder_a, filters=EVERYTHING)
    assert coding.next_comment(candidates=candidates) == found[0]
    assert coding.next_comment(candidates=candidates, after=found[0].pk) == found[1]
    assert coding.next_comment(candidates=candidates, after=found[2].pk) == found[0]


def test_only_uncoded_leaves_out_mine_but_not_others_codings(book, coder_a, coder_b):
    mine, theirs, nobodys = (session_comment(text) for text in ("Mine", "Theirs", "Nobody's"))
    coding.save_coding(answer=mine, coder=coder_a, codes=[book["Belonging"]])
    coding.save_coding(answer=theirs, coder=coder_b, codes=[book["Belonging"]])
    uncoded = coding.comments_for_coder(coder=coder_a, filters=EVERYTHING)
    assert set(uncoded) == {theirs, nobodys}
    every = coding.comments_for_coder(coder=coder_a, filters=EVERYTHING, only_uncoded=False)
    assert set(every) == {mine, theirs, nobodys}


def test_a_skipped_comment_comes_back_when_it_is_the_last_one_left(coder_a):
    only = session_comment("Still uncoded")
    candidates = coding.comments_for_coder(coder=coder_a, filters=EVERYTHING)
    assert coding.next_comment(candidates=candidates, after=only.pk) == only


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"source": CommentSource.SESSIONS}, {"renal", "cardio"}),
        ({"source": CommentSource.SURVEYS}, {"early", "late"}),
        ({"session": "renal"}, {"renal"}),
        ({"band": YearBand.YEARS_1_2}, {"early"}),
        ({"source": CommentSource.SURVEYS, "band": YearBand.YEARS_3_6}, {"late"}),
        ({"source": CommentSource.SESSIONS, "band": YearBand.YEARS_1_2}, set()),  # sessions carry no band
        ({}, {"renal", "cardio", "early", "late"}),
    ],
)
def test_filters_by_source_session_and_band(coder_a, filters, expected, settings):
    settings.FEEDBACK_MIN_RESPONSES = 1  # one answer per band is enough to show bands here
    renal, cardio = past_session("Renal"), past_session("Cardiology")
    the_survey = survey()
    session_comment("renal", session=renal)
    session_comment("cardio", session=cardio)
    survey_comment("early", of=the_survey, band=YearBand.YEARS_1_2)
    survey_comment("late", of=the_survey, band=YearBand.YEARS_3_6)
    chosen = CommentFilters(
        source=filters.get("source", ""),
        session_id={"renal": renal.pk}.get(filters.get("session")),
        band=filters.get("band", ""),
    )
    found = coding.comments_for_coder(coder=coder_a, filters=chosen)
    assert {answer.text for answer in found} == expected


def test_progress_counts_my_codings_within_the_filters(book, coder_a, coder_b):
    first, second, _third = (session_comment(f"Session {n}") for n in range(3))
    survey_comment("Survey comment")
    coding.save_coding(answer=first, coder=coder_a, codes=[])
    coding.save_coding(answer=second, coder=coder_b, codes=[book["Portfolio"]])
    assert coding.coding_progress(coder=coder_a, filters=EVERYTHING) == (1, 4)
    assert coding.coding_progress(coder=coder_a, filters=CommentFilters(source=CommentSource.SURVEYS)) == (0, 1)
    assert coding.coding_progress(coder=coder_b, filters=CommentFilters(source=CommentSource.SESSIONS)) == (1, 3)


def test_codebook_gives_keys_one_to_nine_then_letters(book):
    for n in range(8):
        coding.add_code(theme=book["Portfolio"].theme, name=f"Extra {n}")
    keys = [(code.name, code.shortcut) for theme in coding.codebook() for code in theme.codes.all()]
    assert keys[:3] == [("Exam preparation", "1"), ("Clinical skills", "2"), ("Portfolio", "3")]
    assert keys[8:11] == [("Extra 5", "9"), ("Extra 6", "a"), ("Extra 7", "b")]
    assert keys[-2:] == [("Belonging", "c"), ("Wellbeing", "d")]


# Agreement


def test_agreement_over_comments_both_coded_matches_the_hand_example(book, coder_a, coder_b):
    # The hand-computed example above, for "Exam preparation": both 4, only A 2, only B 1, neither 3.
    exam = book["Exam preparation"]
    plan = [(True, True)] * 4 + [(True, False)] * 2 + [(False, True)] + [(False, False)] * 3
    for n, (by_a, by_b) in enumerate(plan):
        comment = session_comment(f"Comment {n}")
        coding.save_coding(answer=comment, coder=coder_a, codes=[exam] if by_a else [])
        coding.save_coding(answer=comment, coder=coder_b, codes=[exam] if by_b else [])
    coding.save_coding(answer=session_comment("Only A coded this"), coder=coder_a, codes=[exam])
    result = coding.agreement(coder_a=coder_a, coder_b=coder_b, codes=[exam, book["Portfolio"]])
    exam_row, portfolio_row = result.rows
    assert (exam_row.both, exam_row.only_a, exam_row.only_b, exam_row.neither) == (4, 2, 1, 3)
    assert (exam_row.percent, exam_row.kappa) == (70.0, 0.4)
    assert (portfolio_row.percent, portfolio_row.kappa) == (100.0, None)  # nobody used it: undefined
    # Pooled over both codes: 20 decisions, both 4, only A 2, only B 1, neither 13.
    # po = 17/20 = 0.85; A ticks 6/20 = 0.3, B 5/20 = 0.25; pe = 0.075 + 0.525 = 0.6
    # kappa = 0.25 / 0.4 = 0.625
    assert (result.overall.n, result.overall.percent, result.overall.kappa) == (20, 85.0, 0.625)
    assert (result.comments, result.identical, len(result.disagreements)) == (10, 7, 3)


def test_disagreements_list_differing_code_sets_unresolved_first(book, coder_a, coder_b):
    same = session_comment("Same")
    differ = session_comment("Differ")
    resolved = session_comment("Resolved")
    for comment, codes_a, codes_b in [
        (same, ["Belonging"], ["Belonging"]),
        (differ, ["Belonging", "Wellbeing"], ["Belonging"]),
        (resolved, ["Portfolio"], []),
    ]:
        coding.save_coding(answer=comment, coder=coder_a, codes=[book[name] for name in codes_a])
        coding.save_coding(answer=comment, coder=coder_b, codes=[book[name] for name in codes_b])
    coding.resolve_coding(answer=resolved, resolver=coder_a, codes=[])
    result = coding.agreement(coder_a=coder_a, coder_b=coder_b, codes=list(book.values()))
    assert [(d.answer_id, d.codes_a, d.codes_b, d.agreed) for d in result.disagreements] == [
        (differ.pk, {book["Belonging"].pk, book["Wellbeing"].pk}, {book["Belonging"].pk}, None),
        (resolved.pk, {book["Portfolio"].pk}, set(), set()),
    ]
    coding.attach_answers(result.disagreements)
    assert [d.answer.text for d in result.disagreements] == ["Differ", "Resolved"]


def test_coders_are_ranked_by_how_many_they_coded(book, coder_a, coder_b):
    for n in range(3):
        coding.save_coding(answer=session_comment(f"{n}"), coder=coder_b, codes=[])
    coding.save_coding(answer=session_comment("a"), coder=coder_a, codes=[])
    coding.resolve_coding(answer=session_comment("resolved"), resolver=coder_a, codes=[])  # not their coding
    assert [(coder.pk, coder.coded) for coder in coding.coders()] == [(coder_b.pk, 3), (coder_a.pk, 1)]


# Theme counts: which codes a comment has


def _counts() -> dict[str, tuple[int, dict[str, int]]]:
    themes, _coded = coding.theme_counts(filters=EVERYTHING)
    return {theme.name: (theme.comments, {code.name: code.comments for code in theme.codes.all()}) for theme in themes}


def test_a_single_coders_codes_count(book, coder_a):
    coding.save_coding(answer=session_comment("Exams"), coder=coder_a, codes=[book["Exam preparation"]])
    assert _counts()["Academic"] == (1, {"Exam preparation": 1, "Clinical skills": 0})


def test_a_code_counts_only_when_every_coder_ticked_it(book, coder_a, coder_b, member):
    comment = session_comment("Exams and friends")
    coding.save_coding(answer=comment, coder=coder_a, codes=[book["Exam preparation"], book["Belonging"]])
    coding.save_coding(answer=comment, coder=coder_b, codes=[book["Exam preparation"], book["Wellbeing"]])
    counts = _counts()
    assert counts["Academic"] == (1, {"Exam preparation": 1, "Clinical skills": 0})
    # Each coder put it under Community, but with different codes: not counted until resolved.
    assert counts["Community"] == (0, {"Belonging": 0, "Wellbeing": 0})
    # A third coder without Exam preparation removes it too.
    coding.save_coding(answer=comment, coder=member, codes=[])
    assert _counts()["Academic"] == (0, {"Exam preparation": 0, "Clinical skills": 0})


def test_an_agreed_coding_replaces_the_coders_codes(book, coder_a, coder_b):
    comment = session_comment("Exams and friends")
    coding.save_coding(answer=comment, coder=coder_a, codes=[book["Exam preparation"], book["Belonging"]])
    coding.save_coding(answer=comment, coder=coder_b, codes=[book["Exam preparation"], book["Wellbeing"]])
    coding.resolve_coding(answer=comment, resolver=coder_b, codes=[book["Belonging"]])
    counts = _counts()
    assert counts["Academic"] == (0, {"Exam preparation": 0, "Clinical skills": 0})
    assert counts["Community"] == (1, {"Belonging": 1, "Wellbeing": 0})


def test_a_comment_counts_once_per_theme_and_under_several_themes(book, coder_a):
    ticked = [book["Exam preparation"], book["Clinical skills"], book["Portfolio"]]
    coding.save_coding(answer=session_comment("Everything"), coder=coder_a, codes=ticked)
    counts = _counts()
    assert (counts["Academic"][0], counts["Career"][0], counts["Community"][0]) == (1, 1, 0)


def test_coded_total_includes_comments_no_code_fits(book, coder_a):
    coding.save_coding(answer=session_comment("Fine"), coder=coder_a, codes=[])
    coding.save_coding(answer=session_comment("Exams"), coder=coder_a, codes=[book["Exam preparation"]])
    session_comment("Not coded")
    _themes, coded = coding.theme_counts(filters=EVERYTHING)
    assert coded == 2


def test_examples_are_three_comments_not_held_back(book, coder_a):
    belonging = book["Belonging"]
    coding.save_coding(answer=session_comment("Hidden", is_held_back=True), coder=coder_a, codes=[belonging])
    shown = [session_comment(f"Friends {n}") for n in range(4)]
    for comment in shown:
        coding.save_coding(answer=comment, coder=coder_a, codes=[belonging])
    themes, _coded = coding.theme_counts(filters=EVERYTHING)
    community = next(theme for theme in themes if theme.name == "Community")
    assert community.comments == 5
    assert community.examples == sorted(shown, key=lambda answer: answer.pk)[:3]
    assert next(theme for theme in themes if theme.name == "Career").examples == []


def test_theme_counts_follow_the_filters(book, coder_a, settings):
    settings.FEEDBACK_MIN_RESPONSES = 1  # one answer per band is enough to show bands here
    coding.save_coding(answer=session_comment("Session"), coder=coder_a, codes=[book["Portfolio"]])
    coding.save_coding(
        answer=survey_comment("Early", band=YearBand.YEARS_1_2), coder=coder_a, codes=[book["Portfolio"]]
    )
    coding.save_coding(answer=survey_comment("Late", band=YearBand.YEARS_3_6), coder=coder_a, codes=[book["Portfolio"]])

    def career(**filters):
        themes, coded = coding.theme_counts(filters=CommentFilters(**filters))
        return next(theme.comments for theme in themes if theme.name == "Career"), coded

    assert career() == (3, 3)
    assert career(source=CommentSource.SURVEYS) == (2, 2)
    assert career(band=YearBand.YEARS_3_6) == (1, 1)


def test_export_rows_use_the_same_rule(book, coder_a, coder_b):
    comment = session_comment("Exams and friends")
    coding.save_coding(answer=comment, coder=coder_a, codes=[book["Exam preparation"], book["Belonging"]])
    coding.save_coding(answer=comment, coder=coder_b, codes=[book["Exam preparation"]])
    session_comment("Not coded")
    [row] = coding.coded_comments_for_export(filters=EVERYTHING)
    assert (row.answer, [c.name for c in row.codes], row.coders, row.is_resolved) == (
        comment,
        ["Exam preparation"],
        [coder_a, coder_b],
        False,
    )


# The codebook


def test_codes_are_added_at_the_end_of_their_theme(book):
    added = coding.add_code(theme=book["Portfolio"].theme, name="  Leadership ", description="Leading teams")
    assert (added.name, added.position, added.description) == (
        "Leadership",
        book["Portfolio"].position + 1,
        "Leading teams",
    )


def test_code_names_are_unique_within_a_theme_whatever_the_case(book):
    with pytest.raises(coding.CodingError):
        coding.add_code(theme=book["Portfolio"].theme, name="portfolio")
    with pytest.raises(coding.CodingError):
        coding.update_code(code=book["Exam preparation"], name="Clinical Skills", description="")
    # The same name under another theme is fine.
    assert coding.add_code(theme=book["Belonging"].theme, name="Portfolio").theme == book["Belonging"].theme


def test_renaming_a_code_keeps_it_on_coded_comments(book, coder_a):
    comment = session_comment("Exams")
    coding.save_coding(answer=comment, coder=coder_a, codes=[book["Exam preparation"]])
    coding.update_code(code=book["Exam preparation"], name="Exams and revision", description="Revision")
    assert _codes_of(Coding.objects.get()) == {"Exams and revision"}


def test_themes_are_added_last_and_renamed_uniquely(book):
    theme = coding.add_theme(name="Wellbeing at medical school")
    assert theme.position == max(t.position for t in coding.codebook())
    with pytest.raises(coding.CodingError):
        coding.add_theme(name="academic")
    with pytest.raises(coding.CodingError):
        coding.update_theme(theme=theme, name="Career", description="")
    assert coding.update_theme(theme=theme, name="Wellbeing", description="Stress").name == "Wellbeing"
