"""Reading a member spreadsheet (CSV or .xlsx) into validated rows.

Nothing here writes: `read_member_file` returns every row with its spreadsheet row number (the
header is row 1) and every problem found, so the service can refuse the whole file at once.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from members.enums import YEARS_OF_STUDY, Role
from members.models import Member

REQUIRED_COLUMNS = ("email", "first_name", "last_name", "year_of_study")
OPTIONAL_COLUMNS = ("roles",)
_ROLE_WORDS = {role.value: role for role in Role}
# As long as the columns they are saved in, so a long cell is a row error rather than a database error.
MAX_LENGTHS = {name: Member._meta.get_field(name).max_length for name in ("email", "first_name", "last_name")}
# Bounds on what one file may make us hold in memory (a society has a few thousand members).
MAX_ROWS = 20_000
XLSX_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class MemberRow:
    row_number: int
    email: str
    first_name: str
    last_name: str
    year_of_study: int
    roles: frozenset[Role]


@dataclass(frozen=True)
class RowError:
    row_number: int  # 1 is the header; 0 means the file as a whole
    message: str

    def __str__(self) -> str:
        if self.row_number == 0:
            return self.message
        return _("Row %(row)s: %(message)s") % {"row": self.row_number, "message": self.message}


@dataclass
class ParsedFile:
    rows: list[MemberRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


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


def year_of_study_from(text: str) -> int | None:
    """The year of study `text` names, or None when it is not a whole number from 1 to 6."""
    try:
        # int() reads any Unicode digits; str.isdigit() also passes "²", which int() refuses.
        year = int(text)
    except ValueError:
        return None
    return year if year in YEARS_OF_STUDY else None


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
    from openpyxl import load_workbook

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


def _domain_allowed(email: str) -> bool:
    return email.rsplit("@", 1)[-1] in settings.ALLOWED_EMAIL_DOMAINS


def read_member_file(*, data: bytes, filename: str) -> ParsedFile:
    """Parse and validate a whole member file; never raises for bad content, only reports it."""
    parsed = ParsedFile()
    try:
        records = read_records(data=data, filename=filename)
    except UnreadableFile as error:
        parsed.errors += error.errors
        return parsed
    if not any(any(record) for record in records):
        parsed.errors.append(RowError(0, _("The file is empty: it needs a header row.")))
        return parsed
    if not any(records[0]):
        parsed.errors.append(RowError(1, _("the first row is blank; it must hold the column names.")))
        return parsed

    header = [name.strip().lower() for name in records[0]]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        parsed.errors.append(
            RowError(
                1,
                _("the header is missing the column(s) %(columns)s; it must contain %(expected)s.")
                % {"columns": ", ".join(missing), "expected": ",".join(REQUIRED_COLUMNS)},
            )
        )
        return parsed
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        parsed.errors.append(RowError(1, _("the header repeats the column(s) %s.") % ", ".join(duplicated)))
        return parsed
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    parsed.ignored_columns = [name for name in header if name and name not in known]
    index = {name: position for position, name in enumerate(header)}

    first_row_for_email: dict[str, int] = {}
    for row_number, record in enumerate(records[1:], start=2):
        if not any(record):
            continue  # spreadsheets often end with blank rows
        values = {name: (record[pos] if pos < len(record) else "") for name, pos in index.items()}
        problems = []

        email = values["email"].lower()
        if not email:
            problems.append(_("the email address is missing"))
        elif len(email) > MAX_LENGTHS["email"]:
            problems.append(_("the email address is longer than %s characters") % MAX_LENGTHS["email"])
        else:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(_("“%s” is not a valid email address") % values["email"])
            else:
                if not settings.ALLOWED_EMAIL_DOMAINS:
                    problems.append(_("no email domain is allowed yet (ALLOWED_EMAIL_DOMAINS is not set)"))
                elif not _domain_allowed(email):
                    problems.append(
                        _("“%(email)s” is not at an allowed domain (%(domains)s)")
                        % {"email": values["email"], "domains": ", ".join(settings.ALLOWED_EMAIL_DOMAINS)}
                    )
            if email in first_row_for_email:
                problems.append(
                    _("“%(email)s” already appears in row %(row)s")
                    % {"email": values["email"], "row": first_row_for_email[email]}
                )
            else:
                first_row_for_email[email] = row_number

        for column, label in (("first_name", _("first name")), ("last_name", _("last name"))):
            if not values[column]:
                problems.append(_("the %s is missing") % label)
            elif len(values[column]) > MAX_LENGTHS[column]:
                problems.append(
                    _("the %(label)s is longer than %(max)s characters") % {"label": label, "max": MAX_LENGTHS[column]}
                )

        year_text = values["year_of_study"]
        year = year_of_study_from(year_text)
        if year is None:
            if year_text:
                problems.append(_("year of study “%s” is not a whole number from 1 to 6") % year_text)
            else:
                problems.append(_("the year of study is missing"))

        roles = set()
        for word in (values.get("roles") or "").replace(",", ";").split(";"):
            word = word.strip().lower()
            if not word:
                continue
            if word in _ROLE_WORDS:
                roles.add(_ROLE_WORDS[word])
            else:
                problems.append(
                    _("unknown role “%(role)s” (use %(known)s, separated by ;)")
                    % {"role": word, "known": " or ".join(_ROLE_WORDS)}
                )

        if problems:
            parsed.errors.append(RowError(row_number, "; ".join(problems) + "."))
        else:
            parsed.rows.append(
                MemberRow(
                    row_number=row_number,
                    email=email,
                    first_name=values["first_name"],
                    last_name=values["last_name"],
                    year_of_study=year,
                    roles=frozenset(roles),
                )
            )

    if not parsed.rows and not parsed.errors:
        parsed.errors.append(RowError(0, _("The file has a header but no members.")))
    return parsed
