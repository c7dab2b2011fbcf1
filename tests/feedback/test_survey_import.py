"""Past surveys brought in from Qualtrics, Microsoft Forms and Google Forms exports: formats,
every kind of bad input, all or nothing, anonymity (no identifying value anywhere in the database),
appending, dry runs, and the dashboard counting imported answers as it counts answers given here."""

import csv
import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from analytics.metrics import for_year
from feedback import survey_import
from feedback.enums import ImportSource, YearBand
from feedback.models import Answer, PendingResponse, Receipt, Response, Survey, SurveyImport
from feedback.past_evaluations import SurveyImportError, import_survey_responses
from feedback.results import survey_results
from feedback.services import create_survey, release_survey, submit_response
from feedback.survey_import import read_map
from meded import spreadsheets
from members.academic_year import AcademicYear
from tests.concurrency import all_at_once
from tests.factories import MemberFactory
from tests.feedback import survey_exports as exports
from tests.feedback.factories import survey_form

pytestmark = pytest.mark.django_db

YEAR = AcademicYear(2025)
TITLE = "Society survey 2025-26"
EARLY, LATER = YearBand.YEARS_1_2, YearBand.YEARS_3_6

FORMATS = {
    "qualtrics": ("export.csv", exports.qualtrics_csv, exports.qualtrics_map, ImportSource.QUALTRICS),
    "ms_forms": ("Society survey(1-8).xlsx", exports.ms_forms_xlsx, exports.ms_forms_map, ImportSource.MS_FORMS),
    "google_forms": (
        "Society survey.csv",
        exports.google_forms_csv,
        exports.google_forms_map,
        ImportSource.GOOGLE_FORMS,
    ),
}


def run(data: bytes, *, filename="export.csv", mapping=None, title=TITLE, **kwargs):
    mapping = read_map(data=exports.qualtrics_map()) if mapping is None else mapping
    return import_survey_responses(
        data=data, filename=filename, mapping=mapping, academic_year=YEAR, title=title, **kwargs
    )


def refused(data: bytes, **kwargs) -> list[str]:
    with pytest.raises(SurveyImportError) as caught:
        run(data, **kwargs)
    assert not Response.objects.exists() and not Survey.objects.exists() and not SurveyImport.objects.exists()
    return [str(error) for error in caught.value.errors]


def with_answer(index: int, column: int, value: str) -> list[tuple]:
    answers = [list(answer) for answer in exports.ANSWERS]
    answers[index][column] = value
    return [tuple(answer) for answer in answers]


def by_metric(survey: Survey) -> dict:
    """What was stored, per metric key: scale numbers, option values or texts, counted."""
    found: dict[str, Counter] = {}
    for answer in Answer.objects.filter(response__survey=survey).select_related("question", "option"):
        value = answer.number if answer.number is not None else (answer.option.value if answer.option else answer.text)
        found.setdefault(answer.question.metric_key, Counter())[value] += 1
    return found


# --- Each format ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
def test_each_format_imports_every_complete_row_as_one_anonymous_released_response(name):
    filename, build, build_map, source = FORMATS[name]
    result = run(build(), filename=filename, mapping=read_map(data=build_map()))

    survey = Survey.objects.get()
    assert (result.survey, result.source, result.responses, result.is_new_survey) == (survey, source, 8, True)
    assert (survey.title, survey.form, survey.audience_years.count()) == (TITLE, survey_form(), 0)
    assert timezone.localtime(survey.opens_at) == timezone.make_aware(dt.datetime(2025, 8, 1))
    assert timezone.localtime(survey.closes_at) == timezone.make_aware(dt.datetime(2026, 7, 31, 23, 59))
    responses = Response.objects.filter(survey=survey)
    assert Counter(responses.values_list("year_band", flat=True)) == {EARLY: 3, LATER: 5}
    assert set(responses.values_list("is_imported", flat=True)) == {True}
    assert not Receipt.objects.exists() and not PendingResponse.objects.exists()
    assert SurveyImport.objects.get().source == source
    stored = by_metric(survey)
    assert stored["format_preference"] == {"online": 6, "in_person": 2}
    assert stored["lecture_attendance"] == {"always": 1, "mostly": 2, "sometimes": 2, "rarely": 2, "never": 1}
    assert stored["society_role"] == {"attendee": 5, "both": 2, "teacher": 1}
    assert stored["knowledge"] == {5: 2, 4: 5, 3: 1}
    assert stored["teaching_motivations"] == {
        "helping_others": 2,
        "enjoyment": 1,
        "transferable_skills": 1,
        "career": 1,
    }
    assert stored["society_gives"] == {
        "Revision that fits around lectures.": 1,
        "Friends in the years above.": 1,
        "A reason to keep up with the basics.": 1,
        "Confidence before finals.": 1,
        "A community.": 1,
    }
    # An empty cell is no answer: the five without teaching motivations have no row for it.
    assert Answer.objects.filter(question__metric_key="teaching_motivations").values("response").distinct().count() == 3


