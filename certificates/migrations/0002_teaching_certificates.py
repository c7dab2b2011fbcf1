"""Teaching certificates issued before certificates had an app of their own move here with their
codes, dates and names, their document written as their PDF drew them then; and back."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import migrations

HEADING = "Certificate of teaching"
COLUMNS = ["Date", "Session", "Role", "Attendees", "Hours"]


def _hours(value) -> str:
    return f"{Decimal(value).normalize():f}"


def _day(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def forwards(apps, schema_editor):
    TeachingCertificate = apps.get_model("teachers", "TeachingCertificate")
    Certificate = apps.get_model("certificates", "Certificate")
    for old in TeachingCertificate.objects.order_by("pk"):
        count = old.session_count
        statement = (
            f"This certifies that {old.teacher_name} taught {count} session{'s' if count != 1 else ''}, "
            f"{_hours(old.hours)} hours in all, as a student-teacher of the society."
        )
        rows = [
            [_day(entry["date"]), entry["title"], entry["role"], str(entry.get("attendees", "")), _hours(entry["hours"])]
            for entry in old.sessions
        ]
        Certificate.objects.create(
            code=old.code,
            kind="teaching",
            holder_id=old.teacher_id,
            holder_name=old.teacher_name,
            issued_at=old.issued_at,
            body={
                "heading": HEADING,
                "statement": statement,
                "sections": [
                    {"title": "Sessions taught", "table": {"columns": COLUMNS, "rows": rows, "numeric": [3, 4]}}
                ],
                "sign_off": None,
                "notes": [],
            },
        )


def backwards(apps, schema_editor):
    TeachingCertificate = apps.get_model("teachers", "TeachingCertificate")
    Certificate = apps.get_model("certificates", "Certificate")
    for new in Certificate.objects.filter(kind="teaching").order_by("pk"):
        (section,) = [s for s in new.body["sections"] if "table" in s]
        sessions = [
            {
                "title": title,
                "date": dt.datetime.strptime(day, "%d %B %Y").date().isoformat(),  # noqa: DTZ007 -- a calendar day
                "hours": hours,
                "role": role,
                "attendees": int(attendees) if attendees else 0,
            }
            for day, title, role, attendees, hours in section["table"]["rows"]
        ]
        TeachingCertificate.objects.create(
            code=new.code,
            teacher_id=new.holder_id,
            teacher_name=new.holder_name,
            issued_at=new.issued_at,
            session_count=len(sessions),
            hours=sum((Decimal(entry["hours"]) for entry in sessions), Decimal(0)),
            sessions=sessions,
        )
    Certificate.objects.filter(kind="teaching").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        ("teachers", "0006_application_member_protected"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
