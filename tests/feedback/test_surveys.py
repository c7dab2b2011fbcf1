"""Surveys for the committee: the list, sending one, results by year band under the minimum-N rule
(with its subtraction cases) and the anonymous research export."""

import csv
import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.enums import FormPurpose, QuestionKind, YearBand
from feedback.models import Form, Response, Survey
from feedback.results import survey_export, survey_results, survey_status
from tests.factories import MemberFactory
from tests.feedback.factories import a_survey, answer, closed_survey, make_form, respond, survey_form
from tests.feedback.test_results import by_metric, by_text, counts

pytestmark = pytest.mark.django_db

EARLY, LATER = YearBand.YEARS_1_2, YearBand.YEARS_3_6
LONDON = zoneinfo.ZoneInfo("Europe/London")


def band_figures(question) -> dict:
    return {label: figures for label, figures in question.bands}


# --- Results by band -----------------------------------------------------------------------------


def test_survey_below_the_minimum_shows_only_the_counts(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    survey = closed_survey()
    answer(survey, EARLY, 2, knowledge=5)
    answer(survey, LATER, 2, knowledge=4)
    results = survey_results(survey=survey)
    assert (results.responses, results.is_shown, results.questions) == (4, False, [])
    assert results.band_responses == [("Years 1–2", 2), ("Years 3–6", 2)]


def test_each_question_by_band_when_every_band_reaches_the_minimum(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    survey = closed_survey()
    answer(survey, EARLY, 4, knowledge=5, format_preference="online")
    answer(survey, EARLY, 1, knowledge=2, format_preference="in_person")
    answer(survey, LATER, 5, knowledge=3, format_preference="in_person")
    knowledge = by_metric(survey_results(survey=survey), "knowledge")
    assert knowledge.is_broken_down
    early, later = band_figures(knowledge)["Years 1–2"], band_figures(knowledge)["Years 3–6"]
    assert (early.n, early.mean, early.agree_pct) == (5, Decimal("4.40"), Decimal("80.0"))
    assert (later.n, later.mean, later.agree_pct) == (5, Decimal("3.00"), Decimal("0.0"))
    assert (knowledge.figures.n, knowledge.figures.mean, knowledge.figures.agree_pct) == (
        10,
        Decimal("3.70"),
        Decimal("40.0"),
    )
    preference = by_metric(survey_results(survey=survey), "format_preference")
    assert [(b.value, b.count, b.pct) for b in band_figures(preference)["Years 1–2"].bars] == [
        ("online", 4, Decimal("80.0")),
        ("in_person", 1, Decimal("20.0")),
    ]
    assert counts(preference) == [("online", 4, Decimal("40.0")), ("in_person", 6, Decimal("60.0"))]


def test_a_band_below_the_minimum_hides_every_band_but_keeps_the_overall(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    survey = closed_survey()
    answer(survey, EARLY, 8, knowledge=4)
    answer(survey, LATER, 2, knowledge=1)
    knowledge = by_metric(survey_results(survey=survey), "knowledge")
    # Showing years 1–2 (8 answers) beside the overall (10) would give years 3–6's two by subtraction.
    assert not knowledge.is_broken_down
    assert [(label, f.n, f.is_shown, f.bars, f.mean) for label, f in knowledge.bands] == [
        ("Years 1–2", 8, False, (), None),
        ("Years 3–6", 2, False, (), None),
    ]
    assert (knowledge.figures.n, knowledge.figures.is_shown, knowledge.figures.mean) == (10, True, Decimal("3.40"))
    assert all(band_bars == [] for _bar, band_bars in knowledge.band_rows)


def test_responses_without_a_year_are_a_band_of_their_own_for_the_rule(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    survey = closed_survey()
    answer(survey, EARLY, 5, knowledge=4)
    answer(survey, LATER, 5, knowledge=4)
    answer(survey, "", 1, knowledge=1)
    results = survey_results(survey=survey)
    knowledge = by_metric(results, "knowledge")
    # Both bands reach 5, but overall minus both would give the lone response without a year.
    assert not knowledge.is_broken_down
    assert knowledge.figures.n == 11
    assert results.band_responses == [("Years 1–2", 5), ("Years 3–6", 5), ("Year not recorded", 1)]


def test_a_band_with_no_answers_does_not_stop_the_breakdown(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    survey = closed_survey(years=[1, 2])
    answer(survey, EARLY, 6, knowledge=5)
    knowledge = by_metric(survey_results(survey=survey), "knowledge")
    assert knowledge.is_broken_down
    assert [(label, f.n, f.is_shown) for label, f in knowledge.bands] == [
        ("Years 1–2", 6, True),
        ("Years 3–6", 0, False),
    ]


def test_the_rule_applies_question_by_question(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    survey = closed_survey()
    answer(survey, EARLY, 5, knowledge=4)
    answer(survey, LATER, 2, knowledge=4, teaching_motivations=["career", "enjoyment"])
    answer(survey, LATER, 3, knowledge=4, teaching_motivations=["career"])
    results = survey_results(survey=survey)
    assert by_metric(results, "knowledge").is_broken_down
    motivations = by_metric(results, "teaching_motivations")
    # Only teachers answer it: 5 answers overall, all in years 3–6; years 1–2 have none.
    assert (motivations.figures.n, motivations.is_broken_down) == (5, True)
    assert ("career", 5, Decimal("100.0")) in counts(motivations)
    assert ("enjoyment", 2, Decimal("40.0")) in counts(motivations)


def test_an_optional_question_below_the_minimum_shows_only_its_count(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    form = make_form(
        (QuestionKind.LIKERT, "Useful", "", True, []),
        (QuestionKind.RATING, "Venue", "", False, []),
        family="mini-survey",
        purpose=FormPurpose.SURVEY,
    )
    survey = closed_survey(form=form)
    answer(survey, EARLY, 5, q1=4)
    answer(survey, LATER, 5, q1=4)
    answer(survey, LATER, 1, q1=4, q2=1)
    venue = by_text(survey_results(survey=survey), "Venue")
    assert (venue.figures.n, venue.figures.is_shown, venue.figures.bars, venue.is_broken_down) == (1, False, (), False)


def test_results_page_shows_bands_and_overall(client, settings, committee_member):
    settings.FEEDBACK_MIN_RESPONSES = 5
    survey = closed_survey()
    answer(survey, EARLY, 5, knowledge=5, society_gives="Friends for life")
    answer(survey, LATER, 2, knowledge=1)
    client.force_login(committee_member)
    html = client.get(reverse("feedback:survey_results", args=[survey.pk])).content.decode()
    assert "7 responses (Years 1–2: 5; Years 3–6: 2)." in html
    assert "Not shown by year band: a band has too few answers." in html
    assert "5 (71.4%)" in html  # strongly agree, overall
    assert "Friends for life" in html
    assert reverse("feedback:survey_csv", args=[survey.pk]) in html


def test_results_page_below_the_minimum(client, settings, committee_member):
    settings.FEEDBACK_MIN_RESPONSES = 5
    survey = closed_survey()
    answer(survey, EARLY, 3, knowledge=5)
    client.force_login(committee_member)
    html = client.get(reverse("feedback:survey_results", args=[survey.pk])).content.decode()
    assert "3 responses, not enough to show." in html
    assert reverse("feedback:survey_csv", args=[survey.pk]) not in html


def test_results_of_a_missing_survey_are_not_found(client, committee_member):
    client.force_login(committee_member)
    assert client.get(reverse("feedback:survey_results", args=[999])).status_code == 404


# --- The research export -------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_export_has_a_row_per_response_in_random_key_order_without_written_answers(client, settings, committee_member):
    settings.FEEDBACK_MIN_RESPONSES = 2
    form = make_form(
        (QuestionKind.LIKERT, "Useful", "", True, []),
        (QuestionKind.MULTIPLE, "Why", "", False, ["career", "skills", "fun"]),
        (QuestionKind.TEXT, "Anything else", "", False, []),
        family="research",
        purpose=FormPurpose.SURVEY,
    )
    survey = closed_survey(form=form)
    first = respond(form=form, survey=survey, band=EARLY, q1=5, q2=["fun", "career"], q3="=HYPERLINK(1)")
    second = respond(form=form, survey=survey, band=EARLY, q1=2, q2=["skills"])
    third = respond(form=form, survey=survey, band=LATER, q1=3, q2=["career"], q3="Good")
    fourth = respond(form=form, survey=survey, band=LATER, q1=4, q2=["skills"])
    client.force_login(committee_member)
    response = client.get(reverse("feedback:survey_csv", args=[survey.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = _csv(response)
    # A comment is often unique: beside the other answers it would join them to its author.
    assert rows[0] == ["Year band", "1. Useful", "2. Why"]
    expected = {
        first.pk: ["years_1_2", "5", "career;fun"],  # options in the form's order
        second.pk: ["years_1_2", "2", "skills"],
        third.pk: ["years_3_6", "3", "career"],
        fourth.pk: ["years_3_6", "4", "skills"],
    }
    assert rows[1:] == [expected[pk] for pk in sorted(expected)]
    comments = _csv(client.get(reverse("feedback:survey_comments_csv", args=[survey.pk])))
    assert comments[0] == ["Question", "Comment"]
    by_key = sorted((answer.pk, answer.text) for answer in survey.form.questions.get(position=3).answers.all())
    assert comments[1:] == [
        ["3. Anything else", "'=HYPERLINK(1)" if text.startswith("=") else text] for _pk, text in by_key
    ]


def test_written_answers_export_has_no_rows_below_the_minimum(client, settings, committee_member):
    settings.FEEDBACK_MIN_RESPONSES = 3
    survey = closed_survey()
    answer(survey, EARLY, 2, society_gives="Friends")
    client.force_login(committee_member)
    rows = _csv(client.get(reverse("feedback:survey_comments_csv", args=[survey.pk])))
    assert rows == [["Question", "Comment"]]


def _band_column(survey) -> set[str]:
    _header, rows = survey_export(survey=survey)
    return {row[0] for row in rows}


def test_export_band_needs_every_band_and_role_group_to_reach_the_minimum(settings):
    settings.FEEDBACK_MIN_RESPONSES = 3
    survey = closed_survey()
    answer(survey, EARLY, 3, society_role="attendee")
    answer(survey, LATER, 3, society_role="attendee")
    assert _band_column(survey) == {EARLY, LATER}
    # The only "neither" in years 3–6: band and role together would point at them.
    answer(survey, LATER, 1, society_role="neither")
    assert _band_column(survey) == {""}


def test_export_band_needs_every_band_and_teachers_questions_group_to_reach_the_minimum(settings):
    settings.FEEDBACK_MIN_RESPONSES = 3
    survey = closed_survey()
    answer(survey, EARLY, 3, society_role="attendee")
    answer(survey, LATER, 3, society_role="attendee")
    motivations = survey.form.questions.get(metric_key="teaching_motivations")
    assert motivations.is_for_teachers_only
    # Years 1–2 grows to six attendees, three of them answering the teachers' questions.
    answer(survey, EARLY, 3, society_role="attendee", teaching_motivations=["career"])
    assert _band_column(survey) == {EARLY, LATER}
    # One teacher in years 3–6: the only row of that band with motivations filled in.
    answer(survey, LATER, 3, society_role="attendee")
    answer(survey, LATER, 1, society_role="attendee", teaching_motivations=["career"])
    assert _band_column(survey) == {""}


def test_export_leaves_the_band_blank_when_a_band_is_below_the_minimum(settings):
    settings.FEEDBACK_MIN_RESPONSES = 3
    survey = closed_survey()
    answer(survey, EARLY, 3, knowledge=4)
    answer(survey, LATER, 1, knowledge=2)
    header, rows = survey_export(survey=survey)
    question = survey.form.questions.get(metric_key="knowledge")
    column = header.index(f"{question.position}. {question.text}")
    # Years 3–6 has one response: a band beside it would single that person out.
    assert sorted((row[0], row[column]) for row in rows) == [("", "2"), ("", "4"), ("", "4"), ("", "4")]


def test_export_has_no_rows_below_the_minimum(settings):
    settings.FEEDBACK_MIN_RESPONSES = 5
    survey = closed_survey()
    answer(survey, EARLY, 4, knowledge=4)
    header, rows = survey_export(survey=survey)
    assert header[0] == "Year band"
    assert len(header) == 1 + survey.form.questions.exclude(kind=QuestionKind.TEXT).count()
    assert rows == []


def test_export_headers_are_formula_safe(client, settings, committee_member):
    settings.FEEDBACK_MIN_RESPONSES = 1
    form = make_form(
        (QuestionKind.RATING, "=Rate?", "", True, []),
        (QuestionKind.TEXT, "-Anything?", "", False, []),
        family="odd",
        purpose=FormPurpose.SURVEY,
    )
    survey = closed_survey(form=form)
    respond(form=form, survey=survey, band=EARLY, q1=4, q2="=cmd|'/c calc'!A0")
    client.force_login(committee_member)
    rows = _csv(client.get(reverse("feedback:survey_csv", args=[survey.pk])))
    assert rows == [["Year band", "1. =Rate?"], ["years_1_2", "4"]]
    comments = _csv(client.get(reverse("feedback:survey_comments_csv", args=[survey.pk])))
    assert comments == [["Question", "Comment"], ["2. -Anything?", "'=cmd|'/c calc'!A0"]]


# --- The list and sending a survey ---------------------------------------------------------------


def test_survey_status_follows_the_dates():
    now = timezone.now()
    assert survey_status(a_survey(opens_in_days=1, closes_in_days=3), now=now) == "upcoming"
    assert survey_status(a_survey(opens_in_days=-1, closes_in_days=3), now=now) == "open"
    assert survey_status(a_survey(opens_in_days=-9, closes_in_days=-1), now=now) == "closed"


def test_survey_list_shows_status_audience_and_responses(client, committee_member):
    open_survey = a_survey(title="Open one", years=[1, 2])
    a_survey(title="Next year", opens_in_days=30, closes_in_days=40)
    answer(open_survey, EARLY, 3, knowledge=4)
    client.force_login(committee_member)
    response = client.get(reverse("feedback:surveys"))
    rows = [(s.title, s.status, s.years, s.responses_count) for s in response.context["surveys"]]
    assert rows == [("Next year", "upcoming", [], 0), ("Open one", "open", [1, 2], 3)]
    html = response.content.decode()
    assert "Year 1, Year 2" in html
    assert "All members" in html


def test_committee_sends_a_survey_in_london_time(client, committee_member):
    client.force_login(committee_member)
    response = client.post(
        reverse("feedback:survey_create"),
        {
            "form": survey_form().pk,
            "title": "Society survey 2027",
            "opens_at": "2027-06-01T09:00",
            "closes_at": "2027-06-30T17:00",
            "years": ["1", "3"],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:surveys")
    survey = Survey.objects.get()
    assert (survey.title, survey.form, survey.created_by) == ("Society survey 2027", survey_form(), committee_member)
    # British Summer Time: 09:00 in London is 08:00 UTC.
    assert survey.opens_at == dt.datetime(2027, 6, 1, 9, tzinfo=LONDON)
    assert survey.opens_at.astimezone(dt.UTC).hour == 8
    assert sorted(survey.audience_years.values_list("year", flat=True)) == [1, 3]


def test_a_survey_for_every_member_has_no_years(client, committee_member):
    client.force_login(committee_member)
    client.post(
        reverse("feedback:survey_create"),
        {"form": survey_form().pk, "title": "All", "opens_at": "2027-01-10T09:00", "closes_at": "2027-01-20T09:00"},
    )
    assert list(Survey.objects.get().audience_years.all()) == []


def test_a_survey_must_close_after_it_opens(client, committee_member):
    client.force_login(committee_member)
    response = client.post(
        reverse("feedback:survey_create"),
        {
            "form": survey_form().pk,
            "title": "Back to front",
            "opens_at": "2027-01-10T09:00",
            "closes_at": "2027-01-09T09:00",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"closes_at": ["The survey must close after it opens."]}
    assert not Survey.objects.exists()


def test_only_current_survey_forms_can_be_sent(client, committee_member):
    session_form = Form.objects.get(family="session-feedback", is_current=True)
    client.force_login(committee_member)
    response = client.post(
        reverse("feedback:survey_create"),
        {"form": session_form.pk, "title": "Wrong", "opens_at": "2027-01-10T09:00", "closes_at": "2027-01-20T09:00"},
    )
    assert list(response.context["form"].errors) == ["form"]
    assert list(response.context["form"].fields["form"].queryset) == [survey_form()]
    assert not Survey.objects.exists()


@pytest.mark.parametrize("name", ["feedback:surveys", "feedback:survey_create"])
def test_survey_pages_are_for_the_committee(client, name):
    client.force_login(MemberFactory(roles=["teacher"]))
    assert client.get(reverse(name)).status_code == 403


def test_survey_export_is_for_the_committee(client, settings):
    settings.FEEDBACK_MIN_RESPONSES = 1
    survey = closed_survey()
    answer(survey, EARLY, 2, knowledge=4)
    client.force_login(MemberFactory(roles=["teacher"]))
    assert client.get(reverse("feedback:survey_csv", args=[survey.pk])).status_code == 403
    assert Response.objects.count() == 2


def test_a_member_without_a_year_of_study_is_asked_to_add_it_before_answering():
    from feedback.services import FeedbackError, submit_response
    from tests.feedback.factories import answers_for

    survey = a_survey()
    member = MemberFactory(year_of_study=None)
    with pytest.raises(FeedbackError, match=r"^Add your year of study to your profile to answer this survey\.$"):
        submit_response(member=member, survey=survey, answers=answers_for(survey.form))
    assert not Response.objects.filter(survey=survey).exists()
    assert not survey.receipts.exists()


def test_the_survey_page_tells_a_member_without_a_year_to_add_it(client):
    survey = a_survey()
    member = MemberFactory(year_of_study=None)
    client.force_login(member)
    page = client.get(reverse("feedback:answer_survey", args=[survey.pk])).content.decode()
    assert "Add your year of study to your profile to answer this survey." in page


def test_export_leaves_out_a_question_the_page_does_not_show(client, settings, committee_member):
    # Ten members answer; three of them (the teachers) answer "Why do you teach?": the results
    # page shows "3 answers, not enough to show", so the export must not write their rows.
    settings.FEEDBACK_MIN_RESPONSES = 5
    survey = closed_survey()
    answer(survey, EARLY, 5, society_role="attendee")
    answer(survey, LATER, 2, society_role="attendee")
    answer(survey, LATER, 3, society_role="teacher", teaching_motivations=["career"])
    page = survey_results(survey=survey)
    why = next(q for q in page.questions if q.metric_key == "teaching_motivations")
    assert (why.figures.n, why.figures.is_shown) == (3, False)
    client.force_login(committee_member)
    rows = _csv(client.get(reverse("feedback:survey_csv", args=[survey.pk])))
    column = next(i for i, title in enumerate(rows[0]) if "Why do you teach" in title)
    assert rows[0][column].endswith("(not exported: 3 answered, fewer than 5)")
    assert {row[column] for row in rows[1:]} == {""}
    assert len(rows) == 11


def test_export_writes_no_band_where_a_question_could_not_be_shown_by_band(settings):
    settings.FEEDBACK_MIN_RESPONSES = 3
    form = make_form(
        (QuestionKind.LIKERT, "Useful", "", True, []),
        (QuestionKind.LIKERT, "Would recommend", "", False, []),
        family="band-rule",
        purpose=FormPurpose.SURVEY,
    )
    survey = closed_survey(form=form)
    for _ in range(3):
        respond(form=form, survey=survey, band=EARLY, q1=4, q2=5)
        respond(form=form, survey=survey, band=LATER, q1=4)
    assert _band_column(survey) == {EARLY, LATER}
    # One member of years 3–6 answers the optional question: the page shows it overall only.
    respond(form=form, survey=survey, band=LATER, q1=4, q2=1)
    recommend = next(q for q in survey_results(survey=survey).questions if q.text == "Would recommend")
    assert (recommend.figures.is_shown, recommend.is_broken_down) == (True, False)
    assert _band_column(survey) == {""}