def test_a_qualtrics_excel_download_is_read_as_qualtrics_not_as_microsoft_forms():
    result = run(exports.qualtrics_xlsx(), filename="export.xlsx")
    assert (result.source, result.responses, result.skipped_incomplete) == (ImportSource.QUALTRICS, 8, 1)


def test_a_choice_whose_label_holds_a_comma_is_matched_whole_in_a_multiple_choice_cell():
    question = survey_form().questions.get(metric_key="teaching_motivations")
    question.options.create(position=9, label="Paid, or for credit", value="paid")
    answers = with_answer(3, 8, "Paid, or for credit,Helping others")
    run(exports.qualtrics_csv(answers))
    assert by_metric(Survey.objects.get())["teaching_motivations"]["paid"] == 1


def test_a_title_longer_than_a_survey_title_is_refused():
    assert refused(exports.qualtrics_csv(), title="x" * 201) == ["Keep the title under 200 characters."]


def test_qualtrics_rows_not_finished_are_skipped_and_counted():
    result = run(exports.qualtrics_csv())
    assert (result.responses, result.skipped_incomplete, result.skipped_empty) == (8, 1, 0)
    assert "1 unfinished and 0 empty rows skipped" in result.summary
    assert SurveyImport.objects.get().skipped == 1


def test_qualtrics_row_with_progress_below_100_is_skipped_even_when_marked_finished():
    data = exports.qualtrics_csv().replace(b",100,412,True,2026-03-11", b",80,412,True,2026-03-11")
    assert run(data).skipped_incomplete == 2


@pytest.mark.parametrize("line_ending", ["\r\n", "\n", "\r"])
@pytest.mark.parametrize("bom", [True, False])
def test_any_line_ending_with_or_without_a_byte_order_mark(line_ending, bom):
    assert run(exports.qualtrics_csv(line_ending=line_ending, bom=bom)).responses == 8


def test_choices_match_value_or_label_in_any_case_and_scales_accept_numbers():
    answers = with_answer(0, 2, "  ONLINE ")  # a label, shouted, with spaces
    answers[1] = (*answers[1][:2], "in_person", answers[1][3], "5", "1", "strongly AGREE", *answers[1][7:])
    answers[3] = (*answers[3][:8], "helping_others, enjoying teaching", answers[3][9])
    run(exports.qualtrics_csv(answers))
    stored = by_metric(Survey.objects.get())
    assert stored["format_preference"] == {"online": 5, "in_person": 3}
    assert stored["knowledge"] == {5: 3, 4: 4, 3: 1}
    assert stored["motivation"][1] == 1
    assert stored["teaching_motivations"]["enjoyment"] == 1


def test_a_year_written_as_a_bare_number_or_year_n_gives_only_the_band():
    answers = with_answer(0, 0, "2")
    answers[5] = ("year 6", *answers[5][1:])
    run(exports.qualtrics_csv(answers))
    assert Counter(Response.objects.values_list("year_band", flat=True)) == {EARLY: 3, LATER: 5}


