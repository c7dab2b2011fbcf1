"""A certificate's document: plain JSON, drawn as the PDF (`certificates.pdf`) and as the public
verification page (`templates/certificates/document.html`) alike, so the two say the same.

    {"heading": "Teaching portfolio",
     "statement": "This certifies that …",
     "sections": [{"title": …, "table": {"columns": [...], "rows": [[...] or {"heading": …}],
                                         "numeric": [column indexes aligned right]}},
                  {"title": …, "quotes": [...]},
                  {"title": …, "paragraphs": [...]}],
     "sign_off": {"name": …, "role": …, "detail": …} or null,
     "notes": [...]}

Every value is text as it is to be read: the apps that issue certificates format their figures
and dates once, when the certificate is issued.
"""

from collections.abc import Iterable, Sequence


def heading_row(text: str) -> dict:
    """A row of a table that heads the rows after it (a session, say), across every column."""
    return {"heading": text}


def table(title: str, columns: Sequence[str], rows: Iterable, *, numeric: Sequence[int] = ()) -> dict:
    return {
        "title": title,
        "table": {
            "columns": [str(column) for column in columns],
            "rows": [row if isinstance(row, dict) else [str(cell) for cell in row] for row in rows],
            "numeric": list(numeric),
        },
    }


def quotes(title: str, items: Iterable[str]) -> dict:
    return {"title": title, "quotes": [str(item) for item in items]}


def paragraphs(title: str, items: Iterable[str]) -> dict:
    return {"title": title, "paragraphs": [str(item) for item in items]}


def document(
    *, heading: str, statement: str, sections: Iterable[dict], sign_off: dict | None = None, notes: Iterable[str] = ()
) -> dict:
    return {
        "heading": str(heading),
        "statement": str(statement),
        "sections": list(sections),
        "sign_off": {key: str(value) for key, value in sign_off.items()} if sign_off else None,
        "notes": [str(note) for note in notes],
    }


def texts(body: dict) -> list[str]:
    """Every text the document shows, in reading order (what the tests compare PDF and page on)."""
    found = [body["heading"], body["statement"]]
    for section in body["sections"]:
        found.append(section["title"])
        if "table" in section:
            found += section["table"]["columns"]
            for row in section["table"]["rows"]:
                found += [row["heading"]] if isinstance(row, dict) else row
        found += section.get("quotes", []) + section.get("paragraphs", [])
    if body.get("sign_off"):
        found += [value for value in body["sign_off"].values() if value]
    return found + body.get("notes", [])
