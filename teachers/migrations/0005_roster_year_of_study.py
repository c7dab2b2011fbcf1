"""The roster records the teacher's year of study when they join it, as registrations do. Existing
entries take the teacher's current year: the best that is known for them."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    RosterEntry = apps.get_model("teachers", "RosterEntry")
    Member = apps.get_model("members", "Member")
    RosterEntry.objects.filter(year_of_study__isnull=True).update(
        year_of_study=Subquery(Member.objects.filter(pk=OuterRef("teacher_id")).values("year_of_study")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("teachers", "0004_certificates"), ("members", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="rosterentry",
            name="year_of_study",
            field=models.PositiveSmallIntegerField(
                choices=[(1, "Year 1"), (2, "Year 2"), (3, "Year 3"), (4, "Year 4"), (5, "Year 5"), (6, "Year 6")],
                null=True,
                verbose_name="year of study",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
