"""Reading and writing tables: the spreadsheets members, timetables, attendance reports and
survey exports are imported from, and the CSV files MedEd hands out.

Reading: `read_records` turns a CSV (UTF-8, with or without a byte-order mark; Excel's dialect,
comma- or tab-separated; any line ending) or the first sheet of an .xlsx workbook into rows of
stripped strings, within bounds on what one file may make us hold in memory, and refuses control
characters a cell should never hold. What the rows mean is each import's own business; they report
problems as `RowError`s and refuse a file as a whole with `ImportRefused`.

Writing: a cell that begins with = + - @ (or a tab or carriage return) is run as a formula by
spreadsheet programs, so data typed by members could execute in a committee member's spreadsheet
(CSV injection). Such cells are prefixed with an apostrophe, which spreadsheets show as plain text.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from django.http import HttpResponse
from django.utils.translation import gettext as _

# Reading

# Bounds on what one file may make us hold in memory (a society has a few thousand members).
MAX_ROWS = 20_000
XLSX_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    row_number: int  # 1 is the header; 0 means the file as a whole
    message: str

    def __str__(self) -> str:
        if self.row_number == 0:
            return self.message
        return _("Row %(row)s: %(message)s") % {"row": self.row_number, "message": self.message}


class ImportRefused(Exception):
    """A spreadsheet was refused as a whole; `errors` lists every problem with its row number."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class ImportCounts:
    """What an import did, row by row; subclasses add what is particular to them."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged.") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


class UnreadableFile(Exception):
    """The file cannot be read as it stands: it is not a CSV or .xlsx spreadsheet at all (one
    error for the whole file), or some of its cells hold what no text column can (an error a row)."""

    def __init__(self, message: str = "", *, errors: list[RowError] | None = None):
        self.errors = errors or [RowError(0, message)]
        super().__init__("; ".join(str(error) for error in self.errors))


# Every control character except the tab and the line breaks (Alt-Enter in a spreadsheet cell, which
# the services turn into spaces where a line must stay one line), and the halves of a surrogate
# pair. PostgreSQL refuses NUL in text outright; the others are invisible in a spreadsheet and have
# no business in a name, a venue or an email address.
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _column_letter(position: int) -> str:
    """The spreadsheet's name for the column at `position` (0 is A, 26 is AA)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def refuse_control_characters(records: list[list[str]], *, named_by_header: bool) -> None:
    """Raise UnreadableFile with a row error for every row that has a cell holding a control
    character, naming each such cell's column by its letter and, with `named_by_header`, by the
    first row's name for it. Rows are numbered as a spreadsheet numbers them (the first is row 1)."""
    header = records[0] if records and named_by_header else []
    errors = []
    for row_number, record in enumerate(records, start=1):
        problems = []
        for position, cell in enumerate(record):
            found = _CONTROL_CHARACTER.search(cell)
            if found is None:
                continue
            column = _column_letter(position)
            name = header[position] if row_number > 1 and position < len(header) else ""
            if name and not _CONTROL_CHARACTER.search(name):
                column = f"{column} ({name})"
            problems.append(
                _("column %(column)s contains an invisible control character (%(code)s), which is not allowed")
                % {"column": column, "code": f"U+{ord(found.group()):04X}"}
            )
        if problems:
            errors.append(RowError(row_number, "; ".join(problems) + "."))
    if errors:
        raise UnreadableFile(errors=errors)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Spreadsheets store 3 as 3.0.
        value = int(value)
    return str(value).strip()


def _records_from_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")) from None
    # Excel's dialect (doubled quotes escape a quote). Only the header decides the delimiter:
    # a tab-separated export has tabs and no commas there; roles use ";" inside a cell.
    header_line = text.lstrip("\r\n").splitlines()[0] if text.strip() else ""
    delimiter = "\t" if "\t" in header_line and "," not in header_line else ","
    # newline="" lets the reader handle \r\n, \n and the bare \r of old Mac exports alike.
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    records = []
    try:
        for record in reader:
            records.append([_cell(value) for value in record])
            _check_row_count(len(records))
    except csv.Error:
        raise UnreadableFile(
            _('Row %(row)s could not be read: look for a quotation mark (") that is opened but never closed.')
            % {"row": reader.line_num}
        ) from None
    return records


def _check_row_count(count: int) -> None:
    if count > MAX_ROWS + 1:  # + the header
        raise UnreadableFile(_("The file has more than %(max)s rows; split it into smaller files.") % {"max": MAX_ROWS})


def _records_from_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # only when a workbook arrives: a heavy import few requests need

    try:
        # A small .xlsx can unpack to gigabytes; refuse before anything is unpacked.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > XLSX_MAX_UNCOMPRESSED_BYTES:
                raise UnreadableFile(_("The workbook is too large to read; save the member list on its own."))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            records = []
            for row in workbook.worksheets[0].iter_rows(values_only=True):
                records.append([_cell(value) for value in row])
                _check_row_count(len(records))
            return records
        finally:
            workbook.close()
    except (zipfile.BadZipFile, KeyError, IndexError, OSError, ValueError, TypeError, ParseError):
        # A damaged or foreign workbook: openpyxl raises whichever of these its parser meets first.
        raise UnreadableFile(_("The file could not be read as an Excel workbook (.xlsx).")) from None


def read_records(*, data: bytes, filename: str, named_by_header: bool = True) -> list[list[str]]:
    """Every row of the first sheet (or the CSV) as lists of stripped strings. Raises UnreadableFile
    for a file that cannot be read, or with a row error for each row with a control character in a
    cell (see `refuse_control_characters`)."""
    if filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        records = _records_from_xlsx(data)
    else:
        records = _records_from_csv(data)
    refuse_control_characters(records, named_by_header=named_by_header)
    return records


# Writing

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(*, filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    # A byte-order mark makes Excel read the file as UTF-8 (names with accents stay intact).
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return response


def csv_bytes(*, header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A whole CSV file as `csv_response` writes it (byte-order mark, safe cells), for a zip."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(value) for value in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")
