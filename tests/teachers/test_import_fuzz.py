"""The timetable import given arbitrary files: it imports them or refuses them with row errors,
never crashes, and writes nothing when it refuses."""

import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

from teachers.services import TimetableImportError, import_timetable
from teachers.timetable import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from tests.factories import MemberFactory
from tests.fuzzing import (
    FUZZ,
    assert_clear,
    database,
    each_example,
    files_of,
    tables,
)

pytestmark = pytest.mark.django_db

HEADER = [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]
EXISTING = {"title": "Cardiac cycle", "starts_at": "2031-01-15T18:00", "ends_at": "2031-01-15T19:30"}


@st.composite
def session_row(draw) -> list[str]:
    day = draw(st.integers(min_value=1, max_value=28))
    format_ = draw(st.sampled_from(["in_person", "online", "hybrid", "Hybrid"]))
    title, starts_at, ends_at = draw(
        st.just(tuple(EXISTING.values()))  # the session in `baseline`, to be updated
        | st.tuples(
            st.sampled_from(["Renal physiology", "Cardiac cycle", "ECG: the basics", "Zoë's \u674e", "t" * 200]),
            st.just(f"2031-02-{day:02}T18:00"),
            st.sampled_from([f"2031-02-{day:02}T19:00", f"2031-02-{day:02}T20:30+01:00"]),
        )
    )
    cells = {
        "title": title,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "format": format_,
        "target_years": draw(st.sampled_from(["1", "1;2", "2, 3", "6"])),
        "venue": draw(st.sampled_from(["Lecture Theatre 1", "Room\t3", "v" * 200])),
        "meeting_url": draw(st.sampled_from(["https://zoom.us/j/123", "https://teams.example/" + "9" * 178])),
        "capacity": draw(st.sampled_from(["", "0", "40", "2147483647"])),
        "teacher_emails": draw(st.sampled_from(["tom@example.ac.uk", "TOM@example.ac.uk;priya@example.ac.uk"])),
        "series": draw(st.sampled_from(["", "Cardiology", "s" * 200])),
        "topic": draw(st.sampled_from(["", "Cardiology", "c" * 100])),
        "description": draw(st.sampled_from(["", "Bring a stethoscope.\nAnd a pen."])),
        "online_capacity": draw(st.sampled_from(["", "25"])),
    }
    return [cells[name] for name in HEADER]


timetable_files = files_of(
    tables(
        HEADER,
        st.lists(session_row(), min_size=1, max_size=3, unique_by=lambda row: (row[0].lower(), row[1])),
        spoilers=(st.integers(min_value=2**31 - 2, max_value=10**12).map(str),),
    )
)


@pytest.fixture
def baseline(teacher, committee_member):
    MemberFactory(email="priya@example.ac.uk", year_of_study=4, roles=["teacher"])
    existing = ",".join(HEADER) + "\r\n" + f"{EXISTING['title']},{EXISTING['starts_at']},{EXISTING['ends_at']},"
    existing += "in_person,1;2,Lecture Theatre 1,,40,tom@example.ac.uk,,,,\r\n"
    import_timetable(data=existing.encode(), filename="timetable.csv", imported_by=committee_member)
    return database()


@FUZZ
@given(file=timetable_files, by_committee=st.booleans())
def test_timetable_import_of_any_file_imports_or_refuses_with_row_errors_and_then_writes_nothing(
    baseline, committee_member, file, by_committee
):
    data, filename = file
    with each_example():
        assert database() == baseline  # nothing left over from an earlier example
        try:
            result = import_timetable(
                data=data, filename=filename, imported_by=committee_member if by_committee else None
            )
        except TimetableImportError as refused:
            event("refused")
            note(f"refused: {refused.errors}")
            assert_clear(refused.errors)
            assert database() == baseline
        else:
            event("imported")
            note(f"imported: {result.summary}")
