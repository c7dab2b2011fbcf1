"""The committee's page for importing a past survey: upload, map with dropdowns, preview, apply;
who may use it, and what waits between the steps."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feedback.models import Response, Survey, SurveyImport
from feedback.views.survey_import import _SESSION_KEY
from feedback.views.uploads import cache_key as _cache_key
from meded.crypto import encrypt
from tests.factories import MemberFactory
from tests.feedback import survey_exports as exports

pytestmark = pytest.mark.django_db

URL = reverse("feedback:survey_import")
TITLE = "Society survey 2025-26"


def upload(client, data: bytes, name: str = "export.csv", **fields):
    return client.post(
        URL,
        {
            "step": "upload",
            "file": SimpleUploadedFile(name, data),
            "title": TITLE,
            "academic_year": "2025-26",
            **fields,
        },
    )


def mapping_post(response, step: str) -> dict:
    """The mapping form's fields as the page chose them, with the step's button."""
    form = response.context["map_form"]
    return {
        "step": step,
        **{name: form[name].value() or "" for name in form.fields},
    }


@pytest.fixture
def committee(client, committee_member):
    client.force_login(committee_member)
    return client


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize("roles", [[], ["teacher"]])
def test_members_and_teachers_may_not_import(client, roles):
    client.force_login(MemberFactory(roles=roles))
    assert client.get(URL).status_code == 403
    assert upload(client, exports.qualtrics_csv()).status_code == 403
    assert not Survey.objects.exists()


def test_the_survey_list_links_to_the_import(committee):
    assert URL in committee.get(reverse("feedback:surveys")).content.decode()


def test_upload_offers_a_dropdown_per_column_with_the_questions_guessed_from_their_wording(committee):
    response = upload(committee, exports.qualtrics_csv())
    assert response.status_code == 302 and response.url == URL
    page = committee.get(URL)
    form = page.context["map_form"]
    chosen = {field.label.split(" — ")[0]: field.initial for field in form.fields.values()}
    assert chosen["Q1"] == "year_of_study"
    assert chosen["Q3"] == "format_preference"
    assert chosen["Q5_1"] == "knowledge"
    assert chosen["Q6"] == "teaching_motivations"
    assert chosen["IPAddress"] == "" and chosen["RecipientEmail"] == ""
    html = page.content.decode()
    assert "Map the columns of export.csv into “Society survey 2025-26” (2025-26)" in html
    assert '<option value="society_gives"' in html
    assert not Survey.objects.exists()


def test_the_file_waits_encrypted_and_only_for_this_session(committee):
    upload(committee, exports.qualtrics_csv())
    pending = committee.session[_SESSION_KEY]
    stored = cache.get(_cache_key(pending["token"]))
    assert stored and b"zainab.adeyemi-qt" not in stored and b"Q5_1" not in stored
    assert set(pending) == {"token", "title", "academic_year", "opens_on", "closes_on"}  # the name waits with the file
    assert b"export.csv" not in stored


def test_preview_shows_what_would_be_written_and_writes_nothing(committee):
    upload(committee, exports.qualtrics_csv())
    response = committee.post(URL, mapping_post(committee.get(URL), "preview"))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert (preview.responses, preview.skipped_incomplete, preview.dry_run) == (8, 1, True)
    html = response.content.decode()
    assert "8 responses from Qualtrics would be imported into “Society survey 2025-26”." in html
    assert "Import 8 responses" in html
    assert "Not imported: StartDate, EndDate" in html
    assert not Survey.objects.exists() and not Response.objects.exists()


def test_a_bad_row_is_listed_then_a_fixed_file_is_applied_and_the_results_say_imported(committee):
    upload(
        committee,
        exports.qualtrics_csv(
            [
                *exports.ANSWERS[:3],
                ("Year 3", "A few of them", "Sometimes online", *exports.ANSWERS[3][3:]),
                *exports.ANSWERS[4:],
            ]
        ),
    )
    response = committee.post(URL, mapping_post(committee.get(URL), "preview"))
    assert [str(error) for error in response.context["import_errors"]] == [
        "Row 8, Q3: “Sometimes online” is not an option of “Which format do you prefer for teaching sessions?” "
        "(Online, In person)"
    ]
    assert "Nothing was imported from export.csv: 1 problem to fix." in response.content.decode()
    assert "preview" not in response.context

    upload(committee, exports.qualtrics_csv(), name="export-fixed.csv")
    page = committee.get(URL)
    committee.post(URL, mapping_post(page, "preview"))
    response = committee.post(URL, mapping_post(page, "apply"))
    survey = Survey.objects.get()
    assert response.status_code == 302 and response.url == reverse("feedback:survey_results", args=[survey.pk])
    assert Response.objects.filter(survey=survey, is_imported=True).count() == 8
    assert SurveyImport.objects.get().imported_by.email == "chloe@example.ac.uk"
    assert _SESSION_KEY not in committee.session

    results = committee.get(response.url).content.decode()
    assert "8 responses, all imported from Qualtrics (Years 1–2: 3; Years 3–6: 5)." in results


def test_mapping_two_columns_to_one_question_is_refused(committee):
    upload(committee, exports.qualtrics_csv())
    data = mapping_post(committee.get(URL), "preview")
    data["c0"] = "knowledge"  # StartDate, beside Q5_1
    response = committee.post(URL, data)
    assert "Map each question to one column only." in response.content.decode()
    assert not Survey.objects.exists()


def test_an_upload_that_is_no_export_is_refused_at_once(committee):
    response = upload(committee, b"name,score\r\nA,1\r\n")
    assert response.status_code == 200
    assert str(response.context["import_errors"][0]).startswith("This is not a survey export MedEd knows")
    assert _SESSION_KEY not in committee.session


def test_a_badly_written_academic_year_is_refused(committee):
    response = upload(committee, exports.qualtrics_csv(), academic_year="2025")
    assert response.context["upload_form"].errors == {"academic_year": ["Write the academic year like 2025-26."]}


def test_an_upload_no_longer_kept_asks_for_the_file_again(committee):
    upload(committee, exports.qualtrics_csv())
    page = committee.get(URL)
    cache.clear()
    response = committee.post(URL, mapping_post(page, "apply"), follow=True)
    assert "The uploaded file is no longer kept here; upload it again." in response.content.decode()
    assert not Survey.objects.exists()


def test_starting_again_forgets_the_upload(committee):
    upload(committee, exports.qualtrics_csv())
    token = committee.session[_SESSION_KEY]["token"]
    committee.get(URL, {"again": "1"})
    assert _SESSION_KEY not in committee.session and cache.get(_cache_key(token)) is None


def test_a_file_kept_before_its_name_waited_with_it_is_asked_for_again(committee):
    upload(committee, exports.qualtrics_csv())
    token = committee.session[_SESSION_KEY]["token"]
    # As a file kept by the release before: the bare file, no header line with its name.
    old = encrypt(exports.qualtrics_csv(), purpose="feedback.waiting-upload", associated=token.encode())
    cache.set(_cache_key(token), old, 60)

    page = committee.get(URL, follow=True)

    assert page.status_code == 200
    assert "map_form" not in page.context
