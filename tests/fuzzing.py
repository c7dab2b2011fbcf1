"""What the imports' property-based tests share: Hypothesis settings, awkward cell text, files
built from cells, and a check that a refused import wrote nothing.

Every import takes a file from a committee member, so every import must either succeed or refuse
with its own error (a message a row at a time); any other exception is a crash the uploader sees.
"""

import csv
import io
import os
from contextlib import contextmanager

from django.apps import apps
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from meded.spreadsheets import RowError

# Locally every run tries new examples. In CI the same examples every time (derandomize): a
# submission is not failed by a finding unrelated to it, and new findings come from runs here.
FUZZ = settings(
    max_examples=50,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    # The fixtures (a member, a teacher, a session) are made once and shared by the examples on
    # purpose: each example runs in a savepoint that is rolled back (see `each_example`).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Surrogates are left out of Hypothesis's text unless asked for; a cell may hold one once decoded
# (the files below are written with "surrogatepass", as a broken exporter would write them).
_ANY_CHARACTER = st.characters() | st.characters(categories=["Cs"])
any_text = st.text(_ANY_CHARACTER, max_size=20)

# Values that broke an import once, or that sit on a boundary.
AWKWARD = (
    "",
    " ",
    "\x00",
    "Ann\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\ud800",
    "\udfff",
    "\t",
    "\r\n",
    "\u2028",
    "\ufeff",
    "²",
    "٣",
    "1_0",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "-1e308",
    "1e300",
    "-1",
    "0",
    "2147483647",
    "2147483648",
    "99999999999",
    "9" * 5000,
    '"',
    '"unclosed',
    "=1+1",
    "0001-01-01T00:00",
    "1999-12-31T23:59",
    "2000-01-01T03:00+05:00",
    "2100-12-31T23:30-05:00",
    "9999-12-31T23:59:59",
    "2031-03-30T01:30",
    "2031-02-30T18:00",
    "99h 99m 99s",
    "999999999h",
)
awkward = st.sampled_from(AWKWARD)
# A character no import may store: NUL half the time, as PostgreSQL refuses it in text outright.
control_character = st.just("\x00") | st.sampled_from(["\x01", "\x08", "\x0b", "\x1f", "\x7f", "\x9f", "\ud800"])
with_control_character = st.tuples(st.text(max_size=6), control_character, st.text(max_size=6)).map("".join)
long_text = st.integers(min_value=95, max_value=300).map(lambda n: "x" * n)
numbers = st.integers(min_value=-(10**12), max_value=10**20).map(str) | st.floats().map(str)


def cell(*plausible: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A cell: mostly a plausible value (so some files import), else anything awkward."""
    return st.one_of(*plausible, awkward, with_control_character, any_text, long_text, numbers)


@st.composite
def tables(
    draw,
    header: list[str],
    valid_rows: st.SearchStrategy[list[list[str]]],
    spoilers: tuple[st.SearchStrategy[str], ...] = (),
) -> list[list[str]]:
    """The header, then rows: all valid, or valid with a few cells spoilt, or of any shape at all.
    Spoilt cells (and, now and then, a spoilt header) find the crashes, `spoilers` adding values
    particular to the import; the valid files show that each example's writes are undone before
    the next."""
    header = list(header)
    rows = [list(row) for row in draw(valid_rows)]
    # Mostly one spoilt cell in an otherwise valid file: a value that reaches the database only
    # when every other cell of the file is valid.
    kind = draw(st.sampled_from(["valid", "spoilt", "spoilt", "spoilt", "spoilt", "shapeless"]))
    if kind == "spoilt":
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            row = draw(st.sampled_from(rows))
            column = draw(st.integers(min_value=0, max_value=len(row) - 1))
            row[column] = draw(_spoilt(row[column], spoilers))
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            header[draw(st.integers(min_value=0, max_value=len(header) - 1))] = draw(cell())
    elif kind == "shapeless":
        rows = draw(st.lists(st.lists(cell(), max_size=len(header) + 2), max_size=4))
    return [header, *rows]


@st.composite
def _spoilt(draw, value: str, spoilers: tuple[st.SearchStrategy[str], ...]) -> str:
    """`value` with a control character slipped in, made longer, or replaced by anything."""
    how = draw(st.sampled_from(["control character", "control character", "longer", "replaced"]))
    if how == "control character":
        at = draw(st.integers(min_value=0, max_value=len(value)))
        return value[:at] + draw(control_character) + value[at:]
    if how == "longer":
        return value + draw(long_text)
    return draw(cell(*spoilers))


def csv_bytes(rows: list[list[str]]) -> bytes:
    """A CSV as Excel writes it, in UTF-8; a lone surrogate is written as its (invalid) bytes."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    """A workbook of the rows. XML cannot carry control characters or surrogates, so they are
    left out, as Excel leaves them out."""
    workbook = Workbook()
    for row in rows:
        workbook.active.append(
            [ILLEGAL_CHARACTERS_RE.sub("", value).encode("utf-8", "ignore").decode() for value in row]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@st.composite
def files_of(draw, rows: st.SearchStrategy[list[list[str]]]) -> tuple[bytes, str]:
    """(data, filename): the rows as a CSV (most often: only a CSV can carry a control character)
    or a workbook, or bytes that are neither."""
    kind = draw(st.sampled_from(["csv", "csv", "csv", "xlsx", "bytes"]))
    if kind == "csv":
        return csv_bytes(draw(rows)), "upload.csv"
    if kind == "xlsx":
        return xlsx_bytes(draw(rows)), "upload.xlsx"
    start = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"PK\x03\x04"]))
    return start + draw(st.binary(max_size=200)), draw(st.sampled_from(["upload.csv", "upload.xlsx"]))


def database() -> dict[str, list[dict]]:
    """Every row of every table, so an import that refused can be shown to have written nothing,
    and an example to have left nothing for the next."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
    }


@contextmanager
def each_example():
    """Run one example inside a savepoint that is always rolled back: the test's own transaction
    (pytest-django's) holds the fixtures, and each example starts from them."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def assert_clear(errors: list[RowError]) -> None:
    """Refused with at least one message, each for the file (row 0) or a row of it."""
    assert errors
    for error in errors:
        assert isinstance(error, RowError)
        assert error.row_number >= 0
        assert str(error).strip()
