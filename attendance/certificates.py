"""What a certificate of attendance says (a `certificates.document`)."""

from django.conf import settings
from django.utils import timezone

from attendance.enums import Mode
from attendance.models import Registration
from certificates import document


def attendance_certificate_body(registration: Registration) -> dict:
    session, member = registration.session, registration.member
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    teachers = ", ".join(entry.teacher.get_full_name() for entry in session.roster.select_related("teacher"))
    hours = f"{round(session.duration_hours, 2):g}"
    mode = "online" if registration.attended_mode == Mode.ONLINE else "in person"
    return document.document(
        heading="Certificate of attendance",
        statement=(
            f"This certifies that {member.get_full_name() or member.email} attended {session.title} "
            f"on {start.day} {start:%B %Y}, {start:%H:%M}–{end:%H:%M} ({hours} hour{'' if hours == '1' else 's'}), "
            f"{mode}, a near-peer teaching session of {settings.SOCIETY_NAME}."
        ),
        sections=[document.paragraphs("Taught by", [teachers])] if teachers else [],
    )
