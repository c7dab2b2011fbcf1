"""Every certificate's PDF (reportlab): one A4 layout for teaching certificates, portfolios and
attendance certificates, drawn from the certificate's document (`certificates.document`) — the
same document the verification page shows — with the society's name, the date issued, the
verification code and a QR code of the verification link."""

import io
from xml.sax.saxutils import escape  # reportlab Paragraphs read XML-like markup

import segno
from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from certificates.models import Certificate
from meded.links import url_for

TEAL = colors.HexColor("#0f6e74")
INK = colors.HexColor("#1d2327")
MUTED = colors.HexColor("#5a6469")
RULE = colors.HexColor("#c9d6d8")
TINT = colors.HexColor("#eef5f6")
MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN

STYLES = {
    "society": ParagraphStyle("society", fontName="Helvetica-Bold", fontSize=10, leading=13, textColor=TEAL),
    "tagline": ParagraphStyle("tagline", fontName="Helvetica", fontSize=8.5, leading=11, textColor=MUTED),
    "heading": ParagraphStyle("heading", fontName="Helvetica-Bold", fontSize=24, leading=29, textColor=INK),
    "name": ParagraphStyle("name", fontName="Helvetica-Bold", fontSize=16, leading=20, textColor=TEAL),
    "body": ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=14, textColor=INK),
    "section": ParagraphStyle(
        "section", fontName="Helvetica-Bold", fontSize=11.5, leading=15, textColor=TEAL, spaceBefore=4, spaceAfter=4
    ),
    "cell": ParagraphStyle("cell", fontName="Helvetica", fontSize=8.5, leading=10.5, textColor=INK),
    "cell_right": ParagraphStyle(
        "cell_right", fontName="Helvetica", fontSize=8.5, leading=10.5, textColor=INK, alignment=TA_RIGHT
    ),
    "head": ParagraphStyle("head", fontName="Helvetica-Bold", fontSize=8.5, leading=10.5, textColor=INK),
    "head_right": ParagraphStyle(
        "head_right", fontName="Helvetica-Bold", fontSize=8.5, leading=10.5, textColor=INK, alignment=TA_RIGHT
    ),
    "group": ParagraphStyle("group", fontName="Helvetica-Bold", fontSize=8.5, leading=10.5, textColor=TEAL),
    "quote": ParagraphStyle(
        "quote", fontName="Helvetica-Oblique", fontSize=9.5, leading=13, textColor=INK, leftIndent=4 * mm
    ),
    "small": ParagraphStyle("small", fontName="Helvetica", fontSize=8, leading=10.5, textColor=MUTED),
    "qr_caption": ParagraphStyle(
        "qr_caption", fontName="Helvetica", fontSize=7, leading=9, textColor=MUTED, alignment=TA_CENTER
    ),
    "label": ParagraphStyle("label", fontName="Helvetica", fontSize=8, leading=10, textColor=MUTED),
    "signer": ParagraphStyle("signer", fontName="Helvetica-Bold", fontSize=11, leading=14, textColor=INK),
    "code": ParagraphStyle("code", fontName="Courier-Bold", fontSize=12, leading=15, textColor=INK),
    "revoked": ParagraphStyle(
        "revoked", fontName="Helvetica-Bold", fontSize=11, leading=15, textColor=colors.HexColor("#a4161a")
    ),
}


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(escape(text), STYLES[style])


class QrCode(Flowable):
    """A QR code drawn as vector squares from segno's matrix (the library the check-in screen
    uses), so it prints sharp at any size and needs no image library."""

    def __init__(self, data: str, size: float):
        super().__init__()
        self.matrix = segno.make(data, error="m").matrix
        self.size = size

    def wrap(self, available_width, available_height):
        return self.size, self.size

    def draw(self):
        border = 2  # modules of quiet zone inside the drawn square
        count = len(self.matrix) + 2 * border
        module = self.size / count
        canvas = self.canv
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        for row_index, row in enumerate(self.matrix):
            y = self.size - (row_index + border + 1) * module
            for column_index, dark in enumerate(row):
                if dark:
                    canvas.rect((column_index + border) * module, y, module, module, stroke=0, fill=1)


def _table(spec: dict) -> Table:
    columns, numeric = spec["columns"], set(spec.get("numeric", []))
    rows = [[_p(c, "head_right" if i in numeric else "head") for i, c in enumerate(columns)]]
    style = [
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, TEAL),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for row in spec["rows"]:
        if isinstance(row, dict):
            index = len(rows)
            rows.append([_p(row["heading"], "group")] + [""] * (len(columns) - 1))
            style += [("SPAN", (0, index), (-1, index)), ("BACKGROUND", (0, index), (-1, index), TINT)]
        else:
            rows.append([_p(cell, "cell_right" if i in numeric else "cell") for i, cell in enumerate(row)])
    # The first text column takes what the others leave; the others are sized to their content.
    widths = _widths(spec)
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def _widths(spec: dict) -> list[float]:
    """Each column as wide as its longest text (within limits); the `stretch` column (the second
    by default: the session, or the question, after a date) takes the rest of the line."""
    columns = spec["columns"]
    cells = [row for row in spec["rows"] if not isinstance(row, dict)]
    padding = 7
    natural = [
        max([stringWidth(columns[i], "Helvetica-Bold", 8.5)] + [stringWidth(row[i], "Helvetica", 8.5) for row in cells])
        + padding
        for i in range(len(columns))
    ]
    stretch = spec.get("stretch", 1 if len(columns) > 1 else 0)
    widths = [min(width, 45 * mm) for width in natural]
    widths[stretch] = 0
    widths[stretch] = max(WIDTH - sum(widths), 35 * mm)
    scale = min(1, WIDTH / sum(widths))
    return [width * scale for width in widths]


