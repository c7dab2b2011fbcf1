"""What a teaching certificate says (a `certificates.document`), and the committee's sign-off
that teaching certificates and portfolios carry."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from certificates import document
from members.models import Member
from teachers import selectors
from teachers.models import TeacherApplication


def hours_text(value) -> str:
    """Hours as people write them: 3.5, not 3.50."""
    return f"{Decimal(value).normalize():f}"


def day_text(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def sign_off(*, teacher: Member, approval: TeacherApplication | None) -> dict | None:
    """The committee member who approved the teacher (`approval`, from `selectors.approval`),
    with their role and when; None for a teacher made so without an application (in the admin)."""
    if approval is None or approval.decided_by is None:
        return None
    approved_on = day_text(timezone.localtime(approval.decided_at).date())
    name = teacher.get_full_name() or teacher.email
    return {
        "name": approval.decided_by.get_full_name() or approval.decided_by.email,
        "role": f"Committee member, {settings.SOCIETY_NAME}",
        "detail": f"Approved {name} as a student-teacher on {approved_on}.",
    }


def teaching_certificate_body(*, teacher: Member, log: list[dict]) -> dict:
    """The teaching certificate of `log` (`selectors.teaching_log`), as issued now."""
    name = teacher.get_full_name() or teacher.email
    count = len(log)
    hours = hours_text(sum((entry["hours"] for entry in log), Decimal(0)))
    return document.document(
        heading="Certificate of teaching",
        statement=(
            f"This certifies that {name} taught {count} session{'s' if count != 1 else ''}, {hours} hours in all, "
            f"as a student-teacher of {settings.SOCIETY_NAME}."
        ),
        sections=[
            document.table(
                "Sessions taught",
                ["Date", "Session", "Role", "Attendees", "Hours"],
                [
                    [
                        day_text(timezone.localtime(entry["session"].starts_at).date()),
                        entry["session"].title,
                        str(entry["role"]),
                        str(entry["attendees"]),
                        hours_text(entry["hours"]),
                    ]
                    for entry in log
                ],
                numeric=[3, 4],
            )
        ],
        sign_off=sign_off(teacher=teacher, approval=selectors.approval(teacher=teacher)),
    )
