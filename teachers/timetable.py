"""Reading a term's timetable (CSV or .xlsx) into validated rows, without writing anything.

Header: title,starts_at,ends_at,format,target_years,venue,meeting_url,capacity,teacher_emails and,
optionally, series,topic,description,online_capacity. Times are ISO 8601 in local (London) time;
target years look like ``1;2``; teacher emails are ``;``-separated existing teachers, lead first.
Rows are numbered as a spreadsheet shows them (the header is row 1).
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, URLValidator
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from events.enums import SessionFormat
from events.models import SESSION_YEARS, Series, Session
from meded.spreadsheets import MAX_ROWS, RowError, UnreadableFile, read_records
from members.enums import Role
from members.imports import year_of_study_from
from members.models import Member

REQUIRED_COLUMNS = (
    "title",
    "starts_at",
    "ends_at",
    "format",
    "target_years",
    "venue",
    "meeting_url",
    "capacity",
    "teacher_emails",
)
OPTIONAL_COLUMNS = ("series", "topic", "description", "online_capacity")
# Each text column and the model field it is saved in: a cell longer than the field is a row error,
# not a database error.
_SAVED_IN = {
    "title": Session._meta.get_field("title"),
    "venue": Session._meta.get_field("venue"),
    "meeting_url": Session._meta.get_field("meeting_url"),
    "topic": Session._meta.get_field("topic"),
    "series": Series._meta.get_field("title"),
}


@dataclass(frozen=True)
class SessionRow:
    row_number: int
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    format: str
    target_years: tuple[int, ...]
    venue: str
    meeting_url: str
    capacity: int | None
    online_capacity: int | None
    teachers: tuple[Member, ...]  # lead first
    series: str
    topic: str
    description: str


@dataclass
class ParsedTimetable:
    rows: list[SessionRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    optional_columns: set[str] = field(default_factory=set)  # those the header has


def _local_time(text: str, label: str, problems: list[str]) -> dt.datetime | None:
    if not text:
        problems.append(_("%s is missing") % label)
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        problems.append(
            _("%(label)s “%(value)s” is not a date and time like 2026-12-02T18:00") % {"label": label, "value": text}
        )
        return None
    if value.year not in SESSION_YEARS:
        problems.append(_not_in_session_years(label, text))
        return None
    if timezone.is_aware(value):
        # The database's constraint counts the years in UTC: 2000-01-01T03:00+05:00 is still 1999 there.
        if value.astimezone(dt.UTC).year not in SESSION_YEARS:
            problems.append(_not_in_session_years(label, text))
            return None
        return value
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    aware = value.replace(tzinfo=zone)
    # A wall-clock time skipped when the clocks go forward does not survive a round trip through UTC.
    if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != value:
        problems.append(
            _("%(label)s %(value)s does not exist in UK time (the clocks change)") % {"label": label, "value": text}
        )
        return None
    return aware


def _not_in_session_years(label: str, text: str) -> str:
    return _("%(label)s “%(value)s” is not in a year from %(first)s to %(last)s") % {
        "label": label,
        "value": text,
        "first": SESSION_YEARS[0],
        "last": SESSION_YEARS[-1],
    }


def _most_places(name: str) -> int | None:
    """The largest number the session's field `name` can hold: its model validators carry the
    database's integer range (2147483647 on PostgreSQL)."""
    limits = [v.limit_value for v in Session._meta.get_field(name).validators if isinstance(v, MaxValueValidator)]
    return min(limits, default=None)


def _places(text: str, label: str, problems: list[str]) -> int | None:
    """The number of places in `text` for the session field `label`, within what that field holds."""
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        problems.append(_("%(label)s “%(value)s” is not a whole number of places") % {"label": label, "value": text})
        return None
    most = _most_places(label)
    if most is not None and value > most:
        problems.append(
            _("%(label)s “%(value)s” is more places than can be recorded (at most %(most)s)")
            % {"label": label, "value": text, "most": most}
        )
        return None
    return value


