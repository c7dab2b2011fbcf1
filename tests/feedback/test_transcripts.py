"""Interview transcripts from Microsoft Teams (.vtt and .docx) into excerpts to code: turns, the
interviewee's kept and the interviewer's dropped, every name replaced, words that may be names
confirmed before anything is saved, nothing identifying stored; and the excerpts in the coding
machinery, the themes page and the dashboard."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from analytics.metrics import for_year
from feedback import coding, transcripts
from feedback.enums import FormPurpose, InterviewRole
from feedback.models import Answer, Form, Interview, Response
from feedback.past_evaluations import TranscriptError, import_transcript
from members.academic_year import AcademicYear
from tests.factories import MemberFactory
from tests.feedback import transcript_files as files
from tests.feedback.test_survey_import import every_stored_value

pytestmark = pytest.mark.django_db

YEAR = AcademicYear(2025)
KWAME = [
    "Sure. I started going to the sessions in year 1 because my friend [name] said the anatomy ones were really "
    "good. Then in year 3 I started teaching, and Interviewer helped me plan my first session.",
    "Honestly, confidence. Teaching the Krebs cycle to first years made me understand it properly. "
    "Participant 1 from two years ago would not believe it.",
    "The community. [name] runs the socials, people remember Participant 1 as the OSCE guy, and I've made friends "
    "across the years.",
]


def upload_vtt(**kwargs):
    options = {
        "data": files.vtt(),
        "filename": "Interview 3.vtt",
        "interviewee": "Kwame Mensah",
        "role": InterviewRole.BOTH,
        "academic_year": YEAR,
        "redact": ["Priya", "Tomasz"],
        "keep": ["Krebs"],
    }
    return import_transcript(**(options | kwargs))


def upload_docx(**kwargs):
    options = {
        "data": files.teams_docx(),
        "filename": "Interview with Amelia.docx",
        "interviewee": "Amelia Hart",
        "role": InterviewRole.ATTENDEE,
        "academic_year": YEAR,
    }
    return import_transcript(**(options | kwargs))


def excerpts_of(interview: Interview) -> list[str]:
    return sorted(Answer.objects.filter(response__interview=interview).values_list("text", flat=True))


# --- Reading ------------------------------------------------------------------------------------


def test_a_vtt_transcript_is_split_into_turns_by_voice_with_consecutive_cues_joined():
    transcript = transcripts.read_transcript(data=files.vtt(), filename="x.vtt")
    assert transcript.speakers == ["Sarah Whitfield", "Kwame Mensah"]
    assert [turn.speaker for turn in transcript.turns] == ["Sarah Whitfield", "Kwame Mensah"] * 3
    assert transcript.turns[1].text.endswith(
        "the anatomy ones were really good. Then in year 3 I started "
        "teaching, and Sarah helped me plan my first session."
    )


def test_a_docx_transcript_is_split_at_each_speaker_and_time_line():
    transcript = transcripts.read_transcript(data=files.teams_docx(), filename="x.docx")
    assert transcript.speakers == ["Daniel Osei", "Amelia Hart"]
    assert [turn.text for turn in transcript.turns if turn.speaker == "Amelia Hart"] == [
        "A friend in year 2 sent me the link to a renal session before our exam. It was online, so I could watch "
        "it from home.",
        "Definitely. Hart is not a name people forget, but before the society I never asked questions. Now I ask "
        "the teachers everything, because they were in my place two years ago.",
    ]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"Speaker 1: hello", "notes.txt", "Upload the transcript as Teams gives it: a .vtt or a .docx file."),
        (b"PK\x03\x04 not really a zip", "x.docx", "The file could not be read as a Word document (.docx)."),
        (b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nno voices here\n", "x.vtt", "No one speaks in this transcript"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Zoë>hé</v>\n".encode("latin-1"), "x.vtt", "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_teams_transcript_is_refused(data, filename, message):
    with pytest.raises(TranscriptError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        import_transcript(data=data, filename=filename, interviewee="Zoë", role="both", academic_year=YEAR)
    assert not Interview.objects.exists()


# --- Anonymising and saving ---------------------------------------------------------------------


def test_the_interviewees_turns_are_kept_with_every_name_replaced_and_the_interviewers_dropped():
    result = upload_vtt()
    interview = Interview.objects.get()
    assert (result.interview, result.pseudonym, result.dropped_turns) == (interview, "Participant 1", 3)
    assert (interview.academic_year, interview.participant, interview.role) == ("2025-26", 1, InterviewRole.BOTH)
    assert excerpts_of(interview) == sorted(KWAME)
    assert Response.objects.filter(interview=interview).count() == 3
    assert set(Response.objects.filter(interview=interview).values_list("year_band", "is_imported")) == {("", False)}
    form = Form.objects.get(purpose=FormPurpose.INTERVIEW)
    assert [question.kind for question in form.questions.all()] == ["text"]


def test_words_that_may_be_names_stop_the_save_until_each_is_decided():
    with pytest.raises(TranscriptError) as caught:
        upload_vtt(redact=[], keep=[])
    # A name inside a sentence, and one starting a sentence, which the transcript never writes in lower case.
    assert set(caught.value.unsure) == {"Priya", "Krebs", "Tomasz"}
    assert "my friend Priya said" in caught.value.unsure["Priya"]
    assert not Interview.objects.exists() and not Response.objects.exists()
    preview = upload_vtt(redact=[], keep=[], save=False)
    assert (preview.interview, set(preview.unsure)) == (None, {"Priya", "Krebs", "Tomasz"})
    assert not Interview.objects.exists()


def test_a_docx_with_no_uncertain_word_is_saved_as_it_stands():
    result = upload_docx()
    assert result.unsure == {}
    assert excerpts_of(result.interview) == [
        "A friend in year 2 sent me the link to a renal session before our exam. It was online, so I could watch "
        "it from home.",
        "Definitely. Participant 1 is not a name people forget, but before the society I never asked questions. "
        "Now I ask the teachers everything, because they were in my place two years ago.",
    ]


def test_each_interview_of_a_year_gets_the_next_participant_number():
    upload_vtt()
    second = upload_docx()
    other_year = upload_docx(academic_year=AcademicYear(2024))
    assert (second.pseudonym, other_year.pseudonym) == ("Participant 2", "Participant 1")
    assert "Participant 2 is not a name people forget" in " ".join(excerpts_of(second.interview))


def test_the_same_transcript_twice_in_a_year_is_refused():
    upload_vtt()
    upload_docx()
    with pytest.raises(TranscriptError) as caught:
        upload_vtt(filename="Interview 3 (1).vtt")
    assert str(caught.value) == "This interview has already been added to 2025-26, as Participant 1."
    assert Interview.objects.count() == 2
    assert upload_vtt(academic_year=AcademicYear(2024)).pseudonym == "Participant 1"


def _vtt(*cues: tuple[str, str]) -> bytes:
    lines = ["WEBVTT", ""]
    for number, (speaker, said) in enumerate(cues):
        lines += [f"00:00:{number:02}.000 --> 00:00:{number:02}.900", f"<v {speaker}>{said}</v>", ""]
    return "\n".join(lines).encode()


def test_a_speakers_name_in_capitals_is_replaced_and_in_lower_case_is_asked_about():
    data = _vtt(
        ("Will Grant", "Tell me about the sessions."),
        ("Kwame Mensah", "I'm KWAME MENSAH, KWAME to friends. will said kwame mensah should teach; I will."),
    )
    with pytest.raises(TranscriptError) as caught:
        import_transcript(data=data, filename="x.vtt", interviewee="Kwame Mensah", role="both", academic_year=YEAR)
    # Whole names and names in capitals are replaced; a lone first name in lower case may be an
    # ordinary word ("will"), so the uploader decides, and nothing is saved until they have.
    assert set(caught.value.unsure) == {"will"}
    assert not Interview.objects.exists()

    result = import_transcript(
        data=data, filename="x.vtt", interviewee="Kwame Mensah", role="both", academic_year=YEAR, keep=["will"]
    )
    assert excerpts_of(result.interview) == [
        "I'm Participant 1, Participant 1 to friends. will said Participant 1 should teach; I will."
    ]
    Interview.objects.all().delete()
    hidden = import_transcript(
        data=data, filename="x.vtt", interviewee="Kwame Mensah", role="both", academic_year=YEAR, redact=["will"]
    )
    assert excerpts_of(hidden.interview) == [
        "I'm Participant 1, Participant 1 to friends. Interviewer said Participant 1 should teach; I Interviewer."
    ]


def test_a_name_the_uploader_hides_is_hidden_in_any_case_and_capitals_may_be_a_name():
    data = _vtt(
        ("Sarah Whitfield", "And then?"),
        ("Kwame Mensah", "PRIYA and priya and Priya came; DEEPA, the NHS and OSCE too."),
    )
    preview = import_transcript(
        data=data, filename="x.vtt", interviewee="Kwame Mensah", role="both", academic_year=YEAR, save=False
    )
    assert set(preview.unsure) == {"Priya", "DEEPA"}  # short capitals (NHS) are abbreviations
    result = import_transcript(
        data=data,
        filename="x.vtt",
        interviewee="Kwame Mensah",
        role="both",
        academic_year=YEAR,
        redact=["Priya", "Deepa"],
    )
    assert excerpts_of(result.interview) == ["[name] and [name] and [name] came; [name], the NHS and OSCE too."]


def test_speech_in_a_docx_that_ends_in_a_time_is_not_taken_for_a_speaker():
    data = files.teams_docx(
        [
            "Daniel Osei   0:03",
            "When did it start?",
            "Amelia Hart   0:11",
            "My first session started at 6:30",
            "and it went on past eight.",
            "Okafor, Tom (Guest)   0:40",
            "Thank you both.",
        ]
    )
    transcript = transcripts.read_transcript(data=data, filename="x.docx")
    assert transcript.speakers == ["Daniel Osei", "Amelia Hart", "Okafor, Tom (Guest)"]
    assert [turn.text for turn in transcript.turns if turn.speaker == "Amelia Hart"] == [
        "My first session started at 6:30 and it went on past eight."
    ]


def test_display_names_of_every_shape_start_a_turn_in_a_docx():
    data = files.teams_docx(
        [
            "Priya Shah   0:01",
            "I went to most of them.",
            "Omar al-Hassan   0:15",
            "Which one helped most?",
            "Priya Shah   0:20",
            "Renal, and the ECG one.",
            "李明   0:30",
            "I taught that one.",
            "tom okafor (guest)   0:40",
            "Thanks.",
            "tom okafor (guest)   0:45",
            "Bye.",
        ]
    )
    transcript = transcripts.read_transcript(data=data, filename="x.docx")
    assert transcript.speakers == ["Priya Shah", "Omar al-Hassan", "李明", "tom okafor (guest)"]
    assert [turn.text for turn in transcript.turns if turn.speaker == "Priya Shah"] == [
        "I went to most of them.",
        "Renal, and the ECG one.",
    ]


def test_a_name_whose_capital_folds_unlike_its_small_letters_is_replaced():
    data = _vtt(("Sarah Whitfield", "And then?"), ("İpek Yılmaz", "IPEK and Ipek and İpek went."))
    result = import_transcript(data=data, filename="x.vtt", interviewee="İpek Yılmaz", role="both", academic_year=YEAR)
    assert excerpts_of(result.interview) == ["Participant 1 and Participant 1 and Participant 1 went."]


def test_an_interviewee_who_does_not_speak_is_refused_naming_the_speakers():
    with pytest.raises(TranscriptError) as caught:
        upload_vtt(interviewee="Kwame")
    assert (
        str(caught.value)
        == "“Kwame” does not speak in this transcript; the speakers are Sarah Whitfield, Kwame Mensah."
    )


def test_no_name_no_time_and_no_file_reaches_any_table():
    upload_vtt()
    upload_docx()
    stored = every_stored_value()
    assert Answer.objects.filter(response__interview__isnull=False).count() == 5
    for secret in files.IDENTIFYING:
        assert not [value for value in stored if secret in value], f"{secret!r} found in the database"


# --- Coding, themes and the dashboard -----------------------------------------------------------


@pytest.fixture
def coded_interviews(committee_member):
    """Two interviews of 2025-26 (one with a member who both attends and teaches) and one of the
    year before; every excerpt coded "Academic value", Kwame's first also "Sense of community"."""
    upload_vtt()
    upload_docx()
    upload_docx(academic_year=AcademicYear(2024))
    codes = {theme.name: theme.codes.first() for theme in coding.codebook()}
    for answer in Answer.objects.filter(response__interview__isnull=False).select_related("question", "response"):
        chosen = [codes["Academic value"]]
        if answer.text == KWAME[0]:
            chosen.append(codes["Sense of community and wellbeing"])
        coding.save_coding(answer=answer, coder=committee_member, codes=chosen)
    return committee_member


