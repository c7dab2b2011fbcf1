"""The timetable import: the service, the `import_sessions` command and the committee upload page."""

import csv
import datetime as dt
import io
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from events.models import Series, Session, SessionChange
from events.services import cancel_session
from teachers.services import TimetableImportError, import_timetable
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

REQUIRED = "title,starts_at,ends_at,format,target_years,venue,meeting_url,capacity,teacher_emails"
HEADER = REQUIRED + ",series,topic,description,online_capacity"
COLUMNS = HEADER.split(",")
UTC = dt.UTC


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    """A CSV as Excel's “CSV UTF-8” writes it (CRLF line ends), header first."""
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def line(**cells: str) -> str:
    """One CSV row from column values (blank where not given), quoted as Excel quotes it."""
    buffer = io.StringIO()
    # The writer quotes a cell holding a character of its line terminator, so a line break stays in its cell.
    csv.writer(buffer, lineterminator="\r\n").writerow([cells.get(name, "") for name in COLUMNS])
    return buffer.getvalue().removesuffix("\r\n")


def xlsx_file(*rows: tuple) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_errors(data: bytes, filename: str = "timetable.csv", imported_by=None) -> list[str]:
    with pytest.raises(TimetableImportError) as refused:
        import_timetable(data=data, filename=filename, imported_by=imported_by)
    return [str(error) for error in refused.value.errors]


def sessions_table() -> list[tuple]:
    """Every session the import writes, with its years and roster (lead first)."""
    return [
        (
            s.title,
            s.starts_at,
            s.ends_at,
            s.format,
            s.status,
            s.venue,
            s.meeting_url,
            s.capacity,
            s.online_capacity,
            s.series.title if s.series else None,
            s.topic,
            s.description,
            s.created_by.email,
            s.target_year_numbers,
            [(entry.teacher.email, entry.role) for entry in s.roster.all()],
            s.sequence,
            s.published_at is not None,
        )
        for s in Session.objects.select_related("series", "created_by").prefetch_related(
            "target_years", "roster__teacher"
        )
    ]


def changes_table() -> list[tuple]:
    return list(
        SessionChange.objects.order_by("pk").values_list(
            "session__title", "field", "old_value", "new_value", "changed_by__email"
        )
    )


def database() -> tuple:
    """Everything an import can write, so a refused import can be shown to have written nothing."""
    return sessions_table(), changes_table(), list(Series.objects.values_list("title", flat=True))


@pytest.fixture
def priya(db):
    return MemberFactory(first_name="Priya", last_name="Shah", email="priya@example.ac.uk", roles=["teacher"])


# --- A valid file ------------------------------------------------------------------------------

VALID_FILE = csv_file(
    "Cardiac cycle,2031-01-15T18:00,2031-01-15T19:30,in_person,1;2,Lecture Theatre 1,,40,"
    'tom@example.ac.uk;priya@example.ac.uk,Year 1 physiology,Cardiology,"Pressure, volume and ""loops""",25',
    "Renal physiology,2031-07-15T18:00,2031-07-15T19:00,online,2,,https://teams.microsoft.com/l/meetup-join/abc,,"
    "priya@example.ac.uk,Year 1 physiology,Renal,,",
    "Acid-base,2031-07-16T18:30,2031-07-16T20:00,hybrid,3;1,Room 2,https://zoom.us/j/123,30,Tom@Example.ac.uk,,,,50",
)


def test_import_of_a_valid_csv_creates_published_sessions_with_every_field_in_london_time(
    teacher, priya, committee_member
):
    result = import_timetable(data=VALID_FILE, filename="timetable.csv", imported_by=committee_member)

    assert result.summary == "3 created, 0 updated, 0 unchanged."
    assert (result.created, result.updated, result.unchanged, result.completed) == (3, 0, 0, 0)
    assert result.ignored_columns == []
    assert sessions_table() == [
        (
            "Cardiac cycle",
            dt.datetime(2031, 1, 15, 18, 0, tzinfo=UTC),  # GMT in winter
            dt.datetime(2031, 1, 15, 19, 30, tzinfo=UTC),
            "in_person",
            "published",
            "Lecture Theatre 1",
            "",
            40,
            None,  # online places only for a hybrid session
            "Year 1 physiology",
            "Cardiology",
            'Pressure, volume and "loops"',
            "chloe@example.ac.uk",
            [1, 2],
            [("tom@example.ac.uk", "lead"), ("priya@example.ac.uk", "co_teacher")],
            0,
            True,
        ),
        (
            "Renal physiology",
            dt.datetime(2031, 7, 15, 17, 0, tzinfo=UTC),  # 18:00 BST
            dt.datetime(2031, 7, 15, 18, 0, tzinfo=UTC),
            "online",
            "published",
            "",
            "https://teams.microsoft.com/l/meetup-join/abc",
            None,
            None,
            "Year 1 physiology",
            "Renal",
            "",
            "chloe@example.ac.uk",
            [2],
            [("priya@example.ac.uk", "lead")],
            0,
            True,
        ),
        (
            "Acid-base",
            dt.datetime(2031, 7, 16, 17, 30, tzinfo=UTC),
            dt.datetime(2031, 7, 16, 19, 0, tzinfo=UTC),
            "hybrid",
            "published",
            "Room 2",
            "https://zoom.us/j/123",
            30,
            50,
            None,
            "",
            "",
            "chloe@example.ac.uk",
            [1, 3],
            [("tom@example.ac.uk", "lead")],
            0,
            True,
        ),
    ]
    # One series, created once for the two sessions that name it.
    assert list(Series.objects.values_list("title", flat=True)) == ["Year 1 physiology"]
    assert changes_table() == []


