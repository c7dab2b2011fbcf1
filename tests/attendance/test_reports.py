"""Importing online attendance: a Teams report (UTF-16, tabs, sections), a Zoom export, a plain CSV."""

import datetime as dt
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from attendance.models import Registration
from attendance.reports import duration_seconds, read_report
from attendance.services import (
    AttendanceImportError,
    apply_attendance_import,
    plan_attendance_import,
    register,
)
from tests.events.factories import ProposedSessionFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

# A Teams attendance report as downloaded: UTF-16 with a BOM, tab-separated, three sections, US dates.
TEAMS = "\n".join(
    [
        "1. Summary",
        "Meeting title\tRenal physiology",
        "Attended participants\t4",
        "Start time\t7/22/26, 6:58:03 PM",
        "Meeting duration\t1h 2m 10s",
        "",
        "2. Participants",
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole",
        "Aisha Khan\t7/22/26, 6:58:03 PM\t7/22/26, 8:00:13 PM\t1h 2m 10s\tAisha.Khan@example.ac.uk\t\tPresenter",
        "Ben Jones\t7/22/26, 7:00:11 PM\t7/22/26, 7:50:00 PM\t40m 12s\tben.jones@example.ac.uk\t\tAttendee",
        "Cara Lee\t7/22/26, 7:40:00 PM\t7/22/26, 7:55:00 PM\t15m\tcara.lee@example.ac.uk\t\tAttendee",
        "Guest Visitor\t7/22/26, 7:05:00 PM\t7/22/26, 7:45:00 PM\t40m\tvisitor@gmail.com\t\tAttendee",
        "",
        "3. In-Meeting Activities",
        "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole",
        "Aisha Khan\t7/22/26, 6:58:03 PM\t7/22/26, 8:00:13 PM\t1h 2m 10s\tAisha.Khan@example.ac.uk\tPresenter",
        "Ben Jones\t7/22/26, 7:00:11 PM\t7/22/26, 7:20:00 PM\t19m 49s\tben.jones@example.ac.uk\tAttendee",
        "Ben Jones\t7/22/26, 7:29:37 PM\t7/22/26, 7:50:00 PM\t20m 23s\tben.jones@example.ac.uk\tAttendee",
        "Cara Lee\t7/22/26, 7:40:00 PM\t7/22/26, 7:55:00 PM\t15m\tcara.lee@example.ac.uk\tAttendee",
        "Guest Visitor\t7/22/26, 7:05:00 PM\t7/22/26, 7:45:00 PM\t40m\tvisitor@gmail.com\tAttendee",
        "Phone caller\t7/22/26, 7:05:00 PM\t7/22/26, 7:45:00 PM\t40m\t\tAttendee",
    ]
).encode("utf-16")

# A Zoom participants export: one row per join.
ZOOM = (
    b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"
    b"Aisha Khan,aisha.khan@example.ac.uk,22/07/2026 19:00:11,22/07/2026 19:25:00,25,No\r\n"
    b"Aisha Khan,aisha.khan@example.ac.uk,22/07/2026 19:30:00,22/07/2026 20:00:00,30,No\r\n"
    b"Ben Jones,ben.jones@example.ac.uk,22/07/2026 19:00:00,22/07/2026 19:10:00,10,No\r\n"
)


@pytest.fixture
def session():
    return ProposedSessionFactory(online=True, starts_in=dt.timedelta(days=1))


@pytest.fixture
def people():
    return {
        name: MemberFactory(email=f"{name}@example.ac.uk", year_of_study=2)
        for name in ("aisha.khan", "ben.jones", "cara.lee")
    }


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1h 27m 51s", 5271), ("27m 5s", 1625), ("45s", 45), ("15m", 900), ("01:02:03", 3723), ("soon", None)],
)
def test_durations_as_teams_writes_them(text, seconds):
    assert duration_seconds(text) == seconds


