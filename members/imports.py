"""Reading a member spreadsheet (CSV or .xlsx) into validated rows.

Nothing here writes: `read_member_file` returns every row with its spreadsheet row number (the
header is row 1) and every problem found, so the service can refuse the whole file at once.
"""

import csv
import io
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
NAME_MAX_LENGTH = Member._meta.get_field("first_name").max_length
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
    """The file is not a CSV or .xlsx spreadsheet that can be read at all."""


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


def read_records(*, data: bytes, filename: str) -> list[list[str]]:
    """Every row of the first sheet (or the CSV) as lists of stripped strings."""
    if filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return _records_from_xlsx(data)
    return _records_from_csv(data)


def _domain_allowed(email: str) -> bool:
    return email.rsplit("@", 1)[-1] in settings.ALLOWED_EMAIL_DOMAINS


def read_member_file(*, data: bytes, filename: str) -> ParsedFile:
    """Parse and validate a whole member file; never raises for bad content, only reports it."""
    parsed = ParsedFile()
    try:
        records = read_records(data=data, filename=filename)
    except UnreadableFile as error:
        parsed.errors.append(RowError(0, str(error)))
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
            elif len(values[column]) > NAME_MAX_LENGTH:
                problems.append(
                    _("the %(label)s is longer than %(max)s characters") % {"label": label, "max": NAME_MAX_LENGTH}
                )

        year_text = values["year_of_study"]
        year = None
        try:
            year = int(year_text)
        except ValueError:
            pass
        if year not in YEARS_OF_STUDY:
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
