"""Writes that bring a past evaluation in: a survey run elsewhere (a Qualtrics, Microsoft Forms
or Google Forms export) and interview transcripts from Microsoft Teams, for thematic coding.

Neither goes through the seal (`feedback.services`): there is no member to hold a receipt, and an
import is one release already. A survey export becomes released responses of a closed survey in
one transaction, shuffled; a transcript becomes an interview's excerpts, every name replaced.
Reading and checking the files is in `feedback.survey_import` and `feedback.transcripts`.
"""

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback import survey_import, transcripts
from feedback.enums import (
    INTERVIEW_FAMILY,
    SOCIETY_SURVEY_FAMILY,
    FormPurpose,
    ImportSource,
    InterviewRole,
    QuestionKind,
    YearBand,
)
from feedback.errors import date_shown
from feedback.models import Answer, Form, Interview, PendingResponse, Question, Response, Survey, SurveyImport
from feedback.services import create_survey
from feedback.services.responses import shuffler
from meded.spreadsheets import ImportRefused, RowError, UnreadableFile
from members.academic_year import AcademicYear
from members.models import Member

# Past surveys brought in from an export (Qualtrics, Microsoft Forms, Google Forms)


class SurveyImportError(ImportRefused):
    """The export was refused as a whole; `errors` lists every problem with its row and column."""


@dataclass
class SurveyImportResult:
    """What an import wrote, or with `dry_run` would write."""

    survey: Survey | None
    title: str
    is_new_survey: bool
    source: str
    responses: int
    skipped_incomplete: int
    skipped_empty: int
    by_band: dict[str, int]
    # (column, what it answers, answers given) for each mapped column.
    columns: list[tuple[str, str, int]]
    dropped_columns: list[str]
    opens_at: dt.datetime
    closes_at: dt.datetime
    dry_run: bool

    @property
    def summary(self) -> str:
        text = _("%(n)s responses from %(source)s %(verb)s “%(title)s”.") % {
            "n": self.responses,
            "source": ImportSource(self.source).label,
            "verb": _("would be imported into") if self.dry_run else _("imported into"),
            "title": self.title,
        }
        skipped = self.skipped_incomplete + self.skipped_empty
        if skipped:
            text += " " + _("%(incomplete)s unfinished and %(empty)s empty rows skipped.") % {
                "incomplete": self.skipped_incomplete,
                "empty": self.skipped_empty,
            }
        return text


def _survey_of_year(*, title: str, academic_year: AcademicYear) -> Survey | None:
    start, end = _year_bounds(academic_year)
    return (
        Survey.objects.filter(title=title, opens_at__gte=start, opens_at__lt=end)
        .select_related("form")
        .order_by("pk")
        .first()
    )


