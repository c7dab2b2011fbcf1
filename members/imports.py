"""Reading a member spreadsheet (CSV or .xlsx) into validated rows.

Nothing here writes: `read_member_file` returns every row with its spreadsheet row number (the
header is row 1) and every problem found, so the service can refuse the whole file at once.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from meded.spreadsheets import RowError, UnreadableFile, read_records
from members.enums import YEARS_OF_STUDY, Role
from members.models import Member

REQUIRED_COLUMNS = ("email", "first_name", "last_name", "year_of_study")
OPTIONAL_COLUMNS = ("roles",)
_ROLE_WORDS = {role.value: role for role in Role}
# As long as the columns they are saved in, so a long cell is a row error rather than a database error.
MAX_LENGTHS = {name: Member._meta.get_field(name).max_length for name in ("email", "first_name", "last_name")}


@dataclass(frozen=True)
class MemberRow:
    row_number: int
    email: str
    first_name: str
    last_name: str
    year_of_study: int
    roles: frozenset[Role]


@dataclass
class ParsedFile:
    rows: list[MemberRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def year_of_study_from(text: str) -> int | None:
    """The year of study `text` names, or None when it is not a whole number from 1 to 6."""
    try:
        # int() reads any Unicode digits; str.isdigit() also passes "²", which int() refuses.
        year = int(text)
    except ValueError:
        return None
    return year if year in YEARS_OF_STUDY else None


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
