"""Interview transcripts as Microsoft Teams writes them, for the transcript tests: the committed
`transcripts/interview.vtt` (WebVTT with voice tags) and a Word document built here the way a
Teams .docx transcript is laid out (a line with the speaker's name and the time, the speech below).
`python -m tests.feedback.transcript_files` writes `transcripts/interview.docx` from `DOCX_LINES`."""

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

FOLDER = Path(__file__).parent / "transcripts"

# Everything that identifies someone in the two transcripts: none of it may be stored.
IDENTIFYING = [
    *("Kwame", "Mensah", "Sarah", "Whitfield", "Priya", "Tomasz", "Amelia", "Hart", "Daniel", "Osei"),
    # the cues' times and ids, and the document's speaker lines and date
    *("00:00:03.120", "00:00:44.000", "-->", "3f1c9a2e-5b7d", "   0:29", "12 March 2026"),
]

DOCX_LINES = [
    "Transcript",
    "12 March 2026, 14:02",
    "Daniel Osei   0:03",
    "Thanks for talking to me, Amelia. How did you first come across the society?",
    "Amelia Hart   0:11",
    "A friend in year 2 sent me the link to a renal session before our exam.",
    "It was online, so I could watch it from home.",
    "Daniel Osei   0:25",
    "Has it made any difference to your studies?",
    "Amelia Hart   0:29",
    "Definitely. Hart is not a name people forget, but before the society I never asked questions.",
    "Now I ask the teachers everything, because they were in my place two years ago.",
]


def teams_docx(lines: list[str] = DOCX_LINES) -> bytes:
    """A .docx whose body holds `lines`, one paragraph each, as Word stores them."""
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>' for line in lines)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        "</Types>"
    )
    relationships = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", relationships),
            ("word/document.xml", document),
        ):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 3, 12, 14, 2, 0)), text)
    return buffer.getvalue()


def vtt() -> bytes:
    return (FOLDER / "interview.vtt").read_bytes()


if __name__ == "__main__":
    (FOLDER / "interview.docx").write_bytes(teams_docx())
