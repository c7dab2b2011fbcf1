"""Reading a survey export (Qualtrics, Microsoft Forms, Google Forms) into checked responses,
without writing anything.

The file's shape says where it came from:
- Qualtrics CSV, as downloaded with choice text: three header rows (column names such as `Q1` or
  `Q5_2`, the question texts, then `{"ImportId": …}` JSON), then one row per response; rows
  not finished (`Finished` not true, or `Progress` below 100) are skipped and counted.
  Its Excel download (.xlsx) is read the same way.
- Microsoft Forms .xlsx: one header row (`ID`, `Start time`, `Completion time`, `Email`, `Name`,
  then the questions).
- Google Forms CSV: one header row starting with `Timestamp`.

A map names, for each column to import, the metric key of the survey question it answers, or
`year_of_study` for the respondent's year (kept only as the band). Only the mapped cells of a row
are looked at; every other column (names, e-mails, IP addresses, locations, response ids, dates)
is left in the file. Rows are numbered as a spreadsheet shows them, header rows counted.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from feedback.enums import ANSWER_TEXT_MAX_LENGTH, LIKERT_LABELS, SCALE_VALUES, ImportSource, QuestionKind, YearBand
from feedback.models import Form, Option, Question
from meded import spreadsheets
from meded.spreadsheets import RowError, UnreadableFile

YEAR_OF_STUDY = "year_of_study"
_QUALTRICS_IMPORT_ID = '{"importid"'
# "3", "Year 3", "year 3", "Y3".
_YEAR = re.compile(r"^(?:year|yr|y)?\s*(\d+)$", re.IGNORECASE)
# A multiple-choice cell: choices separated by commas (Qualtrics, Google) or semicolons (Forms).
_SEPARATOR = re.compile(r"([,;])")


@dataclass(frozen=True)
class CellError(RowError):
    """A problem with one cell: its row (header rows counted) and its column's name."""

    column: str = ""

    def __str__(self) -> str:
        return _("Row %(row)s, %(column)s: %(message)s") % {
            "row": self.row_number,
            "column": self.column,
            "message": self.message,
        }


@dataclass(frozen=True)
class MapError(RowError):
    """A problem with one line of the map file."""

    def __str__(self) -> str:
        return _("Map line %(line)s: %(message)s") % {"line": self.row_number, "message": self.message}


@dataclass(frozen=True)
class ExportColumn:
    name: str  # as the file's first header row names it, e.g. "Q5" or the question's text
    text: str  # the question's text where the export gives it apart (Qualtrics' second row)
    position: int


@dataclass
class SurveyExport:
    """A survey export read into memory: its columns and its data rows. Nothing of it is saved."""

    source: str
    columns: list[ExportColumn]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells)

    def column(self, name: str) -> ExportColumn | None:
        wanted = _normal(name)
        return next((column for column in self.columns if _normal(column.name) == wanted), None)


@dataclass(frozen=True)
class ImportedAnswer:
    question: Question
    number: int | None = None
    option: Option | None = None
    text: str = ""


@dataclass(frozen=True)
class ImportedResponse:
    row_number: int
    year_band: str
    answers: tuple[ImportedAnswer, ...]


@dataclass
class ParsedResponses:
    source: str
    responses: list[ImportedResponse] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped_incomplete: int = 0
    skipped_empty: int = 0
    # What each mapped column answers (a question, or None for the year of study), in map order.
    mapped: list[tuple[ExportColumn, Question | None]] = field(default_factory=list)
    dropped_columns: list[str] = field(default_factory=list)


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _is_qualtrics(records: list[list[str]]) -> bool:
    return len(records) >= 3 and any(
        cell.replace(" ", "").lower().startswith(_QUALTRICS_IMPORT_ID) for cell in records[2]
    )


def _unique(names: list[str]) -> list[str]:
    """The header's names, a repeated one numbered from its second time ("Comments (2)"), so that
    each column can be named in the map: two Forms questions may have the same wording."""
    used: set[str] = set()
    unique = []
    for name in names:
        given, number = name, 1
        while name and _normal(given) in used:  # "Comments (2)" may be a header of its own
            number += 1
            given = f"{name} ({number})"
        used.add(_normal(given))
        unique.append(given)
    return unique


