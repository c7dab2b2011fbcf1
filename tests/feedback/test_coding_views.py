"""The committee's coding pages: the coding screen with save-and-next and skip, agreement and
resolution, theme counts and the CSV export, the codebook, and who may use them."""

import csv
import io
import re

import pytest
from django.urls import reverse

from feedback import coding
from feedback.enums import YearBand
from feedback.models import Code, Coding, Theme
from tests.factories import MemberFactory
from tests.feedback.coding_data import codes, empty_codebook, past_session, session_comment, survey, survey_comment

pytestmark = pytest.mark.django_db
SCREEN = reverse("feedback:coding")


@pytest.fixture(autouse=True)
def _own_codebook():
    empty_codebook()


@pytest.fixture
def book():
    return codes(Academic=["Exam preparation", "Clinical skills"], Community=["Belonging"])


@pytest.fixture
def coder(client, committee_member):
    client.force_login(committee_member)
    return committee_member


@pytest.fixture
def other_coder():
    return MemberFactory(first_name="Olu", last_name="Other", roles=["committee"])


def _checked(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'name="codes" value="(\d+)"[^>]*\bchecked\b', response.content.decode())}


# The coding screen


def test_screen_shows_a_session_comment_with_its_question_and_source(client, coder, book):
    session = past_session("Renal physiology")
    comment = session_comment("The tips on acid–base were great", session=session)
    response = client.get(SCREEN)
    assert response.context["answer"] == comment
    page = response.content.decode()
    assert "The tips on acid–base were great" in page
    assert "What went well?" in page
    assert f"Session: Renal physiology, {session.starts_at:%-d %B %Y}" in page
    assert "0 of 1 coded by you" in page


def test_screen_shows_a_survey_comment_with_its_band(client, coder, book, settings):
    settings.FEEDBACK_MIN_RESPONSES = 1  # one answer per band is enough to show bands here
    survey_comment("A real community", of=survey("Society survey 2026-27"), band=YearBand.YEARS_3_6)
    page = client.get(SCREEN).content.decode()
    assert "Survey: Society survey 2026-27 · Years 3–6" in page


def test_screen_labels_each_code_with_its_key_and_loads_the_script(client, coder, book):
    session_comment("Anything")
    page = client.get(SCREEN).content.decode()
    assert "<kbd>1</kbd> Exam preparation" in page
    assert "<kbd>3</kbd> Belonging" in page
    assert f'value="{book["Belonging"].pk}" id="code-{book["Belonging"].pk}" data-shortcut="3"' in page
    assert '<script src="/static/js/coding.js"></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # no inline scripts (CSP)
    assert " style=" not in page


def test_save_and_next_saves_my_codes_and_moves_on_keeping_the_filters(client, coder, book):
    first, second = sorted([survey_comment("One"), survey_comment("Two")], key=lambda a: a.pk)
    session_comment("Not a survey comment")
    query = "?source=surveys&band=years_1_2"
    response = client.post(SCREEN + query, {"answer": first.pk, "codes": [book["Belonging"].pk]})
    assert response.status_code == 302
    assert response["Location"] == f"{SCREEN}?source=surveys&band=years_1_2&after={first.pk}"
    assert coding.codes_of(answer=first, coder=coder) == {book["Belonging"].pk}
    following = client.get(response["Location"])
    assert following.context["answer"] == second
    assert (following.context["coded"], following.context["total"]) == (1, 2)
    # The form posts back with the same filters.
    assert f'action="{SCREEN}?source=surveys&amp;band=years_1_2"' in following.content.decode()


def test_saving_again_from_the_screen_replaces_my_codes(client, coder, book):
    comment = session_comment("Exams")
    client.post(SCREEN, {"answer": comment.pk, "codes": [book["Exam preparation"].pk, book["Belonging"].pk]})
    client.post(SCREEN, {"answer": comment.pk, "codes": [book["Clinical skills"].pk]})
    [saved] = Coding.objects.all()
    assert (saved.coder, [c.name for c in saved.codes.all()]) == (coder, ["Clinical skills"])


def test_skip_moves_on_without_saving(client, coder, book):
    first, second = sorted([session_comment("One"), session_comment("Two")], key=lambda a: a.pk)
    response = client.get(SCREEN)
    assert response.context["answer"] == first
    assert f'href="{SCREEN}?after={first.pk}">Skip</a>' in response.content.decode()
    assert client.get(SCREEN, {"after": first.pk}).context["answer"] == second
    assert not Coding.objects.exists()


def test_once_all_are_coded_the_screen_says_so(client, coder, book):
    comment = session_comment("Only one")
    response = client.post(SCREEN, {"answer": comment.pk}, follow=True)
    assert response.context["answer"] is None
    assert "You have coded every comment that matches these filters." in response.content.decode()


