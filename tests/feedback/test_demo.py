from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from attendance.models import Registration
from feedback.coding import CommentFilters, agreement, theme_counts
from feedback.demo import PULSE_TITLE, SURVEY_TITLE, last_year_survey_title
from feedback.models import Code, Coding, PendingResponse, Receipt, Response
from members.models import Member

pytestmark = pytest.mark.django_db


def _by(queryset, field: str) -> dict:
    return dict(queryset.values_list(field).annotate(n=Count("pk")).order_by())


def test_seed_demo_adds_feedback_only_from_attendees_and_the_studys_survey_sample(settings):
    settings.DEBUG = True
    minimum = settings.FEEDBACK_MIN_RESPONSES
    out = StringIO()
    call_command("seed_demo", stdout=out)
    session_receipts = Receipt.objects.filter(session__isnull=False)
    assert session_receipts.exists()
    for receipt in session_receipts:
        registration = Registration.objects.get(session=receipt.session, member=receipt.member)
        assert registration.attendance in ("present", "late")
    # Each session's receipts match its responses, released in batches of N or still sealed (fewer than N).
    released = _by(Response.objects.filter(session__isnull=False), "session")
    pending = _by(PendingResponse.objects.filter(session__isnull=False), "session")
    assert released and all(n % minimum == 0 for n in released.values())
    assert all(n < minimum for n in pending.values())
    given = {pk: released.get(pk, 0) + pending.get(pk, 0) for pk in released.keys() | pending.keys()}
    assert given == _by(session_receipts, "session")
    # This year's survey closed two days ago and last year's long ago: every answer released.
    assert _by(Response.objects.filter(survey__title=SURVEY_TITLE), "year_band") == {"years_1_2": 19, "years_3_6": 47}
    last_year = Response.objects.filter(survey__title=last_year_survey_title())
    assert _by(last_year, "year_band") == {"years_1_2": 20, "years_3_6": 45}
    assert not PendingResponse.objects.filter(survey__title__in=[SURVEY_TITLE, last_year_survey_title()]).exists()
    assert _by(Receipt.objects.filter(survey__isnull=False), "survey__title") == {
        SURVEY_TITLE: 66,
        last_year_survey_title(): 65,
        PULSE_TITLE: 12,
    }
    # The short survey open now: its answers wait sealed until it closes.
    assert not Response.objects.filter(survey__title=PULSE_TITLE).exists()
    pulse = PendingResponse.objects.filter(survey__title=PULSE_TITLE)
    assert _by(pulse, "year_band") == {"years_1_2": 4, "years_3_6": 8}
    assert "survey answers added" in out.getvalue()

    counts = (Response.objects.count(), PendingResponse.objects.count(), Receipt.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Response.objects.count(), PendingResponse.objects.count(), Receipt.objects.count()) == counts


def test_seed_demo_answers_in_a_shuffled_order_not_member_order(settings, monkeypatch):
    """The demo's answers arrive as people answer, in no order the tables could mirror. A spy
    around the real service records the order (the service still does the work)."""
    from feedback import services

    settings.DEBUG = True
    calls = []
    submit = services.submit_response

    def recording(**kwargs):
        calls.append(
            (kwargs.get("session") and kwargs["session"].pk, kwargs.get("survey") is not None, kwargs["member"])
        )
        return submit(**kwargs)

    monkeypatch.setattr(services, "submit_response", recording)
    call_command("seed_demo", stdout=StringIO())
    by_session: dict = {}
    for session_id, _is_survey, member in calls:
        if session_id:
            by_session.setdefault(session_id, []).append(member.pk)
    assert any(pks != sorted(pks) for pks in by_session.values() if len(pks) > 2)
    survey_members = [member for _session, is_survey, member in calls if is_survey]
    assert [m.pk for m in survey_members] != sorted(m.pk for m in survey_members)
    early = [m.year_of_study <= 2 for m in survey_members]
    assert early != sorted(early, reverse=True)  # the two bands are mixed, not one after the other


def test_seed_demo_codes_comments_into_every_theme_and_resolves_the_coders_disagreements(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    themes, coded = theme_counts(filters=CommentFilters())
    assert coded > 100
    assert all(theme.comments > 0 and theme.examples for theme in themes)
    chair = Member.objects.get(email="committee@example.ac.uk")
    second = Member.objects.get(email="teacher6@example.ac.uk")
    result = agreement(coder_a=chair, coder_b=second, codes=list(Code.objects.all()))
    assert result.comments > 20
    assert result.disagreements
    assert all(disagreement.agreed is not None for disagreement in result.disagreements)

    codings = Coding.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert Coding.objects.count() == codings
