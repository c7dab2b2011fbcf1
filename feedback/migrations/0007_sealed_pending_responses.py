"""Responses waiting for release are kept sealed (`feedback.sealing`) instead of readable rows
in arrival order: every unreleased response becomes a pending envelope, which the next release
(N for a session, the close for a survey) writes back as a response in random order."""

import django.db.models.deletion
import uuid
from django.db import migrations, models


def seal_unreleased(apps, schema_editor):
    from feedback.sealing import seal

    Response = apps.get_model("feedback", "Response")
    Answer = apps.get_model("feedback", "Answer")
    PendingResponse = apps.get_model("feedback", "PendingResponse")
    unreleased = list(Response.objects.filter(is_released=False).order_by("?"))
    answers = {}
    for answer in Answer.objects.filter(response__is_released=False).order_by("pk"):
        answers.setdefault(answer.response_id, []).append(
            [answer.question_id, answer.number, answer.option_id, answer.text]
        )
    PendingResponse.objects.bulk_create(
        PendingResponse(
            form_id=response.form_id,
            session_id=response.session_id,
            survey_id=response.survey_id,
            year_band=response.year_band,
            envelope=seal(
                {"answers": answers.get(response.pk, [])},
                scope=f"session:{response.session_id}" if response.session_id else f"survey:{response.survey_id}",
            ),
        )
        for response in unreleased
    )
    Response.objects.filter(is_released=False).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0004_sessions_in_a_sane_year'),
        ('feedback', '0006_dashboard_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='PendingResponse',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('year_band', models.CharField(blank=True, choices=[('years_1_2', 'Years 1–2'), ('years_3_6', 'Years 3–6')], max_length=10, verbose_name='year band')),
                ('envelope', models.BinaryField(verbose_name='sealed answers')),
            ],
            options={
                'verbose_name': 'pending response',
                'verbose_name_plural': 'pending responses',
                'ordering': ['id'],
            },
        ),
        migrations.RemoveIndex(
            model_name='response',
            name='response_released_by_session',
        ),
        migrations.AddField(
            model_name='pendingresponse',
            name='form',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='feedback.form'),
        ),
        migrations.AddField(
            model_name='pendingresponse',
            name='session',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='pending_feedback', to='events.session'),
        ),
        migrations.AddField(
            model_name='pendingresponse',
            name='survey',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='pending_responses', to='feedback.survey'),
        ),
        migrations.RunPython(seal_unreleased, migrations.RunPython.noop, elidable=False),
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