def read_timetable(*, data: bytes, filename: str) -> ParsedTimetable:
    """Parse and validate a whole timetable; reports every problem instead of raising."""
    parsed = ParsedTimetable()
    try:
        records = read_records(data=data, filename=filename)
    except UnreadableFile as error:
        parsed.errors += error.errors
        return parsed
    if not any(any(record) for record in records):
        parsed.errors.append(RowError(0, _("The file is empty: it needs a header row.")))
        return parsed
    header = [name.strip().lower() for name in records[0]]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        message = _("the header is missing the column(s) %(columns)s; it must contain %(expected)s.")
        parsed.errors.append(
            RowError(1, message % {"columns": ", ".join(missing), "expected": ",".join(REQUIRED_COLUMNS)})
        )
        return parsed
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        parsed.errors.append(RowError(1, _("the header repeats the column(s) %s.") % ", ".join(duplicated)))
        return parsed
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    parsed.optional_columns = {name for name in OPTIONAL_COLUMNS if name in header}
    parsed.ignored_columns = [name for name in header if name and name not in known]
    index = {name: position for position, name in enumerate(header) if name in known}
    rows = [(number, record) for number, record in enumerate(records[1:], start=2) if any(record)]
    if len(rows) > MAX_ROWS:
        parsed.errors.append(
            RowError(0, _("The file has more than %(max)s rows; split it into smaller files.") % {"max": MAX_ROWS})
        )
        return parsed

    # Every teacher named anywhere in the file, fetched at once.
    emails = {
        email.strip().lower()
        for _, record in rows
        for email in (record[index["teacher_emails"]] if index["teacher_emails"] < len(record) else "").split(";")
        if email.strip()
    }
    named_members = Member.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
    teachers = {member.email_lower: member for member in named_members.prefetch_related("groups")}
    url_valid = URLValidator(schemes=["https"])
    first_row_for_key: dict[tuple[str, dt.datetime], int] = {}

    for row_number, record in rows:
        values = {name: (record[pos] if pos < len(record) else "") for name, pos in index.items()}
        problems: list[str] = []
        title = values["title"]
        if not title:
            problems.append(_("the title is missing"))
        too_long = [name for name, field in _SAVED_IN.items() if len(values.get(name, "")) > field.max_length]
        problems += [
            _("the %(column)s is longer than %(max)s characters") % {"column": name, "max": _SAVED_IN[name].max_length}
            for name in too_long
        ]
        starts_at = _local_time(values["starts_at"], "starts_at", problems)
        ends_at = _local_time(values["ends_at"], "ends_at", problems)
        if starts_at and ends_at and ends_at <= starts_at:
            problems.append(_("ends_at must be after starts_at"))

        format_ = values["format"].lower()
        if format_ not in SessionFormat.values:
            problems.append(_("format “%s” is not one of in_person, online, hybrid") % values["format"])
            format_ = None
        years = []
        for part in values["target_years"].replace(",", ";").split(";"):
            part = part.strip()
            if not part:
                continue
            year = year_of_study_from(part)
            if year is not None:
                years.append(year)
            else:
                problems.append(_("target year “%s” is not a year from 1 to 6") % part)
        if not years and not any("target year" in p for p in problems):
            problems.append(_("target_years is missing (e.g. 1;2)"))

        venue, meeting_url = values["venue"], values["meeting_url"]
        if format_ and SessionFormat(format_).has_venue and not venue:
            problems.append(_("a venue is needed when the format is %s") % format_)
        if format_ and SessionFormat(format_).has_link and not meeting_url:
            problems.append(_("a meeting_url is needed when the format is %s") % format_)
        if meeting_url and "meeting_url" not in too_long:
            try:
                url_valid(meeting_url)
            except ValidationError:
                problems.append(_("meeting_url “%s” is not an https:// link") % meeting_url)
        capacity = _places(values["capacity"], "capacity", problems)
        online_capacity = _places(values.get("online_capacity", ""), "online_capacity", problems)

        row_teachers = []
        named = [e.strip().lower() for e in values["teacher_emails"].split(";") if e.strip()]
        if not named:
            problems.append(_("teacher_emails is missing: name at least the lead teacher"))
        for email in named:
            member = teachers.get(email)
            if member is None:
                problems.append(_("“%s” is not a member") % email)
            elif Role.TEACHER.group_name not in {g.name for g in member.groups.all()}:
                problems.append(_("%s is not an approved teacher") % email)
            elif member in row_teachers:
                problems.append(_("%s is listed twice") % email)
            else:
                row_teachers.append(member)

        if title and starts_at:
            key = (title.lower(), starts_at)
            if key in first_row_for_key:
                problems.append(_("the same session (title and start) is already in row %s") % first_row_for_key[key])
            else:
                first_row_for_key[key] = row_number

        if problems:
            parsed.errors.append(RowError(row_number, "; ".join(problems) + "."))
            continue
        parsed.rows.append(
            SessionRow(
                row_number=row_number,
                title=title,
                starts_at=starts_at,
                ends_at=ends_at,
                format=format_,
                target_years=tuple(sorted(set(years))),
                venue=venue,
                meeting_url=meeting_url,
                capacity=capacity,
                online_capacity=online_capacity if format_ == SessionFormat.HYBRID else None,
                teachers=tuple(row_teachers),
                series=values.get("series", ""),
                topic=values.get("topic", ""),
                description=values.get("description", ""),
            )
        )
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(RowError(0, _("The file has a header but no sessions.")))
    return parsed
