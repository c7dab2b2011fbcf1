from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from attendance.models import Registration
from feedback.models import Receipt, Response

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_feedback_only_from_attendees_and_the_studys_survey_sample(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    session_receipts = Receipt.objects.filter(session__isnull=False)
    assert session_receipts.exists()
    for receipt in session_receipts:
        registration = Registration.objects.get(session=receipt.session, member=receipt.member)
        assert registration.attendance in ("present", "late")
    per_session = dict(Response.objects.filter(session__isnull=False).values_list("session").annotate(n=Count("pk")))
    assert per_session == dict(session_receipts.values_list("session").annotate(n=Count("pk")))
    bands = dict(Response.objects.filter(survey__isnull=False).values_list("year_band").annotate(n=Count("pk")))
    assert bands == {"years_1_2": 19, "years_3_6": 47}
    assert "survey answers added" in out.getvalue()

    counts = (Response.objects.count(), Receipt.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Response.objects.count(), Receipt.objects.count()) == counts
