"""The member import given arbitrary files: it imports them or refuses them with row errors, never
crashes, and writes nothing when it refuses."""

import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

from members.imports import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from members.services import MemberImportError, import_members
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

member_rows = st.lists(
    st.tuples(
        st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,8})?@example\.ac\.uk", fullmatch=True)
        | st.just("Aisha.Khan@example.ac.uk"),  # the `member` fixture, in another case
        st.sampled_from(["Nia", "O'Neill", "Zoë", 'Robert "Bob"', "Mary\nAnn", "N" * 150]),
        st.sampled_from(["Okoye", "Nguyễn", "Smith-Jones", "\u674e"]),
        st.sampled_from(["1", "2", "6", " 3 ", "٣"]),
        st.sampled_from(["", "teacher", "committee", "teacher;committee", "Teacher, committee"]),
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda row: row[0].lower(),
)
# An address longer than the column (254) that is otherwise valid.
long_email = st.integers(min_value=230, max_value=260).map(lambda n: "d" * n + "@example.ac.uk")
member_files = files_of(tables(HEADER, member_rows, spoilers=(long_email,)))


@pytest.fixture
def baseline(member):
    return database()


@FUZZ
@given(file=member_files, invite=st.booleans())
def test_member_import_of_any_file_imports_or_refuses_with_row_errors_and_then_writes_nothing(baseline, file, invite):
    data, filename = file
    with each_example():
        assert database() == baseline  # nothing left over from an earlier example
        try:
            result = import_members(data=data, filename=filename, invite=invite)
        except MemberImportError as refused:
            event("refused")
            note(f"refused: {refused.errors}")
            assert_clear(refused.errors)
            assert database() == baseline
        else:
            event("imported")
            note(f"imported: {result.summary}")