def test_a_row_without_a_year_is_counted_as_year_not_recorded():
    run(exports.qualtrics_csv(with_answer(0, 0, "")))
    assert Counter(Response.objects.values_list("year_band", flat=True)) == {EARLY: 2, LATER: 5, "": 1}


def test_a_row_answering_nothing_mapped_is_skipped_as_empty():
    answers = list(exports.ANSWERS)
    answers[0] = ("Year 1", *[""] * 9)  # a year, and nothing else
    result = run(exports.qualtrics_csv(answers))
    assert (result.responses, result.skipped_empty) == (7, 1)
    assert Response.objects.count() == 7


# --- Bad input: refused whole, every problem listed --------------------------------------------


def test_an_unknown_choice_names_its_row_column_value_question_and_options():
    errors = refused(exports.qualtrics_csv(with_answer(3, 2, "Sometimes online")))
    # Three header rows and the unfinished row 7 come before the fourth response.
    assert errors == [
        "Row 8, Q3: “Sometimes online” is not an option of “Which format do you prefer for teaching sessions?” "
        "(Online, In person)"
    ]


def test_an_unknown_choice_in_a_multiple_choice_cell_is_named():
    errors = refused(exports.qualtrics_csv(with_answer(3, 8, "Helping others,Free pizza")))
    assert errors == [
        "Row 8, Q6: “Free pizza” is not an option of “Why do you teach with the society?” (Helping others, "
        "Developing transferable skills such as presenting and leadership, Consolidating my own knowledge, "
        "Career and portfolio evidence, Enjoying teaching, Being part of the community)"
    ]


@pytest.mark.parametrize("year", ["Year 7", "0", "Year 0", "third", "3.5"])
def test_a_year_outside_1_to_6_is_refused(year):
    errors = refused(exports.qualtrics_csv(with_answer(0, 0, year)))
    assert errors == [f"Row 4, Q1: “{year}” is not a year of study (1 to 6, or Year 1 to Year 6)"]


def test_a_likert_answer_off_the_scale_is_refused():
    errors = refused(exports.qualtrics_csv(with_answer(1, 4, "6")))
    assert errors == [
        "Row 5, Q5_1: “6” is not an answer to “The society's sessions have improved my knowledge.” (1 to 5 or "
        "Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree)"
    ]


def test_a_written_answer_longer_than_an_answer_may_be_is_refused():
    errors = refused(exports.qualtrics_csv(with_answer(2, 9, "Revision. " * 201)))
    assert errors == ["Row 6, Q7: the answer is longer than 2000 characters"]


def test_a_cell_holding_an_invisible_control_character_is_refused():
    errors = refused(exports.qualtrics_csv(with_answer(2, 9, "Revision\x1bthat fits")))
    assert errors == ["Row 6: column AA (Q7) contains an invisible control character (U+001B), which is not allowed."]


def test_numbered_names_never_collide_with_a_header_of_that_name():
    assert survey_import._unique(["Comments", "Comments (2)", "Comments", "", ""]) == [
        "Comments",
        "Comments (2)",
        "Comments (3)",
        "",
        "",
    ]


def test_two_columns_of_the_same_wording_are_told_apart_by_their_number():
    rows = list(csv.reader(io.StringIO(exports.google_forms_csv().decode())))
    repeated = rows[0][-1]
    rows[0].append(repeated)  # the form asked the same question twice
    for number, row in enumerate(rows[1:], start=1):
        row.append(f"Second answer {number}")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    mapping = read_map(data=exports.google_forms_map())
    mapping = {(f"{repeated} (2)" if key == "society_gives" else column): key for column, key in mapping.items()}

    run(buffer.getvalue().encode(), filename="Society survey.csv", mapping=mapping)

    texts = sorted(Answer.objects.exclude(text="").values_list("text", flat=True))
    assert texts == sorted(f"Second answer {number}" for number in range(1, len(rows)))