def test_import_without_an_importer_records_the_lead_as_creator(teacher, priya):
    import_timetable(data=VALID_FILE, filename="timetable.csv")

    assert list(Session.objects.values_list("title", "created_by__email")) == [
        ("Cardiac cycle", "tom@example.ac.uk"),
        ("Renal physiology", "priya@example.ac.uk"),
        ("Acid-base", "tom@example.ac.uk"),
    ]


def test_import_uses_an_existing_series_with_the_same_title(teacher, priya):
    series = Series.objects.create(title="Year 1 physiology", description="Kept")

    import_timetable(data=VALID_FILE, filename="timetable.csv")

    assert list(Series.objects.values_list("pk", "title", "description")) == [(series.pk, "Year 1 physiology", "Kept")]
    assert Session.objects.filter(series=series).count() == 2


def test_import_with_only_the_required_columns_leaves_the_optional_fields_blank(teacher):
    data = csv_file(
        "Cardiac cycle,2031-01-15T18:00,2031-01-15T19:30,hybrid,1,LT1,https://zoom.us/j/1,,tom@example.ac.uk",
        header=REQUIRED,
    )

    result = import_timetable(data=data, filename="timetable.csv")

    assert result.summary == "1 created, 0 updated, 0 unchanged."
    session = Session.objects.get()
    assert (session.series, session.topic, session.description, session.capacity, session.online_capacity) == (
        None,
        "",
        "",
        None,
        None,
    )


def test_import_lists_unknown_columns_as_ignored_and_imports_the_rest(teacher):
    data = csv_file(
        "Cardiac cycle,2031-01-15T18:00,2031-01-15T19:30,in_person,1,LT1,,,tom@example.ac.uk,Room booked",
        header=REQUIRED + ",Notes",
    )

    result = import_timetable(data=data, filename="timetable.csv")

    assert result.ignored_columns == ["notes"]
    assert list(Session.objects.values_list("title", "venue")) == [("Cardiac cycle", "LT1")]


# --- Past sessions -----------------------------------------------------------------------------


def test_import_of_sessions_that_have_ended_records_them_as_completed_and_says_so(teacher, committee_member):
    data = csv_file(
        line(
            title="Anatomy of the heart",
            starts_at="2020-11-10T18:00",
            ends_at="2020-11-10T19:00",
            format="in_person",
            target_years="1",
            venue="LT1",
            teacher_emails="tom@example.ac.uk",
        ),
        line(
            title="Renal physiology",
            starts_at="2031-01-15T18:00",
            ends_at="2031-01-15T19:00",
            format="in_person",
            target_years="2",
            venue="LT1",
            teacher_emails="tom@example.ac.uk",
        ),
    )

    result = import_timetable(data=data, filename="timetable.csv", imported_by=committee_member)

    assert result.summary == (
        "2 created, 0 updated, 0 unchanged. 1 new session had already ended and is recorded as completed."
    )
    assert list(Session.objects.values_list("title", "status", "starts_at")) == [
        ("Anatomy of the heart", "completed", dt.datetime(2020, 11, 10, 18, 0, tzinfo=UTC)),
        ("Renal physiology", "published", dt.datetime(2031, 1, 15, 18, 0, tzinfo=UTC)),
    ]
    assert list(Session.objects.values_list("roster__teacher__email", "roster__role")) == [
        ("tom@example.ac.uk", "lead"),
        ("tom@example.ac.uk", "lead"),
    ]


def test_import_of_several_past_sessions_uses_the_plural_in_the_summary(teacher):
    data = csv_file(
        *(
            line(
                title=f"Past {n}",
                starts_at=f"2019-0{n}-10T18:00",
                ends_at=f"2019-0{n}-10T19:00",
                format="online",
                target_years="1",
                meeting_url="https://zoom.us/j/1",
                teacher_emails="tom@example.ac.uk",
            )
            for n in (1, 2)
        )
    )

    result = import_timetable(data=data, filename="timetable.csv")

    assert result.summary == (
        "2 created, 0 updated, 0 unchanged. 2 new sessions had already ended and are recorded as completed."
    )
    assert list(Session.objects.values_list("status", flat=True)) == ["completed", "completed"]


# --- Re-imports --------------------------------------------------------------------------------


def test_second_import_of_the_same_file_changes_nothing(teacher, priya, committee_member):
    import_timetable(data=VALID_FILE, filename="timetable.csv", imported_by=committee_member)
    before = database()

    result = import_timetable(data=VALID_FILE, filename="timetable.csv", imported_by=committee_member)

    assert result.summary == "0 created, 0 updated, 3 unchanged."
    assert Session.objects.count() == 3
    assert database() == before


def test_reimport_matches_a_title_in_another_case_and_a_time_written_another_way(teacher):
    first = line(
        title="Cardiac cycle",
        starts_at="2031-01-15T18:00",
        ends_at="2031-01-15T19:00",
        format="in_person",
        target_years="1",
        venue="LT1",
        teacher_emails="tom@example.ac.uk",
    )
    import_timetable(data=csv_file(first), filename="timetable.csv")
    before = database()

    again = first.replace("Cardiac cycle", "CARDIAC CYCLE").replace("2031-01-15T18:00", "2031-01-15 18:00:00")
    result = import_timetable(data=csv_file(again), filename="timetable.csv")

    # Found the same session; only the title's case differs, which is an edit, not a new session.
    assert result.summary == "0 created, 1 updated, 0 unchanged."
    assert Session.objects.count() == 1
    assert Session.objects.get().title == "CARDIAC CYCLE"
    assert changes_table() == before[1] == []


