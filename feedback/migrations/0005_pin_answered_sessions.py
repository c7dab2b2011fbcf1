from django.db import migrations
from django.db.models import Exists, Max, OuterRef


def pin_forms_of_answered_sessions(apps, schema_editor):
    """A session that already has responses keeps the form they answered, whatever the default
    becomes (new submissions pin it themselves)."""
    Response = apps.get_model("feedback", "Response")
    SessionForm = apps.get_model("feedback", "SessionForm")
    Session = apps.get_model("events", "Session")
    unpinned = (
        Session.objects.filter(Exists(Response.objects.filter(session=OuterRef("pk"))))
        .exclude(Exists(SessionForm.objects.filter(session=OuterRef("pk"))))
        .annotate(form_id=Max("feedback_responses__form_id"))
        .values_list("pk", "form_id")
    )
    SessionForm.objects.bulk_create(SessionForm(session_id=pk, form_id=form_id) for pk, form_id in unpinned)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0004_response_is_released"),
        ("events", "0001_initial"),
    ]

    operations = [migrations.RunPython(pin_forms_of_answered_sessions, migrations.RunPython.noop)]