def test_every_bad_row_is_listed_and_nothing_is_written():
    answers = with_answer(0, 0, "Year 9")
    answers[4] = (*answers[4][:2], "Hybrid", *answers[4][3:])
    answers[7] = (*answers[7][:5], "Sort of", *answers[7][6:])
    errors = refused(exports.qualtrics_csv(answers))
    assert [error.split(":")[0] for error in errors] == ["Row 4, Q1", "Row 9, Q3", "Row 12, Q5_2"]


def test_a_file_in_another_encoding_is_refused():
    data = exports.qualtrics_csv(bom=False).decode().encode("cp1252")
    assert refused(data) == ["The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."]


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_an_empty_file_is_refused(data):
    assert refused(data) == ["The file is empty."]


def test_a_file_with_header_rows_only_is_refused():
    data = b"\r\n".join(exports.qualtrics_csv().split(b"\r\n")[:3])
    assert refused(data) == ["The file has its header rows but no responses."]


def test_a_file_of_no_known_shape_is_refused():
    assert refused(b"name,score\r\nA,1\r\n")[0].startswith("This is not a survey export MedEd knows")


def test_a_file_with_too_many_rows_is_refused(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 5)
    assert refused(exports.qualtrics_csv()) == ["The file has more than 5 rows; split it into smaller files."]


def test_a_mapped_column_missing_from_the_file_is_refused():
    mapping = read_map(data=exports.qualtrics_map()) | {"Q9": "community"}
    del mapping["Q5_3"]
    assert refused(exports.qualtrics_csv(), mapping=mapping) == [
        "The map names the column “Q9”, which the file does not have."
    ]


def test_a_map_key_that_is_no_question_of_the_survey_or_used_twice_is_refused():
    mapping = read_map(data=exports.qualtrics_map()) | {"Q5_3": "knowledge", "Q7": "wellbeing"}
    errors = refused(exports.qualtrics_csv(), mapping=mapping)
    assert errors[0] == "The columns “Q5_1” and “Q5_3” are both mapped to “knowledge”."
    assert errors[1].startswith("The map gives column “Q7” the key “wellbeing”, which is not one of year_of_study,")


def test_a_badly_written_map_is_refused_line_by_line():
    with pytest.raises(spreadsheets.UnreadableFile) as caught:
        read_map(data=b"column,metric_key\nQ1,year_of_study\nQ2\nq1,knowledge\n")
    assert [str(error) for error in caught.value.errors] == [
        "Map line 3: write a column's name and a metric key, separated by a comma.",
        "Map line 4: the column “q1” is mapped twice.",
    ]


def test_fewer_complete_responses_than_the_minimum_are_refused(settings):
    settings.FEEDBACK_MIN_RESPONSES = 9
    assert refused(exports.qualtrics_csv()) == [
        "The file has 8 complete responses; an import needs at least 9, so that no one's answers are shown alone."
    ]


def test_a_survey_that_would_close_in_the_future_is_refused():
    errors = refused(exports.qualtrics_csv(), now=timezone.make_aware(dt.datetime(2026, 5, 1)))
    assert errors == [
        "An imported survey must already have closed; 31 July 2026 is still to come. Give the day it closed."
    ]


def test_given_dates_are_used_and_must_fall_in_the_year():
    run(exports.qualtrics_csv(), opens_on=dt.date(2026, 3, 9), closes_on=dt.date(2026, 3, 30))
    survey = Survey.objects.get()
    assert (timezone.localdate(survey.opens_at), timezone.localdate(survey.closes_at)) == (
        dt.date(2026, 3, 9),
        dt.date(2026, 3, 30),
    )
    with pytest.raises(SurveyImportError) as caught:
        run(exports.qualtrics_csv(), title="Another", opens_on=dt.date(2024, 3, 9))
    assert str(caught.value) == "The survey must open within 2025-26 (2025-08-01 to 2026-07-31)."


# --- Appending, twice, dry runs ------------------------------------------------------------------


