"""Every unreleased response becomes a sealed pending response, which the next release (N for a
session, the close for a survey) writes back as a response in random order. A migration of its
own, so the rows it deletes are checked before the next one alters their table (PostgreSQL will
not alter a table with deferred checks pending). Reversed, the envelopes are opened again into
unreleased responses: nothing is lost either way."""

import random

from django.db import migrations

from feedback.sealing import envelope_size, seal, unseal

# As `feedback.services.ANSWER_TEXT_MAX_LENGTH` was when this migration was written.
TEXT_MAX = 2000


def _scope(session_id, survey_id) -> str:
    return f"session:{session_id}" if session_id is not None else f"survey:{survey_id}"


def seal_unreleased(apps, schema_editor):
    Response = apps.get_model("feedback", "Response")
    Answer = apps.get_model("feedback", "Answer")
    Question = apps.get_model("feedback", "Question")
    PendingResponse = apps.get_model("feedback", "PendingResponse")
    unreleased = list(Response.objects.filter(is_released=False))
    random.SystemRandom().shuffle(unreleased)
    answers = {}
    for answer in Answer.objects.filter(response__is_released=False).order_by("pk"):
        answers.setdefault(answer.response_id, []).append(
            [answer.question_id, answer.number, answer.option_id, answer.text]
        )
    sizes = {}
    for form_id in {response.form_id for response in unreleased}:
        questions = Question.objects.filter(form_id=form_id).prefetch_related("options")
        sizes[form_id] = envelope_size(
            [(question.kind, len(question.options.all())) for question in questions], text_max=TEXT_MAX
        )
    PendingResponse.objects.bulk_create(
        PendingResponse(
            form_id=response.form_id,
            session_id=response.session_id,
            survey_id=response.survey_id,
            year_band=response.year_band,
            envelope=seal(
                {"answers": answers.get(response.pk, [])},
                scope=_scope(response.session_id, response.survey_id),
                size=sizes[response.form_id],
            ),
        )
        for response in unreleased
    )
    Response.objects.filter(is_released=False).delete()


def open_pending(apps, schema_editor):
    Response = apps.get_model("feedback", "Response")
    Answer = apps.get_model("feedback", "Answer")
    PendingResponse = apps.get_model("feedback", "PendingResponse")
    for pending in PendingResponse.objects.all():
        payload = unseal(bytes(pending.envelope), scope=_scope(pending.session_id, pending.survey_id))
        response = Response.objects.create(
            form_id=pending.form_id,
            session_id=pending.session_id,
            survey_id=pending.survey_id,
            year_band=pending.year_band,
            is_released=False,
        )
        Answer.objects.bulk_create(
            Answer(response=response, question_id=question, number=number, option_id=option, text=text)
            for question, number, option, text in payload["answers"]
        )
    PendingResponse.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0007_pending_responses")]

    operations = [migrations.RunPython(seal_unreleased, open_pending)]