def test_reimport_with_a_changed_venue_updates_the_published_session_and_logs_the_change(
    teacher, priya, committee_member
):
    import_timetable(data=VALID_FILE, filename="timetable.csv", imported_by=committee_member)
    changed = VALID_FILE.replace(b"Lecture Theatre 1", b"Lecture Theatre 2")

    result = import_timetable(data=changed, filename="timetable.csv", imported_by=committee_member)

    assert result.summary == "0 created, 1 updated, 2 unchanged."
    cardiac = Session.objects.get(title="Cardiac cycle")
    assert (cardiac.venue, cardiac.status, cardiac.sequence) == ("Lecture Theatre 2", "published", 1)
    assert Session.objects.count() == 3
    assert changes_table() == [
        ("Cardiac cycle", "venue", "Lecture Theatre 1", "Lecture Theatre 2", "chloe@example.ac.uk")
    ]


def test_reimport_with_an_added_teacher_puts_them_on_the_roster_as_co_teacher(teacher, priya, committee_member):
    import_timetable(data=VALID_FILE, filename="timetable.csv", imported_by=committee_member)
    second = MemberFactory(email="sam@example.ac.uk", roles=["teacher"])
    changed = VALID_FILE.replace(b"abc,,priya@example.ac.uk,", b"abc,,priya@example.ac.uk;SAM@example.ac.uk,")

    result = import_timetable(data=changed, filename="timetable.csv", imported_by=committee_member)

    assert result.summary == "0 created, 1 updated, 2 unchanged."
    renal = Session.objects.get(title="Renal physiology")
    assert [(e.teacher, e.role) for e in renal.roster.all()] == [(priya, "lead"), (second, "co_teacher")]
    # The roster is not one of the fields registrants are told about.
    assert changes_table() == []


def test_reimport_with_changed_target_years_replaces_them(teacher, priya):
    import_timetable(data=VALID_FILE, filename="timetable.csv")

    result = import_timetable(data=VALID_FILE.replace(b",hybrid,3;1,", b",hybrid,4,"), filename="timetable.csv")

    assert result.summary == "0 created, 1 updated, 2 unchanged."
    assert Session.objects.get(title="Acid-base").target_year_numbers == [4]


def test_reimport_changing_a_completed_session_is_refused_naming_it_and_writes_nothing(teacher, committee_member):
    past = dict(
        title="Anatomy of the heart",
        starts_at="2020-11-10T18:00",
        ends_at="2020-11-10T19:00",
        format="in_person",
        target_years="1",
        venue="LT1",
        teacher_emails="tom@example.ac.uk",
    )
    import_timetable(data=csv_file(line(**past)), filename="timetable.csv")
    before = database()
    new = line(**past | {"title": "Renal physiology", "starts_at": "2031-01-15T18:00", "ends_at": "2031-01-15T19:00"})

    errors = import_errors(csv_file(new, line(**past | {"venue": "LT2"})), imported_by=committee_member)

    assert errors == ["Row 3: “Anatomy of the heart” is completed or cancelled; change it in the admin instead."]
    # The new session of row 2 was written before row 3 was reached, and rolled back with it.
    assert Session.objects.count() == 1
    assert database() == before


def test_reimport_changing_a_cancelled_session_is_refused(teacher, committee_member):
    row = line(
        title="Cardiac cycle",
        starts_at="2031-01-15T18:00",
        ends_at="2031-01-15T19:00",
        format="in_person",
        target_years="1",
        venue="LT1",
        teacher_emails="tom@example.ac.uk",
    )
    import_timetable(data=csv_file(row), filename="timetable.csv")
    cancel_session(session=Session.objects.get(), by=committee_member, reason="Strike")
    before = database()

    errors = import_errors(csv_file(row.replace("LT1", "LT2")))

    assert errors == ["Row 2: “Cardiac cycle” is completed or cancelled; change it in the admin instead."]
    assert database() == before


def test_reimport_refuses_to_add_a_teacher_to_a_completed_session(teacher, priya):
    # import_timetable's docstring: "a completed or cancelled session that the file would change is
    # reported as an error". A roster addition changes who is credited in the teaching log.
    past = line(
        title="Anatomy of the heart",
        starts_at="2020-11-10T18:00",
        ends_at="2020-11-10T19:00",
        format="in_person",
        target_years="1",
        venue="LT1",
        teacher_emails="tom@example.ac.uk",
    )
    import_timetable(data=csv_file(past), filename="timetable.csv")
    before = database()

    errors = import_errors(csv_file(past.replace("tom@example.ac.uk", "tom@example.ac.uk;priya@example.ac.uk")))

    assert errors == ["Row 2: “Anatomy of the heart” is completed or cancelled; change it in the admin instead."]
    assert database() == before


# --- Bad rows: nothing is written --------------------------------------------------------------

# Row 2 is new, row 4 would update the existing "Cardiac cycle" (venue and a co-teacher): a bad
# row 3 must stop both.
CARDIAC = dict(
    title="Cardiac cycle",
    starts_at="2031-01-15T18:00",
    ends_at="2031-01-15T19:30",
    format="in_person",
    target_years="1;2",
    venue="Lecture Theatre 1",
    capacity="40",
    teacher_emails="tom@example.ac.uk",
)
VALID_ROW_2 = line(
    title="Renal physiology",
    starts_at="2031-01-16T18:00",
    ends_at="2031-01-16T19:00",
    format="online",
    target_years="2",
    meeting_url="https://zoom.us/j/123",
    teacher_emails="priya@example.ac.uk",
)
VALID_ROW_4 = line(
    **CARDIAC | {"venue": "Lecture Theatre 2", "teacher_emails": "tom@example.ac.uk;priya@example.ac.uk"}
)
# A valid row 3; each case below spoils one thing about it.
ANATOMY = dict(
    title="Anatomy of the heart",
    starts_at="2031-01-20T18:00",
    ends_at="2031-01-20T19:00",
    format="in_person",
    target_years="1",
    venue="Room 3",
    capacity="20",
    teacher_emails="tom@example.ac.uk",
)


