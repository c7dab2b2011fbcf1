"""A member with teacher applications cannot be deleted (the dashboard counts the motivations on
approved ones); accounts are closed instead, which keeps the row."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("teachers", "0005_roster_year_of_study"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="teacherapplication",
            name="member",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="teacher_applications",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