def test_a_second_export_appends_to_the_survey_of_that_title_and_year():
    run(exports.qualtrics_csv())
    result = run(exports.google_forms_csv(), filename="g.csv", mapping=read_map(data=exports.google_forms_map()))
    survey = Survey.objects.get()
    assert (result.survey, result.is_new_survey) == (survey, False)
    assert Response.objects.filter(survey=survey).count() == 16
    assert sorted(SurveyImport.objects.values_list("source", "responses")) == [
        (ImportSource.GOOGLE_FORMS, 8),
        (ImportSource.QUALTRICS, 8),
    ]


def test_the_same_title_in_another_year_is_another_survey():
    run(exports.qualtrics_csv())
    import_survey_responses(
        data=exports.qualtrics_csv(),
        filename="export.csv",
        mapping=read_map(data=exports.qualtrics_map()),
        academic_year=AcademicYear(2024),
        title=TITLE,
    )
    assert Survey.objects.filter(title=TITLE).count() == 2


def test_the_same_file_twice_into_the_same_survey_is_refused_and_adds_nothing():
    run(exports.qualtrics_csv())
    with pytest.raises(SurveyImportError) as caught:
        run(exports.qualtrics_csv())
    assert str(caught.value) == f"This file has already been imported into “{TITLE}”."
    assert Response.objects.count() == 8


def test_appending_to_a_survey_still_open_or_with_sealed_answers_is_refused():
    now = timezone.now()
    open_survey = create_survey(
        form=survey_form(),
        title=TITLE,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=7),
        by=None,
    )
    year = AcademicYear.containing(timezone.localdate())
    with pytest.raises(SurveyImportError) as caught:
        import_survey_responses(
            data=exports.qualtrics_csv(),
            filename="export.csv",
            mapping=read_map(data=exports.qualtrics_map()),
            academic_year=year,
            title=TITLE,
        )
    assert str(caught.value) == f"“{TITLE}” is still open; import into it once it has closed."
    assert not Response.objects.filter(survey=open_survey).exists()


def test_a_dry_run_checks_everything_and_writes_nothing():
    result = run(exports.qualtrics_csv(), dry_run=True)
    assert (result.survey, result.responses, result.by_band) == (None, 8, {EARLY: 3, LATER: 5, "": 0})
    assert result.summary.startswith(f"8 responses from Qualtrics would be imported into “{TITLE}”.")
    assert ("Q6", "Why do you teach with the society?", 3) in result.columns
    assert "RecipientEmail" in result.dropped_columns and "IPAddress" in result.dropped_columns
    assert not Survey.objects.exists() and not Response.objects.exists() and not SurveyImport.objects.exists()


def test_responses_and_their_answers_are_written_in_a_random_order(monkeypatch):
    from feedback.services import responses

    monkeypatch.setattr(responses.shuffler, "shuffle", lambda items: items.reverse())
    run(exports.qualtrics_csv())
    with connection.cursor() as cursor:
        position = {"sqlite": "rowid", "postgresql": "ctid"}[connection.vendor]
        cursor.execute(f"SELECT year_band FROM feedback_response ORDER BY {position}")  # noqa: S608 -- fixed names
        bands = [row[0] for row in cursor.fetchall()]
    # The file's order is early, early, early, later…: the table holds them the other way round.
    assert bands == [LATER] * 5 + [EARLY] * 3


@pytest.mark.parametrize("copies", [1, 3])
def test_an_import_takes_the_same_queries_whatever_the_number_of_rows(django_assert_num_queries, copies):
    run(exports.qualtrics_csv(), title="Warm-up")  # the form's first read is not what is measured
    data = exports.qualtrics_csv(exports.ANSWERS * copies)
    # the survey looked up, the form, its questions, their options, then in the transaction the
    # form's lock and the survey looked up again under it, the survey created, its audience, the
    # import's row, then the responses and the answers in batches of 1000 (two statements each
    # here), inside one transaction's savepoints
    with django_assert_num_queries(14):
        result = run(data)
    assert result.responses == 8 * copies


# --- Anonymity -----------------------------------------------------------------------------------


