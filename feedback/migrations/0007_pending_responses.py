"""Responses waiting for release get a table of their own, where they are kept sealed
(`feedback.sealing`) instead of as readable rows in arrival order."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0004_sessions_in_a_sane_year"),
        ("feedback", "0006_dashboard_indexes"),
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
    ]