@pytest.fixture
def before(teacher, priya, member, committee_member):
    import_timetable(data=csv_file(line(**CARDIAC)), filename="timetable.csv", imported_by=committee_member)
    return database()


def test_the_bad_row_cases_start_from_a_file_that_imports(before, committee_member):
    result = import_timetable(
        data=csv_file(VALID_ROW_2, line(**ANATOMY), VALID_ROW_4), filename="timetable.csv", imported_by=committee_member
    )

    assert result.summary == "2 created, 1 updated, 0 unchanged."


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        pytest.param({"title": ""}, "Row 3: the title is missing.", id="missing-title"),
        pytest.param({"title": "x" * 201}, "Row 3: the title is longer than 200 characters.", id="title-too-long"),
        pytest.param(
            {"starts_at": "20/01/2031 18:00"},
            "Row 3: starts_at “20/01/2031 18:00” is not a date and time like 2026-12-02T18:00.",
            id="bad-starts-at",
        ),
        pytest.param({"starts_at": ""}, "Row 3: starts_at is missing.", id="missing-starts-at"),
        pytest.param(
            {"ends_at": "2031-01-20T17:00"}, "Row 3: ends_at must be after starts_at.", id="ends-before-starts"
        ),
        pytest.param({"ends_at": "2031-01-20T18:00"}, "Row 3: ends_at must be after starts_at.", id="ends-when-starts"),
        pytest.param(
            {"format": "webinar"},
            "Row 3: format “webinar” is not one of in_person, online, hybrid.",
            id="unknown-format",
        ),
        pytest.param({"target_years": "7"}, "Row 3: target year “7” is not a year from 1 to 6.", id="year-7"),
        pytest.param({"target_years": "x"}, "Row 3: target year “x” is not a year from 1 to 6.", id="year-x"),
        pytest.param({"target_years": "1;0"}, "Row 3: target year “0” is not a year from 1 to 6.", id="year-0"),
        pytest.param({"target_years": ""}, "Row 3: target_years is missing (e.g. 1;2).", id="years-missing"),
        pytest.param(
            {"venue": ""},
            "Row 3: a venue is needed when the format is in_person.",
            id="in-person-without-venue",
        ),
        pytest.param(
            {"format": "hybrid", "meeting_url": "https://zoom.us/j/9", "venue": ""},
            "Row 3: a venue is needed when the format is hybrid.",
            id="hybrid-without-venue",
        ),
        pytest.param(
            {"format": "online", "venue": ""},
            "Row 3: a meeting_url is needed when the format is online.",
            id="online-without-meeting-url",
        ),
        pytest.param(
            {"format": "online", "venue": "", "meeting_url": "http://zoom.us/j/9"},
            "Row 3: meeting_url “http://zoom.us/j/9” is not an https:// link.",
            id="meeting-url-not-https",
        ),
        pytest.param(
            {"capacity": "-3"}, "Row 3: capacity “-3” is not a whole number of places.", id="capacity-negative"
        ),
        pytest.param({"capacity": "ten"}, "Row 3: capacity “ten” is not a whole number of places.", id="capacity-ten"),
        pytest.param(
            {"format": "hybrid", "meeting_url": "https://zoom.us/j/9", "online_capacity": "lots"},
            "Row 3: online_capacity “lots” is not a whole number of places.",
            id="online-capacity-bad",
        ),
        pytest.param(
            {"teacher_emails": "tom@example.ac.uk;nobody@example.ac.uk"},
            "Row 3: “nobody@example.ac.uk” is not a member.",
            id="unknown-teacher",
        ),
        pytest.param(
            {"teacher_emails": "aisha.khan@example.ac.uk"},
            "Row 3: aisha.khan@example.ac.uk is not an approved teacher.",
            id="member-not-a-teacher",
        ),
        pytest.param(
            {"teacher_emails": "chloe@example.ac.uk"},
            "Row 3: chloe@example.ac.uk is not an approved teacher.",
            id="committee-not-a-teacher",
        ),
        pytest.param(
            {"teacher_emails": ""},
            "Row 3: teacher_emails is missing: name at least the lead teacher.",
            id="no-teachers",
        ),
        pytest.param(
            {"teacher_emails": " ; "},
            "Row 3: teacher_emails is missing: name at least the lead teacher.",
            id="only-separators",
        ),
        pytest.param(
            {"teacher_emails": "tom@example.ac.uk;TOM@example.ac.uk"},
            "Row 3: tom@example.ac.uk is listed twice.",
            id="teacher-twice",
        ),
        pytest.param(
            {"title": "RENAL physiology", "starts_at": "2031-01-16T18:00", "ends_at": "2031-01-16T19:00"},
            "Row 3: the same session (title and start) is already in row 2.",
            id="same-session-twice",
        ),
        pytest.param(
            {"starts_at": "2031-03-30T01:30", "ends_at": "2031-03-30T03:00"},
            "Row 3: starts_at 2031-03-30T01:30 does not exist in UK time (the clocks change).",
            id="starts-in-spring-forward-gap",
        ),
        pytest.param(
            {"starts_at": "2031-03-30T00:30", "ends_at": "2031-03-30T01:00"},
            "Row 3: ends_at 2031-03-30T01:00 does not exist in UK time (the clocks change).",
            id="ends-in-spring-forward-gap",
        ),
        pytest.param(
            {"starts_at": "2000-01-01T03:00+05:00", "ends_at": "2000-01-01T06:00+05:00"},
            "Row 3: starts_at “2000-01-01T03:00+05:00” is not in a year from 2000 to 2100.",
            id="starts-in-1999-in-utc",
        ),
        pytest.param(
            {"venue": "Room 3\x00"},
            "Row 3: column F (venue) contains an invisible control character (U+0000), which is not allowed.",
            id="nul-in-venue",
        ),
        pytest.param(
            {"teacher_emails": "tom@example.ac.uk\x00"},
            "Row 3: column I (teacher_emails) contains an invisible control character (U+0000), which is not allowed.",
            id="nul-in-teacher-emails",
        ),
        pytest.param(
            {"description": "Bring a \x07stethoscope"},
            "Row 3: column L (description) contains an invisible control character (U+0007), which is not allowed.",
            id="bell-in-description",
        ),
        pytest.param({"venue": "v" * 201}, "Row 3: the venue is longer than 200 characters.", id="venue-too-long"),
        pytest.param({"topic": "t" * 101}, "Row 3: the topic is longer than 100 characters.", id="topic-too-long"),
        pytest.param({"series": "s" * 201}, "Row 3: the series is longer than 200 characters.", id="series-too-long"),
        pytest.param(
            {"format": "hybrid", "meeting_url": "https://zoom.us/j/" + "9" * 183},
            "Row 3: the meeting_url is longer than 200 characters.",
            id="meeting-url-too-long",
        ),
        pytest.param(
            {"capacity": "99999999999"},
            "Row 3: capacity “99999999999” is more places than can be recorded (at most 2147483647).",
            id="capacity-too-large",
        ),
        pytest.param(
            {"format": "hybrid", "meeting_url": "https://zoom.us/j/9", "online_capacity": "2147483648"},
            "Row 3: online_capacity “2147483648” is more places than can be recorded (at most 2147483647).",
            id="online-capacity-too-large",
        ),
        pytest.param(
            {"target_years": "1;²"}, "Row 3: target year “²” is not a year from 1 to 6.", id="year-superscript-two"
        ),
    ],
)
def test_import_with_a_bad_row_reports_its_row_number_and_writes_nothing(before, committee_member, changes, error):
    data = csv_file(VALID_ROW_2, line(**ANATOMY | changes), VALID_ROW_4)

    assert import_errors(data, imported_by=committee_member) == [error]
    assert Session.objects.count() == 1
    assert database() == before