def every_stored_value() -> list[str]:
    """Every value of every row of every table, as a database copy holds it."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 -- names from introspection
            values += [str(value) for row in cursor.fetchall() for value in row if value is not None]
    return values


@pytest.mark.parametrize("name", FORMATS)
def test_no_identifying_value_of_the_export_reaches_any_table(name, committee_member):
    filename, build, build_map, _source = FORMATS[name]
    run(build(), filename=filename, mapping=read_map(data=build_map()), by=committee_member)
    stored = every_stored_value()
    assert Response.objects.count() == 8 and stored
    for secret in exports.identifying_values():
        leaks = [value for value in stored if secret in value]
        assert not leaks, f"{secret!r} found in the database"
    # The year is kept as the band only: no answer holds "Year 3" or a year's number as text.
    assert not Answer.objects.filter(text__icontains="year 3").exists()


# --- Counted like answers given in MedEd ---------------------------------------------------------


def _answer_in_app(survey: Survey) -> None:
    """The fixture's eight responses, given in MedEd by members of those years."""
    form = survey.form
    questions = {question.metric_key: question for question in form.questions.prefetch_related("options")}

    def option(key: str, label: str) -> int:
        return next(option.pk for option in questions[key].options.all() if option.label == label)

    likert = {"Strongly disagree": 1, "Disagree": 2, "Neither agree nor disagree": 3, "Agree": 4, "Strongly agree": 5}
    for row in exports.ANSWERS:
        year, attendance, preference, role, knowledge, motivation, community, confidence, motives, gives = row
        teaches = bool(motives)
        member = MemberFactory(year_of_study=int(year.split()[1]), roles=["teacher"] if teaches else [])
        answers = {
            questions["lecture_attendance"].pk: option("lecture_attendance", attendance),
            questions["format_preference"].pk: option("format_preference", preference),
            questions["society_role"].pk: option("society_role", role),
            questions["knowledge"].pk: likert[knowledge],
            questions["motivation"].pk: likert[motivation],
            questions["community"].pk: likert[community],
            questions["confidence"].pk: likert[confidence],
            questions["society_gives"].pk: gives,
        }
        if teaches:
            answers[questions["teaching_motivations"].pk] = [
                option("teaching_motivations", label) for label in motives.split(",")
            ]
        submit_response(member=member, survey=survey, answers=answers, now=survey.opens_at + dt.timedelta(days=1))
    release_survey(survey, now=survey.closes_at)


def test_the_dashboard_counts_imported_answers_exactly_as_the_same_answers_given_in_meded():
    run(exports.qualtrics_csv())
    imported = for_year(YEAR)["survey"]
    Survey.objects.all().delete()

    start = timezone.make_aware(dt.datetime(2025, 8, 1))
    survey = create_survey(
        form=survey_form(),
        title=TITLE,
        opens_at=start,
        closes_at=start + dt.timedelta(days=364, hours=23, minutes=59),
        by=None,
    )
    _answer_in_app(survey)
    in_app = for_year(YEAR)["survey"]

    assert imported["respondents"] == {
        "total": 8,
        "bands": {EARLY: {"n": 3, "pct": 37.5}, LATER: {"n": 5, "pct": 62.5}},
        "unknown": {"n": 0},
    }
    assert imported["format_preference"]["overall"]["n"] == 8
    assert {key: value for key, value in imported.items() if key != "id"} == {
        key: value for key, value in in_app.items() if key != "id"
    }
    # And the survey's own results page reads them alike.
    imported_results = survey_results(survey=survey)
    assert imported_results.responses == 8 and imported_results.is_shown


def test_an_imported_survey_below_the_band_minimum_hides_its_bands_as_in_app_answers_do(settings):
    settings.FEEDBACK_MIN_RESPONSES = 4
    run(exports.qualtrics_csv())
    results = survey_results(survey=Survey.objects.get())
    knowledge = next(question for question in results.questions if question.metric_key == "knowledge")
    # Three in years 1–2: below four, so no band is shown, only the overall figure.
    assert (results.is_shown, knowledge.figures.is_shown, knowledge.is_broken_down) == (True, True, False)