def test_i_never_see_another_coders_codes(client, coder, other_coder, book):
    comment = session_comment("Friends and exams")
    coding.save_coding(answer=comment, coder=other_coder, codes=[book["Belonging"], book["Exam preparation"]])
    response = client.get(SCREEN)
    assert response.context["answer"] == comment  # theirs does not make it coded for me
    assert response.context["mine"] == set()
    assert _checked(response) == set()
    coding.save_coding(answer=comment, coder=coder, codes=[book["Clinical skills"]])
    again = client.get(SCREEN, {"comment": comment.pk})
    assert _checked(again) == {book["Clinical skills"].pk}


def test_all_comments_include_mine_with_my_codes_ticked(client, coder, book):
    comment = session_comment("Exams")
    coding.save_coding(answer=comment, coder=coder, codes=[book["Exam preparation"]])
    assert client.get(SCREEN).context["answer"] is None
    response = client.get(SCREEN, {"show": "all"})
    assert response.context["answer"] == comment
    assert _checked(response) == {book["Exam preparation"].pk}


def test_screen_filters_by_session(client, coder, book):
    renal, cardio = past_session("Renal"), past_session("Cardiology")
    session_comment("About renal", session=renal)
    wanted = session_comment("About cardiology", session=cardio)
    response = client.get(SCREEN, {"session": cardio.pk})
    assert response.context["answer"] == wanted
    assert response.context["total"] == 1


def test_an_unknown_filter_value_is_ignored(client, coder, book):
    comment = session_comment("Anything")
    response = client.get(SCREEN, {"session": 999999, "band": "years_9_9", "source": "sessions"})
    assert response.context["answer"] == comment


# Agreement and resolution


@pytest.fixture
def disagreement(book, coder, other_coder):
    """The signed-in coder ticked Exam preparation and Belonging; the other coder only Exam preparation."""
    comment = session_comment("Exams and friends")
    coding.save_coding(answer=comment, coder=coder, codes=[book["Exam preparation"], book["Belonging"]])
    coding.save_coding(answer=comment, coder=other_coder, codes=[book["Exam preparation"]])
    agreed = session_comment("Exams only")
    for someone in (coder, other_coder):
        coding.save_coding(answer=agreed, coder=someone, codes=[book["Exam preparation"]])
    return comment


def test_agreement_compares_the_two_busiest_coders_by_default(client, coder, other_coder, book, disagreement):
    coding.save_coding(answer=session_comment("Third"), coder=MemberFactory(roles=["committee"]), codes=[])
    response = client.get(reverse("feedback:coding_agreement"))
    assert {response.context["coder_a"], response.context["coder_b"]} == {coder, other_coder}
    result = response.context["result"]
    rows = {row.code.name: (row.percent, row.kappa) for row in result.rows}
    # Exam preparation: both ticked on both comments (pe = 1): undefined.
    # Belonging: one coder on one comment only: po = 1/2; rates 1/2 and 0; pe = 0 + 1/2 = 1/2; kappa 0.
    assert rows == {"Exam preparation": (100.0, None), "Clinical skills": (100.0, None), "Belonging": (50.0, 0.0)}
    [item] = response.context["page_obj"].object_list
    assert (item.answer, item.names_agreed, item.ticked) == (disagreement, [], {book["Exam preparation"].pk})
    page = response.content.decode()
    assert "Exams and friends" in page
    assert "undefined" in page
    assert 'action="/feedback/coding/agreement/resolve/"' in page


def test_agreement_needs_two_coders(client, coder, book):
    coding.save_coding(answer=session_comment("Alone"), coder=coder, codes=[])
    response = client.get(reverse("feedback:coding_agreement"))
    assert "pair_form" not in response.context
    assert "Agreement needs two coders" in response.content.decode()


def test_agreement_refuses_the_same_coder_twice(client, coder, other_coder, disagreement):
    response = client.get(reverse("feedback:coding_agreement"), {"a": coder.pk, "b": coder.pk})
    assert "result" not in response.context
    assert "Choose two different coders." in response.content.decode()


def test_resolving_records_the_agreed_codes_and_theme_counts_follow(client, coder, other_coder, book, disagreement):
    response = client.post(
        reverse("feedback:coding_resolve"),
        {"answer": disagreement.pk, "codes": [book["Belonging"].pk], "a": other_coder.pk, "b": coder.pk, "page": 1},
    )
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('feedback:coding_agreement')}?a={other_coder.pk}&b={coder.pk}&page=1#comment-{disagreement.pk}"
    )
    agreed = Coding.objects.get(is_agreed=True)
    assert (agreed.answer, agreed.coder, [c.name for c in agreed.codes.all()]) == (disagreement, coder, ["Belonging"])
    page = client.get(response["Location"])
    [item] = page.context["page_obj"].object_list
    assert (item.names_agreed, page.context["unresolved"]) == (["Belonging"], 0)
    themes = {theme.name: theme.comments for theme in client.get(reverse("feedback:coding_themes")).context["themes"]}
    assert themes == {"Academic": 1, "Community": 1}  # the resolved comment now has Belonging only