def test_import_with_several_bad_rows_reports_every_one_and_every_problem_of_a_row(before):
    data = csv_file(
        VALID_ROW_2,
        line(**ANATOMY | {"title": "", "target_years": "9", "capacity": "ten"}),
        VALID_ROW_4,
        "",
        line(**ANATOMY | {"format": "online", "venue": "", "teacher_emails": "ghost@example.ac.uk"}),
        VALID_ROW_2,
    )

    assert import_errors(data) == [
        "Row 3: the title is missing; target year “9” is not a year from 1 to 6; "
        "capacity “ten” is not a whole number of places.",
        "Row 6: a meeting_url is needed when the format is online; “ghost@example.ac.uk” is not a member.",
        "Row 7: the same session (title and start) is already in row 2.",
    ]
    assert Session.objects.count() == 1
    assert database() == before


def test_import_with_a_header_missing_a_column_is_refused(before):
    data = csv_file(
        "Renal physiology,2031-01-16T18:00,2031-01-16T19:00,in_person,2,,,priya@example.ac.uk",
        header="title,starts_at,ends_at,format,target_years,meeting_url,capacity,teacher_emails",
    )

    assert import_errors(data) == [
        "Row 1: the header is missing the column(s) venue; it must contain "
        "title,starts_at,ends_at,format,target_years,venue,meeting_url,capacity,teacher_emails."
    ]
    assert database() == before


@pytest.mark.parametrize(
    "data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b",,,\r\n"], ids=["empty", "bom", "blank", "commas"]
)
def test_import_of_an_empty_file_asks_for_a_header_row(before, data):
    assert import_errors(data) == ["The file is empty: it needs a header row."]
    assert database() == before


def test_import_of_a_header_without_sessions_is_refused(before):
    assert import_errors(csv_file()) == ["The file has a header but no sessions."]
    assert database() == before


# --- Excel -------------------------------------------------------------------------------------


