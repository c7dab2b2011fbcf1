from io import StringIO

import pytest
from django.core.management import call_command

from attendance.models import RegisterTaken, Registration
from events.models import Session
from members.models import Member
from teachers.models import TeacherApplication

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Member.objects.count(),
        Session.objects.count(),
        Registration.objects.count(),
        TeacherApplication.objects.count(),
    )


def test_seed_demo_builds_a_society_with_history_and_is_idempotent(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=StringIO())

    assert _counts() == first
    assert "Every demo password is: meded-demo" in out.getvalue()
    assert Member.objects.get(email="committee@example.ac.uk").check_password("meded-demo")
    assert set(Session.objects.values_list("status", flat=True)) == {"published", "submitted", "draft", "completed"}
    completed = Session.objects.filter(status="completed")
    assert RegisterTaken.objects.filter(session__in=completed).count() == completed.count()
    attended = Registration.objects.exclude(attendance="")
    assert set(attended.values_list("year_of_study", flat=True)) >= {1, 2, 3, 4, 6}
    assert set(attended.values_list("attended_mode", flat=True)) == {"online", "in_person"}


def test_seed_demo_refuses_with_debug_off(settings):
    from django.core.management import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", stdout=StringIO())
    assert Member.objects.count() == 0
