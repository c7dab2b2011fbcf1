"""The metrics document written out: as JSON (the URL and `metrics --format json` print the same
text), as rows of a CSV (`metric,value`, one row per figure), and as readable text tables."""

import csv
import io
import json

from analytics.presentation import Table
from meded.spreadsheets import safe_cell


def document_json(doc: dict) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def document_rows(doc: dict, prefix: str = "") -> list[tuple[str, object]]:
    """Every figure as (dotted path, value): `participants.bands.years_1_2.n`, `themes.0.name`;
    lists of words (a theme's quotes) are joined by " | "."""
    rows: list[tuple[str, object]] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            rows += document_rows(value, f"{prefix}{key}.")
    elif isinstance(doc, list) and all(isinstance(item, str) for item in doc):
        rows.append((prefix.rstrip("."), " | ".join(doc)))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            rows += document_rows(value, f"{prefix}{index}.")
    else:
        rows.append((prefix.rstrip("."), "" if doc is None else doc))
    return rows


def csv_text(header: list[str], rows: list[list]) -> str:
    """CSV as the downloads write it (formula-safe cells), for the command's output."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()


def text_table(table: Table) -> str:
    """A table for a terminal: a title, then columns padded to their widest cell."""
    cells = [[str(value) for value in row] for row in [table.header, *table.rows]]
    widths = [max(len(row[i]) if i < len(row) else 0 for row in cells) for i in range(len(table.header))]
    lines = [table.title, "=" * len(table.title)]
    for index, row in enumerate(cells):
        padded = [
            value.ljust(widths[i]) if i == 0 else value.rjust(widths[i]) for i, value in enumerate(row[: len(widths)])
        ]
        lines.append("  ".join(padded).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    if not table.rows:
        lines.append("(none)")
    return "\n".join(lines) + "\n"