def test_import_reads_an_xlsx_workbook_with_datetime_and_number_cells(teacher, priya):
    data = xlsx_file(
        tuple(COLUMNS),
        (
            "Cardiac cycle",
            dt.datetime(2031, 1, 15, 18, 0),
            dt.datetime(2031, 1, 15, 19, 30),
            "in_person",
            "1;2",
            "Lecture Theatre 1",
            None,
            40,
            "tom@example.ac.uk;priya@example.ac.uk",
            "Year 1 physiology",
            "Cardiology",
            None,
            None,
        ),
        (None,) * len(COLUMNS),
        (
            "Acid-base",
            dt.datetime(2031, 7, 16, 18, 30),
            dt.datetime(2031, 7, 16, 20, 0),
            "hybrid",
            3,
            "Room 2",
            "https://zoom.us/j/123",
            30.0,
            "tom@example.ac.uk",
            None,
            None,
            None,
            50,
        ),
    )

    result = import_timetable(data=data, filename="Timetable.XLSX")

    assert result.summary == "2 created, 0 updated, 0 unchanged."
    assert list(
        Session.objects.values_list("title", "starts_at", "ends_at", "format", "capacity", "online_capacity")
    ) == [
        (
            "Cardiac cycle",
            dt.datetime(2031, 1, 15, 18, 0, tzinfo=UTC),
            dt.datetime(2031, 1, 15, 19, 30, tzinfo=UTC),
            "in_person",
            40,
            None,
        ),
        (
            "Acid-base",
            dt.datetime(2031, 7, 16, 17, 30, tzinfo=UTC),
            dt.datetime(2031, 7, 16, 19, 0, tzinfo=UTC),
            "hybrid",
            30,
            50,
        ),
    ]
    assert [s.target_year_numbers for s in Session.objects.prefetch_related("target_years")] == [[1, 2], [3]]
    assert import_timetable(data=data, filename="Timetable.XLSX").summary == "0 created, 0 updated, 2 unchanged."


def test_import_of_an_xlsx_reports_rows_as_the_spreadsheet_numbers_them_across_blank_rows(teacher):
    data = xlsx_file(
        tuple(REQUIRED.split(",")),
        (
            "Cardiac cycle",
            dt.datetime(2031, 1, 15, 18),
            dt.datetime(2031, 1, 15, 19),
            "in_person",
            1,
            "LT1",
            None,
            40,
            "tom@example.ac.uk",
        ),
        (None,) * 9,
        (
            "Acid-base",
            dt.datetime(2031, 1, 16, 18),
            dt.datetime(2031, 1, 16, 19),
            "in_person",
            7,
            "LT1",
            None,
            40,
            "tom@example.ac.uk",
        ),
    )

    assert import_errors(data, filename="timetable.xlsx") == ["Row 4: target year “7” is not a year from 1 to 6."]
    assert Session.objects.count() == 0


# --- The command -------------------------------------------------------------------------------


def run_import_command(path, *args) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("import_sessions", str(path), *args, stdout=stdout, stderr=stderr, no_color=True)
    return stdout.getvalue(), stderr.getvalue()


def test_import_command_with_a_bad_file_writes_every_bad_row_to_stderr_and_fails(tmp_path, before):
    path = tmp_path / "timetable.csv"
    path.write_bytes(
        csv_file(VALID_ROW_2, line(**ANATOMY | {"capacity": "-3"}), VALID_ROW_4, line(**ANATOMY | {"title": ""}))
    )
    stderr = StringIO()

    with pytest.raises(CommandError, match=r"^timetable\.csv: nothing imported \(2 problem\(s\)\)\.$"):
        call_command("import_sessions", str(path), stdout=StringIO(), stderr=stderr, no_color=True)

    assert stderr.getvalue() == (
        "Row 3: capacity “-3” is not a whole number of places.\nRow 5: the title is missing.\n"
    )
    assert Session.objects.count() == 1
    assert database() == before


def test_import_command_prints_the_summary_and_records_the_lead_as_creator(tmp_path, teacher, priya):
    path = tmp_path / "timetable.csv"
    path.write_bytes(VALID_FILE)

    stdout, stderr = run_import_command(path)

    assert stdout == "3 created, 0 updated, 0 unchanged.\n"
    assert stderr == ""
    assert list(Session.objects.values_list("title", "status", "created_by__email")) == [
        ("Cardiac cycle", "published", "tom@example.ac.uk"),
        ("Renal physiology", "published", "priya@example.ac.uk"),
        ("Acid-base", "published", "tom@example.ac.uk"),
    ]


def test_import_command_as_a_committee_member_records_them_and_prints_ignored_columns(
    tmp_path, teacher, committee_member
):
    path = tmp_path / "timetable.csv"
    path.write_bytes(
        csv_file(
            "Anatomy,2020-01-15T18:00,2020-01-15T19:30,in_person,1,LT1,,,tom@example.ac.uk,x",
            header=REQUIRED + ",room_booked",
        )
    )

    stdout, _ = run_import_command(path, "--as", "CHLOE@example.ac.uk")

    assert stdout == (
        "Columns ignored: room_booked.\n"
        "1 created, 0 updated, 0 unchanged. 1 new session had already ended and is recorded as completed.\n"
    )
    assert list(Session.objects.values_list("created_by__email", "status")) == [("chloe@example.ac.uk", "completed")]


def test_import_command_as_an_unknown_email_fails_and_writes_nothing(tmp_path, teacher, priya):
    path = tmp_path / "timetable.csv"
    path.write_bytes(VALID_FILE)

    with pytest.raises(CommandError) as failed:
        run_import_command(path, "--as", "ghost@example.ac.uk")

    assert str(failed.value) == "No member has the email ghost@example.ac.uk."
    assert Session.objects.count() == 0


def test_import_command_as_a_member_outside_the_committee_fails_and_writes_nothing(tmp_path, teacher, priya):
    path = tmp_path / "timetable.csv"
    path.write_bytes(VALID_FILE)

    with pytest.raises(CommandError) as failed:
        run_import_command(path, "--as", "tom@example.ac.uk")

    assert str(failed.value) == "tom@example.ac.uk is not on the committee."
    assert Session.objects.count() == 0


def test_import_with_a_repeated_column_is_refused(teacher):
    data = csv_file(header=REQUIRED + ",topic,topic")

    with pytest.raises(TimetableImportError) as refused:
        import_timetable(data=data, filename="t.csv")

    assert [str(e) for e in refused.value.errors] == ["Row 1: the header repeats the column(s) topic."]