def test_excerpts_are_offered_to_coders_under_the_interviews_source(committee_member):
    upload_vtt()
    filters = coding.CommentFilters(source=coding.CommentSource.INTERVIEWS)
    offered = coding.comments_for_coder(coder=committee_member, filters=filters)
    assert sorted(answer.text for answer in offered) == sorted(KWAME)
    sessions_only = coding.CommentFilters(source=coding.CommentSource.SESSIONS)
    assert not coding.comments_for_coder(coder=committee_member, filters=sessions_only).exists()


def test_theme_counts_give_excerpts_apart_from_comments_and_the_interviewees(coded_interviews):
    themes, coded = coding.theme_counts(filters=coding.CommentFilters())
    found = {theme.name: (theme.comments, theme.excerpts, theme.interviewees) for theme in themes}
    assert found["Academic value"] == (0, 7, 3)
    assert found["Sense of community and wellbeing"] == (0, 1, 1)
    assert coded == 0
    assert coding.interview_counts(filters=coding.CommentFilters()) == {
        "total": 3,
        "attendee": 2,
        "teacher": 0,
        "both": 1,
    }


def test_the_dashboard_counts_the_years_interviews_and_their_excerpts_per_theme(coded_interviews):
    document = for_year(YEAR)
    themes = {theme["name"]: theme for theme in document["themes"]}
    assert (themes["Academic value"]["excerpts"], themes["Academic value"]["interviewees"]) == (5, 2)
    assert (themes["Sense of community and wellbeing"]["excerpts"], themes["Academic value"]["comments"]) == (1, 0)
    assert document["interviews"] == {"total": 2, "attendee": 1, "teacher": 0, "both": 1}