def read_export(*, data: bytes, filename: str) -> SurveyExport:
    """The export's columns and data rows, its format told from its shape. Raises UnreadableFile
    for a file that is empty, not UTF-8, not a spreadsheet, or too long (`meded.spreadsheets.MAX_ROWS`)."""
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise UnreadableFile(_("The file is empty."))
    records = spreadsheets.read_records(data=data, filename=filename)
    while records and not any(records[-1]):
        records.pop()
    if not records or not any(records[0]):
        raise UnreadableFile(_("The file is empty: it needs a header row."))
    is_xlsx = filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04"
    # Qualtrics first: its Excel download has the same three header rows as its CSV.
    if _is_qualtrics(records):
        source, header_rows = ImportSource.QUALTRICS, 3
    elif is_xlsx:
        source, header_rows = ImportSource.MS_FORMS, 1
    elif _normal(records[0][0]) == "timestamp":
        source, header_rows = ImportSource.GOOGLE_FORMS, 1
    else:
        raise UnreadableFile(
            _(
                "This is not a survey export MedEd knows: expected a Qualtrics CSV (three header rows), "
                "a Microsoft Forms .xlsx or a Google Forms CSV (first column “Timestamp”)."
            )
        )
    names = _unique(records[0])
    texts = records[1] if source == ImportSource.QUALTRICS else names
    columns = [
        ExportColumn(name=name, text=(texts[position] if position < len(texts) else "") or name, position=position)
        for position, name in enumerate(names)
        if name
    ]
    rows = [(number, record) for number, record in enumerate(records[header_rows:], start=header_rows + 1)]
    rows = [(number, record) for number, record in rows if any(record)]
    if len(rows) > spreadsheets.MAX_ROWS:
        raise UnreadableFile(
            _("The file has more than %(max)s rows; split it into smaller files.") % {"max": spreadsheets.MAX_ROWS}
        )
    if not rows:
        raise UnreadableFile(_("The file has its header rows but no responses."))
    return SurveyExport(source=source, columns=columns, rows=rows)


def read_map(*, data: bytes) -> dict[str, str]:
    """The map file's `column,metric_key` pairs, in order; a first row `column,metric_key` is a
    header. Raises UnreadableFile listing every problem (map rows numbered from 1)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(_("The map is not UTF-8 text.")) from None
    mapping: dict[str, str] = {}
    errors = []
    for number, record in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue
        if number == 1 and [_normal(cell) for cell in cells[:2]] == ["column", "metric_key"]:
            continue
        if len(cells) < 2 or not cells[0] or not cells[1] or any(cells[2:]):
            errors.append(MapError(number, _("write a column's name and a metric key, separated by a comma.")))
        elif _normal(cells[0]) in {_normal(name) for name in mapping}:
            errors.append(MapError(number, _("the column “%s” is mapped twice.") % cells[0]))
        else:
            mapping[cells[0]] = cells[1]
    if errors:
        raise UnreadableFile(errors=errors)
    if not mapping:
        raise UnreadableFile(_("The map is empty: it needs a line column,metric_key for each column to import."))
    return mapping


def mappable_keys(form: Form) -> list[tuple[str, str]]:
    """(key, what it is) for each thing a column may be mapped to: the year of study, then each
    question of `form` carrying a metric key, in the form's order."""
    keys = [(YEAR_OF_STUDY, _("Year of study (kept as the band only)"))]
    keys += [(question.metric_key, question.text) for question in form.questions.all() if question.metric_key]
    return keys


def check_mapping(*, export: SurveyExport, mapping: dict[str, str], form: Form) -> ParsedResponses:
    """The mapped columns with their questions, or errors for a map that does not fit the file and
    the form: a column the file lacks, a key the form has no question for, a key used twice."""
    parsed = ParsedResponses(source=export.source)
    # The options are read once here: every cell is matched against them in memory.
    questions = {
        question.metric_key: question for question in form.questions.prefetch_related("options") if question.metric_key
    }
    known = ", ".join([YEAR_OF_STUDY, *questions])
    used: dict[str, str] = {}
    for name, key in mapping.items():
        column = export.column(name)
        key = key.strip().lower()
        if column is None:
            parsed.errors.append(RowError(0, _("The map names the column “%s”, which the file does not have.") % name))
            continue
        if key != YEAR_OF_STUDY and key not in questions:
            parsed.errors.append(
                RowError(
                    0,
                    _("The map gives column “%(column)s” the key “%(key)s”, which is not one of %(known)s.")
                    % {"column": name, "key": key, "known": known},
                )
            )
            continue
        if key in used:
            parsed.errors.append(
                RowError(
                    0,
                    _("The columns “%(first)s” and “%(second)s” are both mapped to “%(key)s”.")
                    % {"first": used[key], "second": name, "key": key},
                )
            )
            continue
        used[key] = name
        parsed.mapped.append((column, None if key == YEAR_OF_STUDY else questions[key]))
    mapped_positions = {column.position for column, _question in parsed.mapped}
    parsed.dropped_columns = [column.name for column in export.columns if column.position not in mapped_positions]
    return parsed


def _is_complete(export: SurveyExport, record: list[str]) -> bool:
    """Whether a Qualtrics row is a finished response (other exports hold finished ones only)."""
    if export.source != ImportSource.QUALTRICS:
        return True
    for name, complete in (
        ("Finished", lambda value: value.lower() in {"true", "1"}),
        ("Progress", lambda value: _number(value) is not None and _number(value) >= 100),
    ):
        column = export.column(name)
        if column is not None and not complete(_cell(record, column)):
            return False
    return True


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _cell(record: list[str], column: ExportColumn) -> str:
    return record[column.position].strip() if column.position < len(record) else ""


