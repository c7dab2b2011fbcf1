"""Reading online-meeting attendance reports, and plain register spreadsheets, without writing.

- Microsoft Teams: the attendance report as downloaded — often UTF-16 with tabs, in sections
  ("1. Summary", "2. Participants", "3. In-Meeting Activities"). Dates are in the organiser's
  locale, so only the durations ("1h 27m 51s") and e-mails are read. Time is added up across
  re-joins from the activities section when it is there, else taken from the participants' totals.
- Zoom: the participants export (CSV; one row per join, "Duration (Minutes)").
- Plain CSV: email,status[,mode,year_of_study] — registers kept in spreadsheets before MedEd.
"""

import csv
import enum
import io
import math
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from attendance.enums import AttendanceStatus, Mode
from meded.spreadsheets import RowError, UnreadableFile, read_records, refuse_control_characters
from members.imports import year_of_study_from

# At most nine digits a part: int() refuses numbers of thousands of digits, and no meeting needs more.
_DURATION = re.compile(r"(?:(\d{1,9})\s*h)?\s*(?:(\d{1,9})\s*m(?:in)?)?\s*(?:(\d{1,9})\s*s)?", re.IGNORECASE)
# Longer than any teaching session: a row claiming more is a damaged or doctored report.
MAX_DURATION_SECONDS = 24 * 60 * 60


@dataclass
class Participant:
    name: str
    email: str
    seconds: int = 0


class ReportKind(enum.StrEnum):
    TEAMS = "teams"  # a Microsoft Teams attendance report
    ZOOM = "zoom"  # a Zoom participants export
    PLAIN = "plain"  # a plain register: email,status rows
    UNKNOWN = "unknown"  # not recognised (the report carries why)


@dataclass
class PlainRow:
    row_number: int
    email: str
    status: str
    mode: str
    year_of_study: int | None

    @property
    def status_label(self) -> str:
        return AttendanceStatus(self.status).label