def test_the_themes_page_says_how_many_interviewees_mentioned_each_theme(client, coded_interviews):
    client.force_login(coded_interviews)
    response = client.get(reverse("feedback:coding_themes"), {"source": "interviews"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "3 interviews (1 with members who both attend and teach)" in page
    assert "7 excerpts, mentioned by 3 of 3 interviewees" in page
    assert "Interview: Participant 1 (Both attends and teaches), 2025-26" in page


def test_the_dashboard_page_shows_the_interviews_by_role(client, coded_interviews):
    client.force_login(coded_interviews)
    page = client.get(reverse("analytics:dashboard"), {"academic_year": "2025-26"}).content.decode()
    assert "2 members interviewed: 1 who attend, 0 who teach, 1 who do both." in page
    assert "5 interview excerpts, mentioned by 2 of 2 interviewees" in page


# --- The command --------------------------------------------------------------------------------


def _path(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_the_command_without_an_interviewee_names_the_speakers(tmp_path):
    path = _path(tmp_path, "interview.vtt", files.vtt())
    with pytest.raises(CommandError, match="the speakers are Sarah Whitfield, Kwame Mensah"):
        call_command("import_transcript", str(path), "--role", "both", "--academic-year", "2025-26")


def test_the_command_lists_words_to_decide_then_saves_once_decided(tmp_path):
    path = _path(tmp_path, "interview.vtt", files.vtt())
    args = [str(path), "--interviewee", "Kwame Mensah", "--role", "both", "--academic-year", "2025-26"]
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing saved"):
        call_command("import_transcript", *args, stderr=err)
    assert "May be a name: 'Priya'" in err.getvalue() and not Interview.objects.exists()
    out = io.StringIO()
    call_command("import_transcript", *args, "--redact", "Priya", "--redact", "Tomasz", "--keep", "Krebs", stdout=out)
    assert "Participant 1: 3 excerpts kept; 3 turns of the interviewer dropped." in out.getvalue()
    assert excerpts_of(Interview.objects.get()) == sorted(KWAME)


def test_the_command_dry_run_shows_the_excerpts_and_saves_nothing(tmp_path):
    path = _path(tmp_path, "interview.docx", files.teams_docx())
    out = io.StringIO()
    call_command(
        "import_transcript",
        str(path),
        "--interviewee",
        "Amelia Hart",
        "--role",
        "attendee",
        "--academic-year",
        "2025-26",
        "--dry-run",
        stdout=out,
    )
    assert out.getvalue().startswith("Dry run: nothing saved.\n- A friend in year 2")
    assert not Interview.objects.exists() and not Response.objects.exists()


def test_the_committed_docx_is_what_the_builder_writes():
    assert (files.FOLDER / "interview.docx").read_bytes() == files.teams_docx()


def test_two_coders_agreement_and_its_resolution_cover_excerpts_as_comments(committee_member):
    second = MemberFactory(roles=["committee"])
    upload_vtt()
    academic, community = (theme.codes.first() for theme in coding.codebook()[:3:2])
    excerpts = list(Answer.objects.filter(response__interview__isnull=False).select_related("question", "response"))
    for answer in excerpts:
        coding.save_coding(answer=answer, coder=committee_member, codes=[academic])
        coding.save_coding(answer=answer, coder=second, codes=[academic] if answer.text != KWAME[2] else [community])
    result = coding.agreement(coder_a=committee_member, coder_b=second, codes=[academic, community])
    assert (result.comments, result.identical, len(result.disagreements)) == (3, 2, 1)
    assert result.rows[0].kappa == 0.0 and result.rows[0].percent == pytest.approx(200 / 3)
    disputed = next(answer for answer in excerpts if answer.text == KWAME[2])
    coding.resolve_coding(answer=disputed, resolver=committee_member, codes=[community])
    themes, _coded = coding.theme_counts(filters=coding.CommentFilters(source=coding.CommentSource.INTERVIEWS))
    assert {theme.name: theme.excerpts for theme in themes if theme.excerpts} == {
        academic.theme.name: 2,
        community.theme.name: 1,
    }