# Themes and the export


def test_themes_page_counts_and_quotes(client, coder, other_coder, book, disagreement):
    response = client.get(reverse("feedback:coding_themes"))
    assert response.context["coded"] == 2
    themes = {theme.name: theme for theme in response.context["themes"]}
    assert themes["Academic"].comments == 2
    assert themes["Community"].comments == 0  # coders disagree on Belonging
    assert {code.name: code.comments for code in themes["Academic"].codes.all()} == {
        "Exam preparation": 2,
        "Clinical skills": 0,
    }
    page = response.content.decode()
    assert "2 comments have been coded." in page
    assert "Exams and friends" in page
    assert "the codes every one of its coders ticked" in page


def test_export_lists_coded_comments_safely(client, coder, other_coder, book, settings):
    settings.FEEDBACK_MIN_RESPONSES = 1  # the survey's one band may be shown
    session = past_session("Renal")
    dangerous = session_comment('=HYPERLINK("http://evil")', session=session)
    coding.save_coding(answer=dangerous, coder=coder, codes=[book["Exam preparation"], book["Belonging"]])
    coding.save_coding(answer=dangerous, coder=other_coder, codes=[book["Exam preparation"], book["Belonging"]])
    from_survey = survey_comment("Made friends", of=survey("Society survey"), band=YearBand.YEARS_1_2)
    coding.save_coding(answer=from_survey, coder=coder, codes=[book["Exam preparation"]])
    coding.save_coding(answer=from_survey, coder=other_coder, codes=[book["Belonging"]])
    coding.resolve_coding(answer=from_survey, resolver=coder, codes=[book["Belonging"]])
    session_comment("Not coded yet")
    response = client.get(reverse("feedback:coding_export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "comment",
        "question",
        "source_type",
        "source",
        "session_date",
        "band",
        "codes",
        "themes",
        "coders",
        "resolved",
        "held_back",
    ]
    coders = "Chloe Chair; Olu Other"  # by surname
    expected = {
        '\'=HYPERLINK("http://evil")': [
            "What went well?",
            "session",
            "Renal",
            session.starts_at.date().isoformat(),
            "",
            "Exam preparation; Belonging",
            "Academic; Community",
            coders,
            "",
            "",
        ],
        "Made friends": [
            "What does the society give you?",
            "survey",
            "Society survey",
            "",
            "years_1_2",
            "Belonging",
            "Community",
            coders,
            "yes",
            "",
        ],
    }
    assert {row[0]: row[1:] for row in rows[1:]} == expected


def test_export_follows_the_filters(client, coder, book):
    coding.save_coding(answer=session_comment("Session"), coder=coder, codes=[])
    coding.save_coding(answer=survey_comment("Survey"), coder=coder, codes=[])
    response = client.get(reverse("feedback:coding_export"), {"source": "surveys"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["Survey"]


# The codebook


def test_codebook_adds_a_theme_and_a_code_and_renames_a_code(client, coder, book):
    url = reverse("feedback:coding_codebook")
    client.post(url, {"action": "add_theme", "new-theme-name": "Career", "new-theme-description": "Later on"})
    career = Theme.objects.get(name="Career")
    client.post(url, {"action": f"add_code:{career.pk}", f"new-code-{career.pk}-name": "Portfolio"})
    exam = book["Exam preparation"]
    response = client.post(
        url, {"action": f"rename_code:{exam.pk}", f"code-{exam.pk}-name": "Exams", f"code-{exam.pk}-description": "x"}
    )
    assert response["Location"] == url
    assert list(Code.objects.filter(theme=career).values_list("name", flat=True)) == ["Portfolio"]
    assert Code.objects.values_list("name", "description").get(pk=exam.pk) == ("Exams", "x")
    page = client.get(url).content.decode()
    assert "Add a code to “Career”" in page
    assert page.count('name="csrfmiddlewaretoken"') == page.count('<form method="post"')


def test_codebook_refuses_a_duplicate_name_with_a_message(client, coder, book):
    theme = book["Belonging"].theme
    response = client.post(
        reverse("feedback:coding_codebook"),
        {"action": f"add_code:{theme.pk}", f"new-code-{theme.pk}-name": "belonging"},
        follow=True,
    )
    assert "“Community” already has a code called “belonging”." in response.content.decode()
    assert Code.objects.filter(theme=theme).count() == 1


def test_codebook_answers_an_unknown_action_with_not_found(client, coder, book):
    response = client.post(reverse("feedback:coding_codebook"), {"action": "delete_code:1"})
    assert response.status_code == 404


# Who may code


@pytest.mark.parametrize("roles", [[], ["teacher"]])
@pytest.mark.parametrize("name", ["coding", "coding_agreement", "coding_themes", "coding_export", "coding_codebook"])
def test_teachers_and_attendees_may_not_open_coding_pages(client, roles, name, book):
    session_comment("Private comment")
    client.force_login(MemberFactory(roles=roles))
    response = client.get(reverse(f"feedback:{name}"))
    assert response.status_code == 403
    assert b"Private comment" not in response.content


@pytest.mark.parametrize("roles", [[], ["teacher"]])
def test_teachers_and_attendees_may_not_code_or_resolve(client, roles, book):
    comment = session_comment("Private comment")
    client.force_login(MemberFactory(roles=roles))
    payload = {"answer": comment.pk, "codes": [book["Belonging"].pk]}
    assert client.post(SCREEN, payload).status_code == 403
    assert client.post(reverse("feedback:coding_resolve"), payload).status_code == 403
    assert (
        client.post(reverse("feedback:coding_codebook"), {"action": "add_theme", "new-theme-name": "X"}).status_code
        == 403
    )
    assert not Coding.objects.exists()
    assert not Theme.objects.filter(name="X").exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, book):
    response = client.get(SCREEN)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# Year bands beside survey comments, only where every band of the survey reaches N


def _survey_with_bands(title: str, *, early: int, late: int) -> list:
    of = survey(title)
    return [
        survey_comment(f"{title} {band} {n}", of=of, band=band)
        for band, count in ((YearBand.YEARS_1_2, early), (YearBand.YEARS_3_6, late))
        for n in range(count)
    ]


def test_a_small_band_hides_every_band_of_that_survey_on_every_coding_page(client, coder, other_coder, book):
    lone, *others = _survey_with_bands("Small", early=1, late=5)
    for comment in (lone, *others):
        coding.save_coding(answer=comment, coder=coder, codes=[book["Belonging"]])
        coding.save_coding(answer=comment, coder=other_coder, codes=[book["Belonging"]])
    coding.save_coding(answer=lone, coder=other_coder, codes=[book["Exam preparation"]])  # a disagreement
    screen = client.get(SCREEN, {"comment": lone.pk}).content.decode()
    assert "Survey: Small" in screen
    assert "Survey: Small · " not in screen
    # The band filter does not narrow this survey: all its comments, whichever band.
    later = coding.comments_for_coder(
        coder=coder, filters=coding.CommentFilters(band=YearBand.YEARS_3_6), only_uncoded=False
    )
    assert {a.pk for a in later} == {lone.pk, *(a.pk for a in others)}
    themes = client.get(reverse("feedback:coding_themes"), {"band": YearBand.YEARS_1_2}).content.decode()
    assert "Survey: Small" in themes and "Survey: Small · " not in themes  # the example quotes
    assert "6 comments have been coded." in themes
    agreement = client.get(reverse("feedback:coding_agreement")).content.decode()
    assert "Survey: Small" in agreement and "Survey: Small · " not in agreement
    export = client.get(reverse("feedback:coding_export"), {"band": YearBand.YEARS_1_2})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    band = rows[0].index("band")
    assert len(rows) == 7 and {row[band] for row in rows[1:]} == {""}


def test_bands_show_and_filter_once_every_band_of_the_survey_reaches_the_minimum(client, coder, book):
    comments = _survey_with_bands("Big", early=5, late=5)
    small = _survey_with_bands("Small", early=1, late=5)
    for comment in comments + small:
        coding.save_coding(answer=comment, coder=coder, codes=[book["Belonging"]])
    screen = client.get(SCREEN, {"comment": comments[0].pk}).content.decode()
    assert "Survey: Big · Years 1–2" in screen
    early = coding.comments_for_coder(
        coder=coder, filters=coding.CommentFilters(band=YearBand.YEARS_1_2), only_uncoded=False
    )
    assert {a.text for a in early} == {f"Big years_1_2 {n}" for n in range(5)} | {a.text for a in small}
    export = client.get(reverse("feedback:coding_export"), {"source": "surveys"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    band = rows[0].index("band")
    assert {row[0]: row[band] for row in rows[1:] if row[0].startswith("Big")} == {
        f"Big {b} {n}": b for b in ("years_1_2", "years_3_6") for n in range(5)
    }
    assert {row[band] for row in rows[1:] if row[0].startswith("Small")} == {""}