@dataclass
class ParsedReport:
    kind: ReportKind
    participants: dict[str, Participant] = field(default_factory=dict)  # by lower-cased email
    nameless: list[str] = field(default_factory=list)  # participants without an email (guests)
    rows: list[PlainRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def duration_seconds(text: str) -> int | None:
    """Read "1h 27m 51s", "27m 5s", "45s" or "01:27:51"; None if it is not a duration."""
    text = text.strip()
    if re.fullmatch(r"\d{1,2}:\d{2}:\d{2}", text):
        hours, minutes, seconds = (int(part) for part in text.split(":"))
        return hours * 3600 + minutes * 60 + seconds
    match = _DURATION.fullmatch(text)
    if not text or not match or not any(match.groups()):
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _decode(data: bytes) -> str:
    try:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            # Refuses an odd number of bytes (a cut-off download) and half a surrogate pair alike.
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(
            _(
                "The file is not valid UTF-16 or UTF-8 text: download the report again, "
                "or save it as “CSV UTF-8”, and try again."
            )
        ) from None


def _lines(text: str) -> list[list[str]]:
    # Teams writes tabs (and commas inside its dates), Zoom and spreadsheets commas: the separator
    # that is more common in the first lines wins, so a stray tab in a cell does not decide it.
    sample = text.splitlines()[:20]
    tabs, commas = sum(line.count("\t") for line in sample), sum(line.count(",") for line in sample)
    delimiter = "\t" if tabs > commas else ","
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _column(header: list[str], *names: str) -> int | None:
    lowered = [cell.lower() for cell in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _add(report: ParsedReport, name: str, email: str, seconds: int) -> None:
    email = email.strip().lower()
    if not email or "@" not in email:
        if name and name not in report.nameless:
            report.nameless.append(name)
        return
    participant = report.participants.setdefault(email, Participant(name=name, email=email))
    participant.seconds += seconds


def _teams(rows: list[list[str]]) -> ParsedReport:
    report = ParsedReport(kind=ReportKind.TEAMS)
    section, header, totals, activities = None, None, [], []
    for row_number, row in enumerate(rows, start=1):
        first = row[0].lower() if row else ""
        if not any(row):
            header = None
            continue
        if re.match(r"^\d\.\s*(summary|participants|in-meeting activities)", first):
            section, header = first.split(".", 1)[1].strip(), None
            continue
        if header is None:
            header = row
            continue
        (activities if section == "in-meeting activities" else totals if section == "participants" else []).append(
            (header, row_number, row)
        )
    if section is None:
        # A bare participants sheet (no numbered sections): one header row, then totals.
        totals = [(rows[0], row_number, row) for row_number, row in enumerate(rows[1:], start=2) if any(row)]
    source = activities or totals
    for header, row_number, row in source:
        name_at = _column(header, "name", "full name")
        email_at = _column(header, "email", "participant id (upn)")
        duration_at = _column(header, "duration", "in-meeting duration")
        if duration_at is None or email_at is None:
            continue
        seconds = duration_seconds(row[duration_at]) if duration_at < len(row) else None
        if seconds is None:
            continue
        if seconds > MAX_DURATION_SECONDS:
            report.errors.append(
                RowError(
                    row_number,
                    _("the duration “%(value)s” is longer than %(hours)s hours.")
                    % {"value": row[duration_at], "hours": MAX_DURATION_SECONDS // 3600},
                )
            )
            continue
        email = row[email_at] if email_at < len(row) else ""
        _add(report, row[name_at] if name_at is not None and name_at < len(row) else "", email, seconds)
    return report


def _zoom(rows: list[list[str]]) -> ParsedReport | None:
    """None when no participants table is found. With "meeting data", Zoom puts a meeting summary
    (which also has a duration column) first: the participants' header is the last one with a
    name and a duration."""
    headers = [
        i
        for i, row in enumerate(rows)
        if _column(row, "duration (minutes)", "total duration (minutes)") is not None
        and _column(row, "name (original name)", "name") is not None
    ]
    if not headers:
        return None
    start = headers[-1]
    report = ParsedReport(kind=ReportKind.ZOOM)
    header = rows[start]
    name_at = _column(header, "name (original name)", "name")
    email_at = _column(header, "user email", "email")
    minutes_at = _column(header, "duration (minutes)", "total duration (minutes)")
    for row_number, row in enumerate(rows[start + 1 :], start=start + 2):
        if not any(row) or minutes_at >= len(row):
            continue
        try:
            minutes = float(row[minutes_at])
        except ValueError:
            continue
        # float() also reads "nan", "inf" and "1e308", which no meeting lasts.
        if not (math.isfinite(minutes) and 0 <= minutes * 60 <= MAX_DURATION_SECONDS):
            report.errors.append(
                RowError(
                    row_number,
                    _("the duration “%(value)s” is not a number of minutes from 0 to %(most)s.")
                    % {"value": row[minutes_at], "most": MAX_DURATION_SECONDS // 60},
                )
            )
            continue
        name = row[name_at] if name_at < len(row) else ""
        email = row[email_at] if email_at is not None and email_at < len(row) else ""
        _add(report, name, email, round(minutes * 60))
    return report


def _plain(records: list[list[str]]) -> ParsedReport:
    report = ParsedReport(kind=ReportKind.PLAIN)
    header = [cell.strip().lower() for cell in records[0]]
    index = {name: position for position, name in enumerate(header)}
    seen: dict[str, int] = {}
    for row_number, record in enumerate(records[1:], start=2):
        if not any(record):
            continue
        values = {name: (record[pos].strip() if pos < len(record) else "") for name, pos in index.items()}
        problems = []
        email = values.get("email", "").lower()
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("“%s” is not a valid email address") % values.get("email", ""))
        if email in seen:
            problems.append(_("“%(email)s” already appears in row %(row)s") % {"email": email, "row": seen[email]})
        seen.setdefault(email, row_number)
        status = values.get("status", "").lower()
        if status not in AttendanceStatus.values:
            problems.append(_("status “%s” is not one of present, late, absent, excused") % values.get("status", ""))
        mode = values.get("mode", "").lower()
        if mode and mode not in Mode.values:
            problems.append(_("mode “%s” is not online or in_person") % values.get("mode", ""))
        year_text = values.get("year_of_study", "")
        year = year_of_study_from(year_text) if year_text else None
        if year_text and year is None:
            problems.append(_("year of study “%s” is not a whole number from 1 to 6") % year_text)
        if problems:
            report.errors.append(RowError(row_number, "; ".join(problems) + "."))
        else:
            report.rows.append(PlainRow(row_number, email, status, mode, year))
    return report


def read_report(*, data: bytes, filename: str) -> ParsedReport:
    """Recognise and read a Teams report, a Zoom export or a plain email,status CSV."""
    try:
        # Columns are named by letter only: the first row of a Teams report is not a header.
        if filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04":
            records = read_records(data=data, filename=filename, named_by_header=False)
        else:
            records = _lines(_decode(data))
            refuse_control_characters(records, named_by_header=False)
    except UnreadableFile as error:
        return ParsedReport(kind=ReportKind.UNKNOWN, errors=error.errors)
    except csv.Error:
        return ParsedReport(kind=ReportKind.UNKNOWN, errors=[RowError(0, _("The file could not be read."))])
    records = [row for row in records if row is not None]
    if not records:
        return ParsedReport(kind=ReportKind.UNKNOWN, errors=[RowError(0, _("The file is empty."))])
    flat = " ".join(" ".join(row).lower() for row in records[:40])
    header = [cell.strip().lower() for cell in records[0]]
    if "email" in header and "status" in header:
        return _plain(records)
    report = None
    if "duration (minutes)" in flat:
        report = _zoom(records)
    elif "participants" in flat or "in-meeting duration" in flat or "in-meeting activities" in flat:
        report = _teams(records)
    if report is not None:
        if not (report.participants or report.nameless or report.errors):
            report.errors.append(RowError(0, _("No participants were found in this report.")))
        return report
    return ParsedReport(
        kind=ReportKind.UNKNOWN,
        errors=[
            RowError(
                0,
                _(
                    "This is not a Teams attendance report, a Zoom participants export, "
                    "or a CSV with the columns email,status."
                ),
            )
        ],
    )