def _year_bounds(academic_year: AcademicYear) -> tuple[dt.datetime, dt.datetime]:
    """The academic year's first moment and the first moment after it, in local time."""
    start = timezone.make_aware(dt.datetime.combine(academic_year.starts_on, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(academic_year.ends_on + dt.timedelta(days=1), dt.time.min))
    return start, end


def import_survey_responses(
    *,
    data: bytes,
    filename: str,
    mapping: dict[str, str],
    academic_year: AcademicYear,
    title: str,
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
    by: Member | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> SurveyImportResult:
    """Bring a survey export's responses into the society survey `title` of `academic_year`, all
    or nothing, as one release.

    Creates a closed survey on the current society survey form, open from `opens_on` (else the
    year's first day) to the end of `closes_on` (else its last day), or appends to the survey of
    that title opening in that year. Writes one anonymous response per complete data row: no
    receipt, no member, no time, marked as imported, in a random order, each one's answers
    shuffled, the year of study kept only as its band; no column outside `mapping` is read.
    With `dry_run`, checks everything and writes nothing.

    Locks the survey's row (as a release does). Raises SurveyImportError with every problem:
    unreadable file, map not fitting, a bad cell, fewer than FEEDBACK_MIN_RESPONSES responses, the
    same file already imported into that survey, a survey still open or with sealed answers.
    """
    now = now or timezone.now()
    title = " ".join(title.split())
    if not title:
        raise SurveyImportError([RowError(0, _("Give the survey a title."))])
    longest = Survey._meta.get_field("title").max_length
    if len(title) > longest:
        raise SurveyImportError([RowError(0, _("Keep the title under %s characters.") % longest)])
    survey = _survey_of_year(title=title, academic_year=academic_year)
    if survey is not None:
        form, opens_at, closes_at = survey.form, survey.opens_at, survey.closes_at
    else:
        form = Form.objects.filter(family=SOCIETY_SURVEY_FAMILY, is_current=True).first()
        if form is None:
            raise SurveyImportError([RowError(0, _("The society survey form is missing; nothing to import into."))])
        opens_at, closes_at = _import_dates(academic_year, opens_on=opens_on, closes_on=closes_on, now=now)
    try:
        export = survey_import.read_export(data=data, filename=filename)
    except UnreadableFile as error:
        raise SurveyImportError(error.errors) from None
    parsed = survey_import.read_responses(export=export, mapping=mapping, form=form)
    if parsed.errors:
        raise SurveyImportError(parsed.errors)
    minimum = settings.FEEDBACK_MIN_RESPONSES
    if len(parsed.responses) < minimum:
        raise SurveyImportError(
            [
                RowError(
                    0,
                    _(
                        "The file has %(n)s complete responses; an import needs at least %(minimum)s, "
                        "so that no one's answers are shown alone."
                    )
                    % {"n": len(parsed.responses), "minimum": minimum},
                )
            ]
        )
    digest = hashlib.sha256(data).hexdigest()
    already = _("This file has already been imported into “%s”.") % title
    if survey is not None:
        _check_can_append(survey, digest=digest, now=now, already=already)
    by_band = Counter(response.year_band for response in parsed.responses)
    answered = Counter()
    for response in parsed.responses:
        answered.update({answer.question.pk for answer in response.answers})
    result = SurveyImportResult(
        survey=survey,
        title=title,
        is_new_survey=survey is None,
        source=export.source,
        responses=len(parsed.responses),
        skipped_incomplete=parsed.skipped_incomplete,
        skipped_empty=parsed.skipped_empty,
        by_band={band: by_band.get(band, 0) for band in [*YearBand.values, ""]},
        columns=[
            (
                column.name,
                question.text if question else _("Year of study (kept as the band only)"),
                answered.get(question.pk, 0) if question else sum(n for band, n in by_band.items() if band),
            )
            for column, question in parsed.mapped
        ],
        dropped_columns=parsed.dropped_columns,
        opens_at=opens_at,
        closes_at=closes_at,
        dry_run=dry_run,
    )
    if dry_run:
        return result
    try:
        with transaction.atomic():
            # Imports into surveys of one form take its row's lock, as a form edit does, so two
            # that would create the same survey run one after the other: the second finds the
            # survey the first made and adds to it.
            Form.objects.select_for_update().filter(pk=form.pk).first()
            survey = survey or _survey_of_year(title=title, academic_year=academic_year)
            if survey is not None and survey.form_id != form.pk:
                # Made meanwhile on another form: the file was checked against this one.
                raise SurveyImportError([RowError(0, _("A survey of that title was created meanwhile; import again."))])
            result.is_new_survey = survey is None
            if survey is None:
                survey = create_survey(form=form, title=title, opens_at=opens_at, closes_at=closes_at, by=by)
            else:
                survey = Survey.objects.select_for_update().get(pk=survey.pk)
                _check_can_append(survey, digest=digest, now=now, already=already)
            SurveyImport.objects.create(
                survey=survey,
                source=export.source,
                file_sha256=digest,
                responses=len(parsed.responses),
                skipped=parsed.skipped_incomplete + parsed.skipped_empty,
                imported_by=by,
            )
            _write_imported(survey, parsed.responses)
    except IntegrityError:
        raise SurveyImportError([RowError(0, already)]) from None
    result.survey = survey
    return result


def _import_dates(
    academic_year: AcademicYear, *, opens_on: dt.date | None, closes_on: dt.date | None, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    start, end = _year_bounds(academic_year)
    opens_at = timezone.make_aware(dt.datetime.combine(opens_on, dt.time.min)) if opens_on else start
    closes_at = timezone.make_aware(dt.datetime.combine(closes_on, dt.time(23, 59))) if closes_on else end
    if closes_on is None:
        closes_at -= dt.timedelta(minutes=1)  # 23:59 on the year's last day
    problems = []
    if not start <= opens_at < end:
        problems.append(
            _("The survey must open within %(year)s (%(first)s to %(last)s).")
            % {"year": academic_year.label, "first": academic_year.starts_on, "last": academic_year.ends_on}
        )
    if closes_at <= opens_at:
        problems.append(_("The survey must close after it opens."))
    elif closes_at > now:
        problems.append(
            _("An imported survey must already have closed; %s is still to come. Give the day it closed.")
            % date_shown(closes_at)
        )
    if problems:
        raise SurveyImportError([RowError(0, problem) for problem in problems])
    return opens_at, closes_at


def _check_can_append(survey: Survey, *, digest: str, now: dt.datetime, already: str) -> None:
    if survey.closes_at > now:
        raise SurveyImportError(
            [RowError(0, _("“%s” is still open; import into it once it has closed.") % survey.title)]
        )
    if PendingResponse.objects.filter(survey=survey).exists():
        raise SurveyImportError(
            [RowError(0, _("“%s” has answers waiting for their release; import once they are out.") % survey.title)]
        )
    if SurveyImport.objects.filter(survey=survey, file_sha256=digest).exists():
        raise SurveyImportError([RowError(0, already)])


def _write_imported(survey: Survey, imported: list) -> None:
    """Write the checked rows as released responses: shuffled, fresh random keys, each one's
    answers shuffled too, so neither keys nor the table's order follows the file's order."""
    responses, answers = [], []
    for row in imported:
        response = Response(form_id=survey.form_id, survey=survey, year_band=row.year_band, is_imported=True)
        rows = [
            Answer(response=response, question=a.question, number=a.number, option=a.option, text=a.text)
            for a in row.answers
        ]
        shuffler.shuffle(rows)
        responses.append((response, rows))
    shuffler.shuffle(responses)
    for _response, rows in responses:
        answers.extend(rows)
    Response.objects.bulk_create([response for response, _rows in responses], batch_size=1000)
    Answer.objects.bulk_create(answers, batch_size=1000)


# Interview transcripts for thematic coding


class TranscriptError(Exception):
    """The transcript was refused; nothing was saved. `unsure` holds the words that may be
    names and wait for the uploader's decision, each with an excerpt it appears in."""

    def __init__(self, message: str, *, unsure: dict[str, str] | None = None):
        super().__init__(message)
        self.unsure = unsure or {}


@dataclass
class TranscriptResult:
    interview: Interview | None  # None when only previewed
    pseudonym: str
    excerpts: list[str]
    dropped_turns: int
    unsure: dict[str, str]


def _interview_form() -> tuple[Form, Question]:
    """The interview form and its one question, made on the first upload."""
    form = Form.objects.filter(family=INTERVIEW_FAMILY, is_current=True).first()
    if form is None:
        try:
            with transaction.atomic():
                form = Form.objects.create(
                    family=INTERVIEW_FAMILY,
                    purpose=FormPurpose.INTERVIEW,
                    title=_("Interview transcripts"),
                    intro=_("Excerpts of interviews, one turn of the interviewee each."),
                )
                Question.objects.create(
                    form=form, position=1, kind=QuestionKind.TEXT, text=_("Interview excerpt"), is_required=False
                )
        except IntegrityError:  # made by another upload a moment ago
            form = Form.objects.get(family=INTERVIEW_FAMILY, is_current=True)
    return form, form.questions.get()


_PSEUDONYM = re.compile(r"\b" + re.escape(_("Participant")) + r" \d+\b")


def _same_interview(academic_year: AcademicYear, excerpts: list[str]) -> Interview | None:
    """An interview of the year whose excerpts are these, whatever number it was given: the same
    transcript uploaded again (its excerpts differ only by the pseudonym's number)."""

    def key(texts) -> list[str]:
        return sorted(_PSEUDONYM.sub("#", text) for text in texts)

    wanted = key(excerpts)
    stored: dict[int, list[str]] = {}
    for interview_id, text in Answer.objects.filter(response__interview__academic_year=academic_year.label).values_list(
        "response__interview_id", "text"
    ):
        stored.setdefault(interview_id, []).append(text)
    same = next((pk for pk, texts in stored.items() if key(texts) == wanted), None)
    return Interview.objects.get(pk=same) if same is not None else None


def _next_participant(academic_year: AcademicYear) -> int:
    last = Interview.objects.filter(academic_year=academic_year.label).aggregate(last=Max("participant"))["last"]
    return (last or 0) + 1


def import_transcript(
    *,
    data: bytes,
    filename: str,
    interviewee: str,
    role: str,
    academic_year: AcademicYear,
    redact: Iterable[str] = (),
    keep: Iterable[str] = (),
    save: bool = True,
) -> TranscriptResult:
    """Keep the interviewee's turns of a Teams transcript (.vtt or .docx) as excerpts to code.

    Every speaker's name is replaced by a pseudonym ("Participant 7" for the interviewee, the next
    number of `academic_year`; "Interviewer" for the others, whose turns are dropped); the words
    in `redact` become "[name]". No name, timestamp or file is stored: an `Interview` (its number,
    `role` and year) and one response per excerpt of the interview form, shuffled. With `save`
    false, only previews. Words that may be names and are in neither `redact` nor `keep` stop the
    save: TranscriptError carries them in `unsure`. Locks the interview form's row so two uploads
    never take the same number. Raises TranscriptError for a file that cannot be read, an
    interviewee who does not speak in it, an interview with nothing said by the interviewee, or
    one already added to that academic year (the same excerpts).
    """
    if role not in InterviewRole.values:
        raise TranscriptError(_("Say whether the interviewee attends, teaches or both."))
    try:
        transcript = transcripts.read_transcript(data=data, filename=filename)
        participant = _next_participant(academic_year)
        pseudonym = _("Participant %s") % participant
        anonymised = transcripts.anonymise(
            transcript,
            interviewee=interviewee,
            participant=pseudonym,
            redact=frozenset(redact),
            keep=frozenset(keep),
        )
    except transcripts.UnreadableTranscript as error:
        raise TranscriptError(str(error)) from None
    if not anonymised.excerpts:
        raise TranscriptError(_("The interviewee says nothing in this transcript."))
    result = TranscriptResult(
        interview=None,
        pseudonym=pseudonym,
        excerpts=anonymised.excerpts,
        dropped_turns=anonymised.dropped_turns,
        unsure=anonymised.unsure,
    )
    if not save:
        return result
    if anonymised.unsure:
        raise TranscriptError(
            _("Say whether each of these is a name to hide or a word to keep: %s.") % ", ".join(anonymised.unsure),
            unsure=anonymised.unsure,
        )
    with transaction.atomic():
        form, question = _interview_form()
        Form.objects.select_for_update().filter(pk=form.pk).first()
        if (earlier := _same_interview(academic_year, anonymised.excerpts)) is not None:
            raise TranscriptError(
                _("This interview has already been added to %(year)s, as %(who)s.")
                % {"year": academic_year.label, "who": earlier.pseudonym}
            )
        number = _next_participant(academic_year)
        if number != participant:  # another upload took the number previewed: name it again
            return import_transcript(
                data=data,
                filename=filename,
                interviewee=interviewee,
                role=role,
                academic_year=academic_year,
                redact=redact,
                keep=keep,
            )
        interview = Interview.objects.create(academic_year=academic_year.label, participant=number, role=role)
        responses = [Response(form=form, interview=interview) for _excerpt in anonymised.excerpts]
        answers = [
            Answer(response=response, question=question, text=text)
            for response, text in zip(responses, anonymised.excerpts, strict=True)
        ]
        shuffler.shuffle(answers)
        Response.objects.bulk_create([answer.response for answer in answers])
        Answer.objects.bulk_create(answers)
    result.interview = interview
    return result
