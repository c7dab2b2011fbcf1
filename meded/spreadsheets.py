"""CSV downloads that open safely in Excel and its kin.

A cell that begins with = + - @ (or a tab or carriage return) is run as a formula by spreadsheet
programs, so data typed by members could execute in a committee member's spreadsheet (CSV
injection). Such cells are prefixed with an apostrophe, which spreadsheets show as plain text.
"""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(*, filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    # A byte-order mark makes Excel read the file as UTF-8 (names with accents stay intact).
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return response


def csv_bytes(*, header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A whole CSV file as `csv_response` writes it (byte-order mark, safe cells), for a zip."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(value) for value in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")
