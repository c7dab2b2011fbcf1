"""The migration to sealed pending responses, on data: unreleased responses become envelopes that
open to the same answers, released ones stay, and going back restores what was there."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from feedback.sealing import unseal

BEFORE = [("feedback", "0006_dashboard_indexes")]
AFTER = [("feedback", "0009_responses_are_released")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_unreleased_responses_are_sealed_and_come_back_unchanged_when_reversed():
    apps = _migrate(BEFORE)
    try:
        Form = apps.get_model("feedback", "Form")
        Survey = apps.get_model("feedback", "Survey")
        Response = apps.get_model("feedback", "Response")
        Answer = apps.get_model("feedback", "Answer")
        form = Form.objects.get(family="society-survey", is_current=True)
        text = form.questions.get(kind="text")
        scale = form.questions.filter(kind="likert").first()
        now = timezone.now()
        survey = Survey.objects.create(
            title="Spanning the upgrade", form=form, opens_at=now - dt.timedelta(days=1), closes_at=now
        )
        released = Response.objects.create(form=form, survey=survey, year_band="years_1_2", is_released=True)
        Answer.objects.create(response=released, question=scale, number=5)
        for n in range(3):
            waiting = Response.objects.create(form=form, survey=survey, year_band="years_3_6", is_released=False)
            Answer.objects.create(response=waiting, question=scale, number=n + 1)
            Answer.objects.create(response=waiting, question=text, text=f"Pending comment {n} – ünïcode")

        apps = _migrate(AFTER)
        Response = apps.get_model("feedback", "Response")
        PendingResponse = apps.get_model("feedback", "PendingResponse")
        assert list(Response.objects.values_list("pk", flat=True)) == [released.pk]
        envelopes = list(PendingResponse.objects.all())
        assert len(envelopes) == 3 and {len(bytes(e.envelope)) for e in envelopes} == {
            len(bytes(envelopes[0].envelope))
        }
        opened = [unseal(bytes(e.envelope), scope=f"survey:{survey.pk}")["answers"] for e in envelopes]
        assert sorted(row[3] for rows in opened for row in rows if row[3]) == [
            f"Pending comment {n} – ünïcode" for n in range(3)
        ]
        assert {e.year_band for e in envelopes} == {"years_3_6"}

        apps = _migrate(BEFORE)
        Response = apps.get_model("feedback", "Response")
        Answer = apps.get_model("feedback", "Answer")
        assert Response.objects.get(pk=released.pk).is_released is True
        assert Response.objects.filter(is_released=False).count() == 3
        assert sorted(
            Answer.objects.filter(response__is_released=False, question_id=text.pk).values_list("text", flat=True)
        ) == [f"Pending comment {n} – ünïcode" for n in range(3)]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