def test_teams_report_adds_up_rejoins_and_matches_emails_in_any_case(session, people):
    report = read_report(data=TEAMS, filename="attendance.csv")
    assert report.kind == "teams"
    assert report.participants["ben.jones@example.ac.uk"].seconds == 19 * 60 + 49 + 20 * 60 + 23

    plan = plan_attendance_import(session=session, data=TEAMS, filename="attendance.csv")

    assert [m.email for m, _ in plan.present] == ["aisha.khan@example.ac.uk", "ben.jones@example.ac.uk"]
    assert [m.email for m, _ in plan.too_short] == ["cara.lee@example.ac.uk"]  # 15 of 60 minutes
    assert plan.unmatched == ["Guest Visitor <visitor@gmail.com>", "Phone caller (no email)"]


def test_applying_a_teams_report_records_present_online_and_adds_those_not_registered(session, people):
    register(session=session, member=people["aisha.khan"])
    plan = plan_attendance_import(session=session, data=TEAMS, filename="attendance.csv")
    apply_attendance_import(session=session, plan=plan)

    rows = {r.member.email: r for r in Registration.objects.select_related("member")}
    assert {email: (r.attendance, r.attended_mode, r.attendance_source) for email, r in rows.items()} == {
        "aisha.khan@example.ac.uk": ("present", "online", "import"),
        "ben.jones@example.ac.uk": ("present", "online", "import"),
    }
    assert rows["ben.jones@example.ac.uk"].is_walk_in is True


def test_zoom_export_adds_up_rejoins(session, people):
    plan = plan_attendance_import(session=session, data=ZOOM, filename="participants.csv")
    assert plan.kind == "zoom"
    assert [(m.email, s) for m, s in plan.present] == [("aisha.khan@example.ac.uk", 55 * 60)]
    assert [m.email for m, _ in plan.too_short] == ["ben.jones@example.ac.uk"]


def test_plain_register_creates_registrations_with_mode_and_year(session, people):
    data = (
        b"email,status,mode,year_of_study\n"
        b"AISHA.KHAN@example.ac.uk,late,in_person,1\n"
        b"ben.jones@example.ac.uk,excused,,\n"
    )
    apply_attendance_import(session=session, plan=plan_attendance_import(session=session, data=data, filename="r.csv"))
    rows = {
        r.member.email: (r.attendance, r.mode, r.year_of_study, r.attended_mode) for r in Registration.objects.all()
    }
    assert rows == {
        "aisha.khan@example.ac.uk": ("late", "in_person", 1, "in_person"),
        "ben.jones@example.ac.uk": ("excused", "online", 2, ""),
    }


def test_a_plain_register_with_any_bad_row_writes_nothing(session, people):
    data = (
        b"email,status\n"
        b"aisha.khan@example.ac.uk,present\n"
        b"nobody@example.ac.uk,present\n"
        b"ben.jones@example.ac.uk,asleep\n"
        b"aisha.khan@example.ac.uk,late\n"
    )
    with pytest.raises(AttendanceImportError) as refused:
        plan_attendance_import(session=session, data=data, filename="r.csv")
    assert [str(e) for e in refused.value.errors] == [
        "Row 3: no member has the email nobody@example.ac.uk.",
        "Row 4: status “asleep” is not one of present, late, absent, excused.",
        "Row 5: “aisha.khan@example.ac.uk” already appears in row 2.",
    ]
    assert Registration.objects.count() == 0


def test_an_unrecognised_file_is_refused(session):
    with pytest.raises(AttendanceImportError, match="not a Teams attendance report"):
        plan_attendance_import(session=session, data=b"name,score\nA,1\n", filename="x.csv")


def test_the_command_previews_with_dry_run_and_imports(session, people, tmp_path):
    path = tmp_path / "attendance.csv"
    path.write_bytes(TEAMS)
    out = StringIO()
    call_command("import_attendance", str(session.pk), str(path), "--dry-run", stdout=out)
    assert "Teams report: 2 present (at least 30 min), 1 too short, 2 not matched to a member." in out.getvalue()
    assert "  not matched: Guest Visitor <visitor@gmail.com>" in out.getvalue()
    assert Registration.objects.count() == 0
    call_command("import_attendance", str(session.pk), str(path), stdout=StringIO())
    assert Registration.objects.filter(attendance="present").count() == 2
    with pytest.raises(CommandError, match="No session has the id 999999"):
        call_command("import_attendance", "999999", str(path))


