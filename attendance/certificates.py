"""An attendance certificate as a PDF (reportlab)."""

import io
from xml.sax.saxutils import escape  # reportlab Paragraphs read XML-like markup

from django.conf import settings
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from attendance.models import Registration


def attendance_certificate_pdf(registration: Registration) -> bytes:
    session, member = registration.session, registration.member
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    teachers = ", ".join(entry.teacher.get_full_name() for entry in session.roster.select_related("teacher"))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=25 * mm,
        title=f"Certificate of attendance – {session.title}",
        author=settings.SOCIETY_NAME,
    )
    styles = getSampleStyleSheet()
    hours = f"{round(session.duration_hours, 2):g}"
    story = [
        Paragraph(f"{escape(settings.SOCIETY_NAME)} near-peer teaching", styles["Heading3"]),
        Paragraph("Certificate of attendance", styles["Title"]),
        Spacer(1, 8 * mm),
        Paragraph(
            f"This certifies that <b>{escape(member.get_full_name() or member.email)}</b> attended "
            f"<b>{escape(session.title)}</b> on {start.day} {start:%B %Y}, {start:%H:%M}–{end:%H:%M} "
            f"({hours} hour{'' if hours == '1' else 's'}), "
            f"{'online' if registration.attended_mode == 'online' else 'in person'}.",
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
    ]
    if teachers:
        story.append(Paragraph(f"Taught by {escape(teachers)}.", styles["BodyText"]))
    story.append(Paragraph(f"Issued on {timezone.localdate():%-d %B %Y}.", styles["BodyText"]))
    document.build(story)
    return buffer.getvalue()