# --- The command ---------------------------------------------------------------------------------


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_the_command_imports_and_reports(tmp_path):
    export = _write(tmp_path, "export.csv", exports.qualtrics_csv())
    mapping = _write(tmp_path, "map.csv", exports.qualtrics_map())
    out = io.StringIO()
    call_command(
        "import_survey_responses",
        str(export),
        "--map",
        str(mapping),
        "--academic-year",
        "2025-26",
        "--title",
        TITLE,
        stdout=out,
    )
    text = out.getvalue()
    assert f"Survey: a new closed survey “{TITLE}”, 2025-08-01 to 2026-07-31." in text
    assert "Responses: 8 (Years 1–2: 3, Years 3–6: 5, year not recorded: 0)." in text
    assert "  Q3 → Which format do you prefer for teaching sessions?: 8 answered" in text
    assert "Columns not imported: StartDate, EndDate, Status, IPAddress," in text
    assert Response.objects.count() == 8


def test_the_command_dry_run_prints_what_would_be_written_and_writes_nothing(tmp_path):
    export = _write(tmp_path, "export.csv", exports.qualtrics_csv())
    mapping = _write(tmp_path, "map.csv", exports.qualtrics_map())
    out = io.StringIO()
    call_command(
        "import_survey_responses",
        str(export),
        "--map",
        str(mapping),
        "--academic-year",
        "2025-26",
        "--title",
        TITLE,
        "--dry-run",
        stdout=out,
    )
    assert out.getvalue().startswith("Dry run: nothing written.\n")
    assert "8 responses from Qualtrics would be imported into" in out.getvalue()
    assert not Survey.objects.exists() and not Response.objects.exists()


def test_the_command_lists_every_problem_and_fails(tmp_path):
    export = _write(tmp_path, "export.csv", exports.qualtrics_csv(with_answer(3, 2, "Sometimes online")))
    mapping = _write(tmp_path, "map.csv", exports.qualtrics_map())
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"export.csv: nothing imported \(1 problem\(s\)\)."):
        call_command(
            "import_survey_responses",
            str(export),
            "--map",
            str(mapping),
            "--academic-year",
            "2025-26",
            "--title",
            TITLE,
            stderr=err,
        )
    assert "Row 8, Q3: “Sometimes online” is not an option" in err.getvalue()
    assert not Response.objects.exists()


def test_the_command_refuses_a_badly_written_academic_year(tmp_path):
    export = _write(tmp_path, "export.csv", exports.qualtrics_csv())
    mapping = _write(tmp_path, "map.csv", exports.qualtrics_map())
    with pytest.raises(CommandError, match="is not an academic year like 2026-27"):
        call_command(
            "import_survey_responses", str(export), "--map", str(mapping), "--academic-year", "2025", "--title", TITLE
        )


def test_the_committed_example_files_are_what_the_fixtures_build():
    for name, data in (
        ("qualtrics.csv", exports.qualtrics_csv()),
        ("qualtrics_map.csv", exports.qualtrics_map()),
        ("google_forms.csv", exports.google_forms_csv()),
        ("google_forms_map.csv", exports.google_forms_map()),
        ("ms_forms_map.csv", exports.ms_forms_map()),
    ):
        assert (exports.EXPORTS / name).read_bytes() == data, name


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (as in CI)")
def test_two_exports_imported_at_once_under_a_new_title_make_one_survey_of_both():
    survey_form()  # the society survey form (the flush of a transactional test removes it)
    files = [exports.qualtrics_csv(bom=True), exports.qualtrics_csv(bom=False)]  # two files, the same rows

    failures = all_at_once(files, lambda data: run(data))

    assert failures == []
    survey = Survey.objects.get()
    assert (survey.title, SurveyImport.objects.filter(survey=survey).count()) == (TITLE, 2)
    assert Response.objects.filter(survey=survey).count() == 16