def _year_band(value: str) -> str | None:
    match = _YEAR.match(value)
    if not match:
        return None
    year = int(match[1])
    return YearBand.for_year(year) if 1 <= year <= 6 else None


def _option_list(question: Question) -> str:
    return ", ".join(option.label for option in question.options.all())


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _find_option(question: Question, value: str) -> Option | None:
    wanted = _normal(value)
    return next(
        (option for option in question.options.all() if wanted in (_normal(option.label), _normal(option.value))),
        None,
    )


def _choices(question: Question, value: str) -> tuple[list[Option], list[str]]:
    """The options named in a multiple-choice cell, and the parts that name none. A label that
    itself holds a comma is matched whole: pieces are joined back while they make a label."""
    pieces = _SEPARATOR.split(value)
    words, separators = pieces[::2], pieces[1::2]
    chosen, unknown = [], []
    start = 0
    while start < len(words):
        found = None
        for end in range(len(words), start, -1):
            text = "".join(w + (separators[i] if i < end - 1 else "") for i, w in enumerate(words[start:end], start))
            if text.strip() and (option := _find_option(question, text)) is not None:
                found = (option, end)
                break
        if found:
            if found[0] not in chosen:
                chosen.append(found[0])
            start = found[1]
        else:
            if words[start].strip():
                unknown.append(words[start].strip())
            start += 1
    return chosen, unknown


def _answer(question: Question, value: str) -> tuple[list[ImportedAnswer], str]:
    """The answers a cell gives `question`, or the message saying what was expected."""
    kind = QuestionKind(question.kind)
    quoted = _short(question.text)
    if kind.is_scale:
        number = None
        if value.isdigit() and int(value) in SCALE_VALUES:
            number = int(value)
        elif kind == QuestionKind.LIKERT:
            number = next((n for n, label in LIKERT_LABELS.items() if _normal(str(label)) == _normal(value)), None)
        if number is None:
            expected = (
                _("1 to 5 or %s") % ", ".join(str(label) for label in LIKERT_LABELS.values())
                if kind == QuestionKind.LIKERT
                else _("a whole number from 1 to 5")
            )
            return [], _("“%(value)s” is not an answer to “%(question)s” (%(expected)s)") % {
                "value": value,
                "question": quoted,
                "expected": expected,
            }
        return [ImportedAnswer(question=question, number=number)], ""
    if kind == QuestionKind.SINGLE:
        option = _find_option(question, value)
        if option is None:
            return [], _("“%(value)s” is not an option of “%(question)s” (%(options)s)") % {
                "value": value,
                "question": quoted,
                "options": _option_list(question),
            }
        return [ImportedAnswer(question=question, option=option)], ""
    if kind == QuestionKind.MULTIPLE:
        chosen, unknown = _choices(question, value)
        if unknown:
            return [], _("“%(value)s” is not an option of “%(question)s” (%(options)s)") % {
                "value": "”, “".join(unknown),
                "question": quoted,
                "options": _option_list(question),
            }
        return [ImportedAnswer(question=question, option=option) for option in chosen], ""
    if len(value) > ANSWER_TEXT_MAX_LENGTH:
        return [], _("the answer is longer than %s characters") % ANSWER_TEXT_MAX_LENGTH
    return [ImportedAnswer(question=question, text=value)], ""


def read_responses(*, export: SurveyExport, mapping: dict[str, str], form: Form) -> ParsedResponses:
    """Check every row of `export` against the map and `form`'s questions; reports every problem
    (each with its row and column) instead of raising. Reads only the mapped cells, and the
    Qualtrics completion columns to skip unfinished rows."""
    parsed = check_mapping(export=export, mapping=mapping, form=form)
    if parsed.errors:
        return parsed
    for row_number, record in export.rows:
        if not _is_complete(export, record):
            parsed.skipped_incomplete += 1
            continue
        band, answers, problems = "", [], []
        for column, question in parsed.mapped:
            value = _cell(record, column)
            if not value:
                continue  # an empty cell is no answer
            if question is None:
                found = _year_band(value)
                if found is None:
                    problems.append(
                        CellError(
                            row_number,
                            _("“%s” is not a year of study (1 to 6, or Year 1 to Year 6)") % value,
                            column=column.name,
                        )
                    )
                else:
                    band = found
                continue
            given, problem = _answer(question, value)
            if problem:
                problems.append(CellError(row_number, problem, column=column.name))
            answers += given
        if problems:
            parsed.errors += problems
        elif not answers:
            parsed.skipped_empty += 1
        else:
            parsed.responses.append(ImportedResponse(row_number=row_number, year_band=band, answers=tuple(answers)))
    return parsed
