"""The teaching certificate as a PDF (reportlab), drawn from the certificate's snapshot."""

import datetime as dt
import io
from decimal import Decimal
from xml.sax.saxutils import escape  # reportlab Paragraphs read XML-like markup

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from meded.links import url_for
from teachers.models import TeachingCertificate


def verification_url(certificate: TeachingCertificate) -> str:
    return url_for("teachers:verify", certificate.code)


def _hours(value) -> str:
    hours = Decimal(value).normalize()
    return f"{hours:f}"


def certificate_pdf(certificate: TeachingCertificate) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"Teaching certificate – {certificate.teacher_name}",
        author=settings.SOCIETY_NAME,
    )
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=9, textColor=colors.HexColor("#444444"))
    issued = timezone.localtime(certificate.issued_at)
    story = [
        Paragraph(f"{escape(settings.SOCIETY_NAME)} near-peer teaching", styles["Heading3"]),
        Paragraph("Certificate of teaching", styles["Title"]),
        Spacer(1, 6 * mm),
        Paragraph(
            f"This certifies that <b>{escape(certificate.teacher_name)}</b> taught "
            f"<b>{certificate.session_count}</b> session{'s' if certificate.session_count != 1 else ''}, "
            f"<b>{_hours(certificate.hours)}</b> hours in all, as a student-teacher of the society.",
            styles["BodyText"],
        ),
        Spacer(1, 6 * mm),
    ]
    rows = [["Date", "Session", "Role", "Attendees", "Hours"]]
    for entry in certificate.sessions:
        day = dt.date.fromisoformat(entry["date"])
        rows.append(
            [
                f"{day.day} {day:%B %Y}",
                Paragraph(escape(entry["title"]), styles["BodyText"]),
                entry["role"],
                str(entry.get("attendees", "")),
                _hours(entry["hours"]),
            ]
        )
    table = Table(rows, colWidths=[30 * mm, 80 * mm, 24 * mm, 20 * mm, 16 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (-2, 0), (-1, -1), "RIGHT"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f6f7")]),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 8 * mm),
        Paragraph(f"Issued on {issued.day} {issued:%B %Y}.", styles["BodyText"]),
        Paragraph(f"Verification code: <b>{certificate.code}</b>", styles["BodyText"]),
        Paragraph(f"Check this certificate at {verification_url(certificate)}", small),
    ]
    document.build(story)
    return buffer.getvalue()
