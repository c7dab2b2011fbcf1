"""Sessions must lie in the years 2000–2100. A database that already holds a session outside them
stops here with the sessions named, to be corrected in the admin, rather than being changed."""

import datetime

from django.db import migrations, models

EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2101, 1, 1, tzinfo=datetime.UTC)


def refuse_sessions_outside_the_years(apps, schema_editor):
    Session = apps.get_model("events", "Session")
    outside = list(
        Session.objects.filter(models.Q(starts_at__lt=EARLIEST) | models.Q(ends_at__gte=LATEST)).values_list(
            "pk", "title"
        )
    )
    if outside:
        named = "; ".join(f"#{pk} {title}" for pk, title in outside)
        raise RuntimeError(f"Correct the dates of these sessions (2000–2100) in the admin, then migrate again: {named}")


class Migration(migrations.Migration):
    dependencies = [("events", "0003_open_to_all_years")]

    operations = [
        migrations.RunPython(refuse_sessions_outside_the_years, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="session",
            constraint=models.CheckConstraint(
                condition=models.Q(("ends_at__lt", LATEST), ("starts_at__gte", EARLIEST)),
                name="session_in_a_sane_year",
            ),
        ),
    ]