def test_the_page_previews_then_applies_and_only_staff_may(client, session, people):
    client.force_login(MemberFactory(year_of_study=2))
    url = reverse("attendance:import_report", args=[session.pk])
    assert client.get(url).status_code == 403
    client.force_login(session.created_by)

    preview = client.post(url, {"file": SimpleUploadedFile("attendance.csv", TEAMS)})
    content = preview.content.decode()
    assert "Guest Visitor &lt;visitor@gmail.com&gt;" in content
    assert Registration.objects.count() == 0

    refused = client.post(url, {"apply": "1", "nonce": "from another tab"}, follow=True)
    assert "the preview has expired" in refused.content.decode()
    assert Registration.objects.count() == 0

    response = client.post(url, {"apply": "1", "nonce": preview.context["nonce"]}, follow=True)
    assert "Attendance from attendance.csv has been recorded." in response.content.decode()
    assert Registration.objects.filter(attendance="present", attendance_source="import").count() == 2


def test_the_preview_of_a_plain_register_says_each_status_in_words(client, session, people):
    client.force_login(session.created_by)
    url = reverse("attendance:import_report", args=[session.pk])
    register = b"email,status\naisha.khan@example.ac.uk,present\nBEN.JONES@example.ac.uk,LATE\n"

    preview = client.post(url, {"file": SimpleUploadedFile("register.csv", register)}).content.decode()

    assert "— Present</li>" in preview and "— Late</li>" in preview
    assert "— present" not in preview and "— late" not in preview
    assert "present online" not in preview  # a register sets statuses; it is not a meeting report


ZOOM_WITH_MEETING_DATA = (
    b"Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\r\n"
    b"812 3456,Renal,22/07/2026 19:00,22/07/2026 20:00,host@example.ac.uk,60,3\r\n"
    b"\r\n"
    b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"
    b"Aisha Khan,aisha.khan@example.ac.uk,22/07/2026 19:00,22/07/2026 19:55,55,No\r\n"
    b"Ben Jones,ben.jones@example.ac.uk,22/07/2026 19:00,22/07/2026 19:50,50,No\r\n"
)


def test_zoom_export_with_meeting_data_reads_the_participants_table(session, people):
    plan = plan_attendance_import(session=session, data=ZOOM_WITH_MEETING_DATA, filename="zoom.csv")
    assert [m.email for m, _ in plan.present] == ["aisha.khan@example.ac.uk", "ben.jones@example.ac.uk"]
    assert plan.unmatched == []


def test_zoom_export_without_emails_lists_everyone_as_unmatched(session, people):
    data = b"Name (Original Name),Join Time,Duration (Minutes)\r\nAisha Khan,19:00,55\r\n"
    plan = plan_attendance_import(session=session, data=data, filename="zoom.csv")
    assert (plan.present, plan.unmatched) == ([], ["Aisha Khan (no email)"])


def test_a_bare_teams_participants_sheet_is_read(session, people):
    data = "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\nAisha Khan\tx\ty\t55m\taisha.khan@example.ac.uk\n"
    plan = plan_attendance_import(session=session, data=data.encode("utf-16"), filename="participants.csv")
    assert [m.email for m, _ in plan.present] == ["aisha.khan@example.ac.uk"]


def test_a_report_does_not_overwrite_an_in_person_check_in(session, people):
    from attendance.services import check_in

    registration = register(session=session, member=people["aisha.khan"])
    session.starts_at = timezone.now() - dt.timedelta(minutes=20)
    session.ends_at = session.starts_at + dt.timedelta(hours=1)
    session.save()
    check_in(session=session, member=people["aisha.khan"], source="qr")
    apply_attendance_import(session=session, plan=plan_attendance_import(session=session, data=ZOOM, filename="z.csv"))
    registration.refresh_from_db()
    assert (registration.attendance, registration.attendance_source) == ("late", "qr")


# --- Files that must be refused with a message, not crash -------------------------------------

