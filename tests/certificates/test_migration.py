"""Teaching certificates issued before certificates had their own app keep their code, date, name
and what they said, and verify on the same page; going back restores them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory

BEFORE = [("teachers", "0006_application_member_protected"), ("certificates", "0001_initial")]
AFTER = [("teachers", "0007_delete_teachingcertificate")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_teaching_certificates_move_with_their_codes_and_come_back(client):
    teacher = MemberFactory(first_name="Tom", last_name="Okafor")
    issued = timezone.now() - dt.timedelta(days=3)
    sessions = [
        {"title": "Renal", "date": "2026-03-02", "hours": "1.5", "role": "Lead", "attendees": 12},
        {"title": "Cardiac", "date": "2026-03-09", "hours": "2", "role": "Co-teacher", "attendees": 0},
    ]
    apps = _migrate(BEFORE)
    try:
        TeachingCertificate = apps.get_model("teachers", "TeachingCertificate")
        TeachingCertificate.objects.create(
            teacher_id=teacher.pk,
            code="ABCDEF1234",
            teacher_name="Tom Okafor",
            issued_at=issued,
            session_count=2,
            hours=Decimal("3.5"),
            sessions=sessions,
        )

        apps = _migrate(AFTER)
        Certificate = apps.get_model("certificates", "Certificate")
        moved = Certificate.objects.get()
        assert (moved.code, moved.kind, moved.holder_id, moved.holder_name, moved.issued_at) == (
            "ABCDEF1234",
            "teaching",
            teacher.pk,
            "Tom Okafor",
            issued,
        )
        assert moved.body["statement"] == (
            "This certifies that Tom Okafor taught 2 sessions, 3.5 hours in all, as a student-teacher of the society."
        )
        assert moved.body["sections"][0]["table"]["rows"] == [
            ["2 March 2026", "Renal", "Lead", "12", "1.5"],
            ["9 March 2026", "Cardiac", "Co-teacher", "0", "2"],
        ]
        page = client.get(reverse("certificates:verify", args=["abcdef1234"])).content.decode()
        assert "Genuine: this teaching certificate was issued to Tom Okafor" in page

        apps = _migrate(BEFORE)
        TeachingCertificate = apps.get_model("teachers", "TeachingCertificate")
        back = TeachingCertificate.objects.get()
        assert (back.code, back.teacher_id, back.issued_at, back.session_count, back.hours) == (
            "ABCDEF1234",
            teacher.pk,
            issued,
            2,
            Decimal("3.5"),
        )
        assert back.sessions == sessions
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