def _header(link: str) -> Table:
    """The society on the left; the QR code of the verification link on the right, on the first
    page whatever the length of what follows."""
    qr_size = 26 * mm
    header = Table(
        [
            [
                [_p(settings.SOCIETY_NAME.upper(), "society"), _p("Near-peer teaching society", "tagline")],
                [QrCode(link, qr_size), _p("Scan to verify", "qr_caption")],
            ]
        ],
        colWidths=[WIDTH - qr_size, qr_size],
        hAlign="LEFT",
    )
    header.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return header


def _sign_off_and_check(certificate: Certificate, link: str) -> Table:
    """Who signed it off (left); when it was issued, its code and where to check it (right)."""
    body = certificate.body
    left = []
    if body.get("sign_off"):
        sign_off = body["sign_off"]
        left += [_p("Signed off by", "label"), _p(sign_off["name"], "signer"), _p(sign_off["role"], "body")]
        if sign_off.get("detail"):
            left.append(_p(sign_off["detail"], "small"))
    issued = timezone.localtime(certificate.issued_at)
    right = [
        _p("Date issued", "label"),
        _p(f"{issued.day} {issued:%B %Y}", "body"),
        Spacer(1, 2 * mm),
        _p("Verification code", "label"),
        _p(certificate.code, "code"),
        _p(f"Check this certificate at {link}", "small"),
    ]
    if certificate.is_revoked:
        revoked = timezone.localtime(certificate.revoked_at)
        right.append(_p(f"Revoked on {revoked.day} {revoked:%B %Y}.", "revoked"))
    # Without a sign-off (a certificate of attendance), the date and code take the left column.
    block = Table([[left, right] if left else [right, ""]], colWidths=[WIDTH / 2, WIDTH / 2], hAlign="LEFT")
    block.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, TEAL),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, -1), 8),
                ("RIGHTPADDING", (1, 0), (1, -1), 0),
            ]
        )
    )
    return block


def _page(canvas, document, *, code: str):
    canvas.saveState()
    canvas.setFillColor(TEAL)
    canvas.rect(0, A4[1] - 6 * mm, A4[0], 6 * mm, stroke=0, fill=1)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, 13 * mm, A4[0] - MARGIN, 13 * mm)
    canvas.setFont("Helvetica", 7.5)
    canvas.setFillColor(MUTED)
    canvas.drawString(MARGIN, 9 * mm, f"{settings.SOCIETY_NAME} · verification code {code}")
    canvas.drawRightString(A4[0] - MARGIN, 9 * mm, f"Page {document.page}")
    canvas.restoreState()


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as an A4 PDF."""
    body = certificate.body
    link = url_for("certificates:verify", certificate.code)
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=16 * mm,
        bottomMargin=20 * mm,
        title=f"{body['heading']} – {certificate.holder_name}",
        author=settings.SOCIETY_NAME,
        subject=f"Verification code {certificate.code}",
    )
    story = [
        _header(link),
        Spacer(1, 2 * mm),
        _p(body["heading"], "heading"),
        Spacer(1, 2 * mm),
        _p(certificate.holder_name, "name"),
        Spacer(1, 4 * mm),
        _p(body["statement"], "body"),
        Spacer(1, 5 * mm),
    ]
    for section in body["sections"]:
        parts = [_p(section["title"], "section")]
        if "table" in section:
            parts.append(_table(section["table"]))
        for quote in section.get("quotes", []):
            parts += [_p(f"“{quote}”", "quote"), Spacer(1, 2 * mm)]
        for paragraph in section.get("paragraphs", []):
            parts += [_p(paragraph, "body"), Spacer(1, 1.5 * mm)]
        # A section's title never ends a page alone: a table breaks between rows (repeating its
        # header) once a few of them fit under the title; quotes and paragraphs move whole.
        story.append(CondPageBreak(30 * mm))
        story += parts if "table" in section else [KeepTogether(parts)]
        story.append(Spacer(1, 4 * mm))
    # The sign-off before the notes on how to read the figures: on the first page when it fits.
    story += [KeepTogether([_sign_off_and_check(certificate, link)]), Spacer(1, 4 * mm)]
    for note in body.get("notes", []):
        story += [_p(note, "small"), Spacer(1, 1 * mm)]
    on_page = lambda canvas, document: _page(canvas, document, code=certificate.code)  # noqa: E731 -- reportlab's callback
    pdf.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