NOT_TEXT = (
    "The file is not valid UTF-16 or UTF-8 text: download the report again, or save it as “CSV UTF-8”, and try again."
)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(TEAMS + b"\x00", id="utf-16-of-odd-length"),
        pytest.param(
            "\ufeffName\tEmail\n\ud800\tx@example.ac.uk\n".encode("utf-16-le", "surrogatepass"), id="lone-surrogate"
        ),
        pytest.param(
            b"\xfe\xff" + "Name\tEmail\n\udc00".encode("utf-16-be", "surrogatepass"), id="big-endian-surrogate"
        ),
        pytest.param("Name,Email\nZoë,zoe@example.ac.uk\n".encode("latin-1"), id="latin-1"),
    ],
)
def test_a_file_that_is_not_valid_utf16_or_utf8_is_refused_as_a_whole(session, people, data):
    with pytest.raises(AttendanceImportError) as refused:
        plan_attendance_import(session=session, data=data, filename="attendance.csv")

    assert [str(error) for error in refused.value.errors] == [NOT_TEXT]


@pytest.mark.parametrize("minutes", ["nan", "inf", "-inf", "1e308", "1e300", "-5", "1441"])
def test_a_zoom_duration_that_is_not_a_sane_number_of_minutes_is_a_row_error(session, people, minutes):
    data = ZOOM + f"Cara Lee,cara.lee@example.ac.uk,22/07/2026 19:00:00,22/07/2026 19:10:00,{minutes},No\r\n".encode()

    with pytest.raises(AttendanceImportError) as refused:
        plan_attendance_import(session=session, data=data, filename="participants.csv")

    assert [str(error) for error in refused.value.errors] == [
        f"Row 5: the duration “{minutes}” is not a number of minutes from 0 to 1440."
    ]
    assert Registration.objects.count() == 0


def test_a_zoom_duration_of_a_whole_day_is_read(session, people):
    data = ZOOM + b"Cara Lee,cara.lee@example.ac.uk,22/07/2026 19:00:00,23/07/2026 19:00:00,1440,No\r\n"

    plan = plan_attendance_import(session=session, data=data, filename="participants.csv")

    assert ("cara.lee@example.ac.uk", 1440 * 60) in [(m.email, s) for m, s in plan.present]


def test_a_teams_duration_longer_than_a_day_is_a_row_error(session, people):
    data = "Name\tIn-Meeting Duration\tEmail\nAisha Khan\t25h 0m 1s\taisha.khan@example.ac.uk\n"

    with pytest.raises(AttendanceImportError) as refused:
        plan_attendance_import(session=session, data=data.encode("utf-16"), filename="participants.csv")

    assert [str(error) for error in refused.value.errors] == [
        "Row 2: the duration “25h 0m 1s” is longer than 24 hours."
    ]


def test_a_teams_duration_with_thousands_of_digits_is_not_read_as_a_duration():
    assert duration_seconds("9" * 5000 + "h") is None


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(
            ZOOM + b"Cara Lee,cara.lee@example.ac.uk\x00,22/07/2026 19:00:00,22/07/2026 19:10:00,10,No\r\n",
            "Row 5: column B contains an invisible control character (U+0000), which is not allowed.",
            id="nul-in-a-zoom-email",
        ),
        pytest.param(
            "Name\tIn-Meeting Duration\tEmail\nAisha\x00 Khan\t55m\taisha.khan@example.ac.uk\n".encode("utf-16"),
            "Row 2: column A contains an invisible control character (U+0000), which is not allowed.",
            id="nul-in-a-teams-name",
        ),
        pytest.param(
            b"email,status,year_of_study\naisha.khan@example.ac.uk,present,\xc2\xb2\n",
            "Row 2: year of study “²” is not a whole number from 1 to 6.",
            id="superscript-year-in-a-register",
        ),
    ],
)
def test_a_report_with_a_bad_cell_is_refused_with_its_row(session, people, data, error):
    with pytest.raises(AttendanceImportError) as refused:
        plan_attendance_import(session=session, data=data, filename="attendance.csv")

    assert [str(e) for e in refused.value.errors] == [error]
