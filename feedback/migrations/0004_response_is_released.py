from django.conf import settings
from django.db import migrations, models
from django.db.models import Count


def release_what_was_shown(apps, schema_editor):
    """Responses in a scope that already had N were on results pages before batches existed, so
    they stay released; smaller scopes wait for their first batch like new ones."""
    Response = apps.get_model("feedback", "Response")
    minimum = settings.FEEDBACK_MIN_RESPONSES
    for scope in ("session_id", "survey_id"):
        shown = (
            Response.objects.filter(**{f"{scope}__isnull": False})
            .values(scope)
            .annotate(n=Count("pk"))
            .filter(n__gte=minimum)
            .values_list(scope, flat=True)
        )
        Response.objects.filter(**{f"{scope}__in": list(shown)}).update(is_released=True)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0003_codebook"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="is_released",
            field=models.BooleanField(default=False, verbose_name="released to results"),
        ),
        migrations.RunPython(release_what_was_shown, migrations.RunPython.noop),
    ]
