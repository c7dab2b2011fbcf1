"""The committee's page for adding an interview transcript: upload, who was interviewed, preview
with names replaced, a decision on each word that may be a name, save; and who may use it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feedback import coding
from feedback.models import Answer, Interview
from feedback.services import submit_response
from feedback.views.interviews import _SESSION_KEY
from tests.factories import MemberFactory
from tests.feedback import transcript_files as files
from tests.feedback.factories import answers_for, attend, ended_session, session_form
from tests.feedback.test_transcripts import KWAME

pytestmark = pytest.mark.django_db

URL = reverse("feedback:coding_interview")


def upload(client, data: bytes, name: str = "Interview 3.vtt", **fields):
    return client.post(
        URL,
        {"step": "upload", "file": SimpleUploadedFile(name, data), "academic_year": "2025-26", "role": "both"} | fields,
    )


@pytest.fixture
def committee(client, committee_member):
    client.force_login(committee_member)
    return client


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize("roles", [[], ["teacher"]])
def test_members_and_teachers_may_not_add_interviews(client, roles):
    client.force_login(MemberFactory(roles=roles))
    assert client.get(URL).status_code == 403
    assert upload(client, files.vtt()).status_code == 403
    assert not Interview.objects.exists()


def test_the_coding_pages_link_to_it(committee):
    assert URL in committee.get(reverse("feedback:coding_themes")).content.decode()


def test_after_upload_the_speakers_are_offered_to_choose_the_interviewee(committee):
    assert upload(committee, files.vtt()).url == URL
    page = committee.get(URL)
    assert page.context["interviewee_form"].fields["interviewee"].choices == [
        ("Sarah Whitfield", "Sarah Whitfield"),
        ("Kwame Mensah", "Kwame Mensah"),
    ]
    # The file's name may name the interviewee (Teams names it after the meeting): it waits with
    # the encrypted file, never in the web session, which outlives it.
    assert set(committee.session[_SESSION_KEY]) == {"token", "academic_year", "role"}
    assert "Interview 3.vtt, 2025-26" in page.content.decode()
    assert not Interview.objects.exists()


def test_preview_replaces_names_and_asks_about_each_word_that_may_be_one(committee):
    upload(committee, files.vtt())
    response = committee.post(URL, {"step": "preview", "interviewee": "Kwame Mensah"})
    html = response.content.decode()
    assert [word for word, _choice, _excerpt in response.context["words"]] == ["Priya", "Krebs", "Tomasz"]
    assert "Participant 1 from two years ago would not believe it." in html
    assert "Excerpts of Participant 1 (3 turns of the interviewer dropped)" in html
    assert 'value="hide:Priya"' in html and "Save 3 excerpts" in html
    assert not Interview.objects.exists()


def test_saving_before_every_word_is_decided_is_refused(committee):
    upload(committee, files.vtt())
    response = committee.post(URL, {"step": "save", "interviewee": "Kwame Mensah", "decide-1": "hide:Priya"})
    assert response.context["refusal"] == [
        {"anchor": "hide-1", "text": "Say whether each of these is a name to hide or a word to keep: Krebs, Tomasz."}
    ]
    assert not Interview.objects.exists()


def test_once_each_word_is_decided_the_excerpts_are_saved_and_the_file_forgotten(committee):
    upload(committee, files.vtt())
    response = committee.post(
        URL,
        {
            "step": "save",
            "interviewee": "Kwame Mensah",
            "decide-1": "hide:Priya",
            "decide-2": "keep:Krebs",
            "decide-3": "hide:Tomasz",
        },
    )
    assert response.status_code == 302 and response.url == reverse("feedback:coding") + "?source=interviews"
    interview = Interview.objects.get()
    assert (interview.role, interview.academic_year) == ("both", "2025-26")
    assert sorted(Answer.objects.filter(response__interview=interview).values_list("text", flat=True)) == sorted(KWAME)
    assert _SESSION_KEY not in committee.session
    coding_page = committee.get(response.url).content.decode()
    assert "Interview: Participant 1 (Both attends and teaches), 2025-26" in coding_page


def test_a_docx_transcript_with_no_doubtful_word_saves_straight_away(committee):
    upload(committee, files.teams_docx(), name="Interview.docx", role="attendee")
    response = committee.post(URL, {"step": "save", "interviewee": "Amelia Hart"})
    assert response.status_code == 302
    assert Interview.objects.get().role == "attendee"


@pytest.mark.parametrize(
    ("data", "name", "problem"),
    [
        (b"hello", "notes.txt", "Upload the transcript as Teams gives it: a .vtt or a .docx file."),
        (b"PK\x03\x04broken", "x.docx", "The file could not be read as a Word document (.docx)."),
    ],
)
def test_a_file_that_is_no_transcript_is_refused_at_once(committee, data, name, problem):
    response = upload(committee, data, name=name)
    assert response.status_code == 200
    html = response.content.decode()
    assert problem in html
    assert _SESSION_KEY not in committee.session


def test_an_excerpt_kept_out_of_quotes_is_counted_but_never_quoted(committee, committee_member):
    upload(committee, files.vtt())
    committee.post(
        URL,
        {
            "step": "save",
            "interviewee": "Kwame Mensah",
            "decide-1": "hide:Priya",
            "decide-2": "keep:Krebs",
            "decide-3": "hide:Tomasz",
        },
    )
    academic = coding.codebook()[0].codes.first()
    excerpts = list(Answer.objects.filter(response__interview__isnull=False).select_related("question", "response"))
    for answer in excerpts:
        coding.save_coding(answer=answer, coder=committee_member, codes=[academic])
    kept_out = next(answer for answer in excerpts if answer.text == KWAME[1])

    page = committee.get(reverse("feedback:coding"), {"comment": kept_out.pk}).content.decode()
    assert "Keep this excerpt out of quotes" in page
    response = committee.post(reverse("feedback:coding_quote"), {"answer": kept_out.pk, "action": "hold"})
    assert response.status_code == 302
    kept_out.refresh_from_db()
    assert kept_out.is_held_back

    themes, _coded = coding.theme_counts(filters=coding.CommentFilters())
    theme = next(theme for theme in themes if theme.pk == academic.theme_id)
    assert theme.excerpts == 3
    assert sorted(example.text for example in theme.examples) == sorted([KWAME[0], KWAME[2]])
    page = committee.get(reverse("feedback:coding"), {"comment": kept_out.pk}).content.decode()
    assert "kept out of quotes" in page and "Allow this excerpt in quotes" in page


def test_only_interview_excerpts_are_kept_out_of_quotes_here(committee):
    session = ended_session(register_taken=True)
    for _ in range(5):
        member = MemberFactory()
        attend(session, member)
        submit_response(member=member, session=session, answers=answers_for(session_form()))
    comment = Answer.objects.filter(response__session=session, question__kind="text").exclude(text="").first()
    response = committee.post(reverse("feedback:coding_quote"), {"answer": comment.pk, "action": "hold"})
    assert response.status_code == 404
    comment.refresh_from_db()
    assert not comment.is_held_back