def test_import_command_with_a_missing_file_fails_with_the_reason(tmp_path):
    path = tmp_path / "missing.csv"

    with pytest.raises(CommandError) as failed:
        run_import_command(path)

    assert str(failed.value) == f"Cannot read {path}: No such file or directory."


# --- The upload page ---------------------------------------------------------------------------

IMPORT_URL = reverse("teachers:import_sessions")


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_import_page_is_at_the_expected_address():
    assert IMPORT_URL == "/sessions/import/"


def test_import_page_sends_anonymous_visitors_to_sign_in(client, teacher, priya):
    response = client.post(IMPORT_URL, {"file": upload("timetable.csv", VALID_FILE)})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/sessions/import/"
    assert client.get(IMPORT_URL)["Location"] == "/accounts/login/?next=/sessions/import/"
    assert Session.objects.count() == 0


@pytest.mark.parametrize("who", ["member", "teacher"])
def test_import_page_is_forbidden_to_members_outside_the_committee(client, request, priya, who):
    request.getfixturevalue("teacher")
    client.force_login(request.getfixturevalue(who))

    assert client.get(IMPORT_URL).status_code == 403
    response = client.post(IMPORT_URL, {"file": upload("timetable.csv", VALID_FILE)})

    assert response.status_code == 403
    assert Session.objects.count() == 0


def test_import_page_for_the_committee_shows_the_form_and_the_time_zone(client, committee_member):
    client.force_login(committee_member)

    response = client.get(IMPORT_URL)

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["file"]
    assert "Times are UK local time (Europe/London), written 2027-01-12T18:00." in response.content.decode()


def test_import_page_upload_by_the_committee_imports_and_shows_the_summary(client, committee_member, teacher, priya):
    client.force_login(committee_member)

    response = client.post(IMPORT_URL, {"file": upload("timetable.csv", VALID_FILE)}, follow=True)

    assert response.redirect_chain == [(IMPORT_URL, 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Imported timetable.csv: 3 created, 0 updated, 0 unchanged."
    ]
    assert "Imported timetable.csv: 3 created, 0 updated, 0 unchanged." in response.content.decode()
    assert list(Session.objects.values_list("title", "status", "created_by__email")) == [
        ("Cardiac cycle", "published", "chloe@example.ac.uk"),
        ("Renal physiology", "published", "chloe@example.ac.uk"),
        ("Acid-base", "published", "chloe@example.ac.uk"),
    ]


def test_import_page_upload_of_an_xlsx_imports_it(client, committee_member, teacher):
    client.force_login(committee_member)
    data = xlsx_file(
        tuple(REQUIRED.split(",")),
        (
            "Anatomy",
            dt.datetime(2031, 2, 1, 9),
            dt.datetime(2031, 2, 1, 10),
            "in_person",
            1,
            "LT1",
            None,
            None,
            "tom@example.ac.uk",
        ),
    )

    response = client.post(IMPORT_URL, {"file": upload("timetable.xlsx", data)}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Imported timetable.xlsx: 1 created, 0 updated, 0 unchanged."
    ]
    assert list(Session.objects.values_list("title", "starts_at")) == [
        ("Anatomy", dt.datetime(2031, 2, 1, 9, tzinfo=UTC))
    ]


def test_import_page_with_a_bad_file_lists_every_problem_and_writes_nothing(client, before, committee_member):
    client.force_login(committee_member)
    data = csv_file(
        VALID_ROW_2,
        line(**ANATOMY | {"teacher_emails": "aisha.khan@example.ac.uk"}),
        VALID_ROW_4,
        line(**ANATOMY | {"starts_at": "2031-03-30T01:30", "ends_at": "2031-03-30T03:00"}),
    )

    response = client.post(IMPORT_URL, {"file": upload("timetable.csv", data)})

    assert response.status_code == 200
    errors = [str(error) for error in response.context["import_errors"]]
    assert errors == [
        "Row 3: aisha.khan@example.ac.uk is not an approved teacher.",
        "Row 5: starts_at 2031-03-30T01:30 does not exist in UK time (the clocks change).",
    ]
    content = response.content.decode()
    assert "Nothing was imported from timetable.csv: 2 problems to fix." in content
    for error in errors:
        assert f"<li>{error}</li>" in content
    assert Session.objects.count() == 1
    assert database() == before


def test_import_page_refuses_a_file_that_is_not_csv_or_xlsx(client, committee_member, teacher):
    client.force_login(committee_member)

    response = client.post(IMPORT_URL, {"file": upload("timetable.pdf", VALID_FILE)})

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["Upload a .csv or .xlsx file."]}
    assert Session.objects.count() == 0


# --- Query counts ------------------------------------------------------------------------------

# Measured on SQLite and PostgreSQL: 18 queries for 1 new session with two teachers, 265 for 20,
# i.e. 5 for the file (teachers, their groups, a savepoint pair, the existing sessions and their
# years and rosters) and 13 per session (the session, its years, two roster get_or_creates).
NEW_IMPORT_BASE_QUERIES = 5
NEW_IMPORT_QUERIES_PER_SESSION = 13
# Teachers, their groups, savepoint, sessions, years, rosters, release.
UNCHANGED_REIMPORT_QUERIES = 7


