"""The attendance import given arbitrary reports (Teams, Zoom, a plain register, or bytes that are
none of them): it plans and applies them or refuses them with row errors, never crashes, and
writes nothing when it refuses."""

import csv
import datetime as dt
import io

import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

from attendance.enums import AttendanceStatus
from attendance.services import AttendanceImportError, apply_attendance_import, plan_attendance_import
from tests.events.factories import ProposedSessionFactory
from tests.factories import MemberFactory
from tests.fuzzing import (
    FUZZ,
    assert_clear,
    control_character,
    database,
    each_example,
    files_of,
    tables,
)

pytestmark = pytest.mark.django_db

PEOPLE = ["aisha.khan@example.ac.uk", "Ben.Jones@example.ac.uk", "cara.lee@example.ac.uk"]
emails = st.sampled_from([*PEOPLE, "visitor@gmail.com", ""])
names = st.sampled_from(["Aisha Khan", "Ben Jones", "Zoë \u674e", "Phone caller"])

ZOOM_HEADER = ["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest"]
zoom_rows = st.lists(
    st.tuples(
        names,
        emails,
        st.just("22/07/2026 19:00:00"),
        st.just("22/07/2026 19:25:00"),
        st.integers(min_value=0, max_value=1440).map(str) | st.sampled_from(["25.5", "0.1", "1440.0"]),
        st.just("No"),
    ),
    min_size=1,
    max_size=4,
)

TEAMS_HEADER = ["Name", "First Join", "Last Leave", "In-Meeting Duration", "Email", "Role"]
teams_rows = st.lists(
    st.tuples(
        names,
        st.just("7/22/26, 6:58:03 PM"),
        st.just("7/22/26, 8:00:13 PM"),
        st.sampled_from(["1h 2m 10s", "40m 12s", "15m", "45s", "01:02:03", "24h"]),
        emails,
        st.just("Attendee"),
    ),
    min_size=1,
    max_size=4,
)

PLAIN_HEADER = ["email", "status", "mode", "year_of_study"]
plain_rows = st.lists(
    st.tuples(
        st.sampled_from(PEOPLE),
        st.sampled_from([*AttendanceStatus.values, "Present"]),
        st.sampled_from(["", "online", "in_person"]),
        st.sampled_from(["", "1", "2", "6"]),
    ),
    min_size=1,
    max_size=3,
    unique_by=lambda row: row[0].lower(),
)


def teams_report(rows: list[list[str]], cut_short: bool) -> tuple[bytes, str]:
    """As Teams writes it: tab-separated UTF-16 with a byte order mark, perhaps cut off mid-character."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\n").writerows(rows)
    data = buffer.getvalue().encode("utf-16", "surrogatepass")
    return (data[:-1] if cut_short else data), "attendance.csv"


# What no meeting lasts, in minutes (Zoom) or as Teams writes it.
insane_durations = st.sampled_from(["nan", "inf", "-inf", "1e308", "-5", "1441", "25h", "9" * 12 + "h"])
# An address that matches a member but for a control character (the lookup would carry it).
spoilers = (insane_durations, st.builds(str.__add__, st.sampled_from(PEOPLE), control_character))
reports = st.one_of(
    files_of(tables(ZOOM_HEADER, zoom_rows, spoilers)),
    st.builds(teams_report, tables(TEAMS_HEADER, teams_rows, spoilers), st.booleans()),
    files_of(tables(PLAIN_HEADER, plain_rows, spoilers)),
)


@pytest.fixture
def session(db):
    return ProposedSessionFactory(online=True, starts_in=dt.timedelta(days=1))


@pytest.fixture
def baseline(session):
    for email in PEOPLE:
        MemberFactory(email=email.lower(), year_of_study=2)
    return database()


@FUZZ
@given(report=reports)
def test_attendance_import_of_any_report_applies_or_refuses_with_row_errors_and_then_writes_nothing(
    baseline, session, report
):
    data, filename = report
    with each_example():
        assert database() == baseline  # nothing left over from an earlier example
        try:
            plan = plan_attendance_import(session=session, data=data, filename=filename)
        except AttendanceImportError as refused:
            event("refused")
            note(f"refused: {refused.errors}")
            assert_clear(refused.errors)
            assert database() == baseline
        else:
            event(f"applied a {plan.kind} report")
            apply_attendance_import(session=session, plan=plan)
