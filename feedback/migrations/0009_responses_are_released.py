"""A response exists only once released, so `is_released` goes; the pending responses' rules
become constraints."""

from django.db import migrations, models


def mark_released(apps, schema_editor):
    """Reversed: every response left is a released one (the unreleased come back from envelopes)."""
    apps.get_model("feedback", "Response").objects.update(is_released=True)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0008_seal_unreleased_responses")]

    operations = [
        migrations.RemoveIndex(
            model_name='response',
            name='response_released_by_session',
        ),
        migrations.RunPython(migrations.RunPython.noop, mark_released),
        migrations.RemoveField(
            model_name='response',
            name='is_released',
        ),
        migrations.AddConstraint(
            model_name='pendingresponse',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('session__isnull', False), ('survey__isnull', True)), models.Q(('session__isnull', True), ('survey__isnull', False)), _connector='OR'), name='pending_for_session_or_survey'),
        ),
        migrations.AddConstraint(
            model_name='pendingresponse',
            constraint=models.CheckConstraint(condition=models.Q(('survey__isnull', False), ('year_band', ''), _connector='OR'), name='pending_band_for_surveys_only'),
        ),
    ]