def timetable(count: int, *, series: str = "") -> bytes:
    return csv_file(
        *(
            line(
                title=f"Session {n}",
                starts_at=f"2031-02-{n + 1:02d}T18:00",
                ends_at=f"2031-02-{n + 1:02d}T19:00",
                format="hybrid",
                target_years="1;2",
                venue="LT1",
                meeting_url="https://zoom.us/j/1",
                capacity="30",
                online_capacity="50",
                teacher_emails="tom@example.ac.uk;priya@example.ac.uk",
                series=series,
                topic="Renal",
            )
            for n in range(count)
        )
    )


@pytest.mark.parametrize("count", [1, 20])
def test_import_of_new_sessions_runs_a_bounded_number_of_queries_per_session(
    django_assert_max_num_queries, teacher, priya, committee_member, count
):
    data = timetable(count)

    with django_assert_max_num_queries(NEW_IMPORT_BASE_QUERIES + NEW_IMPORT_QUERIES_PER_SESSION * count):
        result = import_timetable(data=data, filename="timetable.csv", imported_by=committee_member)

    assert result.created == count


@pytest.mark.parametrize("count", [1, 20])
def test_reimport_of_unchanged_sessions_runs_the_same_queries_whatever_their_number(
    django_assert_num_queries, teacher, priya, committee_member, count
):
    data = timetable(count)
    import_timetable(data=data, filename="timetable.csv", imported_by=committee_member)

    with django_assert_num_queries(UNCHANGED_REIMPORT_QUERIES):
        result = import_timetable(data=data, filename="timetable.csv", imported_by=committee_member)

    assert result.summary == f"0 created, 0 updated, {count} unchanged."


def test_reimport_of_unchanged_sessions_in_a_series_queries_the_series_once(teacher, priya, committee_member):
    # Comparing `session.series` with the row's series loads it per session (the existing sessions
    # are fetched without select_related("series")): measured 9 queries for 1 session, 28 for 20.
    def reimport_queries(count: int) -> int:
        Session.objects.all().delete()
        data = timetable(count, series="Renal revision")
        import_timetable(data=data, filename="timetable.csv", imported_by=committee_member)
        with CaptureQueriesContext(connection) as queries:
            result = import_timetable(data=data, filename="timetable.csv", imported_by=committee_member)
        assert result.summary == f"0 created, 0 updated, {count} unchanged."
        return len(queries)

    assert reimport_queries(20) == reimport_queries(1)


def test_reimporting_a_file_without_the_optional_columns_keeps_what_they_held(teacher):
    full = csv_file(
        "Cardiac,2031-01-15T18:00,2031-01-15T19:00,hybrid,1;2,LT1,https://teams.example/j,30,tom@example.ac.uk,"
        "Revision,Cardiology,Bring a stethoscope,50"
    )
    import_timetable(data=full, filename="t.csv")
    short = csv_file(
        "Cardiac,2031-01-15T18:00,2031-01-15T19:00,hybrid,1;2,LT1,https://teams.example/j,30,tom@example.ac.uk",
        header=REQUIRED,
    )

    result = import_timetable(data=short, filename="t.csv")

    assert result.summary == "0 created, 0 updated, 1 unchanged."
    session = Session.objects.get()
    assert (session.description, session.topic, session.series.title, session.online_capacity) == (
        "Bring a stethoscope",
        "Cardiology",
        "Revision",
        50,
    )


@pytest.mark.parametrize("when", ["0001-11-10T18:00", "1999-12-31T18:00", "2101-01-01T18:00"])
def test_a_session_outside_the_years_2000_to_2100_is_refused_with_its_row(teacher, when):
    row = line(
        title="Anatomy of the heart",
        starts_at=when,
        ends_at=when.replace("T18:00", "T19:00"),
        format="in_person",
        target_years="1",
        venue="LT1",
        teacher_emails="tom@example.ac.uk",
    )
    errors = import_errors(csv_file(row))
    assert any("is not in a year from 2000 to 2100" in error for error in errors)
    assert Session.objects.count() == 0


def test_text_as_long_as_each_column_allows_is_imported(teacher):
    lengths = {
        name: Session._meta.get_field(name).max_length for name in ("title", "venue", "topic", "meeting_url")
    } | {"series": Series._meta.get_field("title").max_length}
    row = line(
        title="t" * lengths["title"],
        starts_at="2031-01-20T18:00",
        ends_at="2031-01-20T19:00",
        format="hybrid",
        target_years="1",
        venue="v" * lengths["venue"],
        meeting_url="https://zoom.us/j/" + "9" * (lengths["meeting_url"] - len("https://zoom.us/j/")),
        capacity="2147483647",
        online_capacity="0",
        topic="c" * lengths["topic"],
        series="s" * lengths["series"],
        teacher_emails="tom@example.ac.uk",
    )

    import_timetable(data=csv_file(row), filename="timetable.csv")

    session = Session.objects.select_related("series").get()
    assert [len(session.title), len(session.venue), len(session.meeting_url), len(session.topic)] == [
        lengths["title"],
        lengths["venue"],
        lengths["meeting_url"],
        lengths["topic"],
    ]
    assert (len(session.series.title), session.capacity, session.online_capacity) == (lengths["series"], 2147483647, 0)


def test_a_line_break_and_a_tab_inside_a_title_become_spaces_not_errors(teacher):
    row = line(
        title="Cardiac\r\ncycle\tpart 2",
        starts_at="2031-01-20T18:00",
        ends_at="2031-01-20T19:00",
        format="in_person",
        target_years="1",
        venue="LT1",
        teacher_emails="tom@example.ac.uk",
    )

    import_timetable(data=csv_file(row), filename="timetable.csv")

    assert Session.objects.get().title == "Cardiac cycle part 2"
