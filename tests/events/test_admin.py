import csv
import datetime as dt
import io
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from events import clashes, selectors
from events.enums import SessionFormat, SessionStatus
from events.models import Session, SessionChange
from tests.events.factories import SessionFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:events_session_changelist"
LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture
def admin_user():
    return MemberFactory(email="admin@example.ac.uk", is_staff=True, is_superuser=True, year_of_study=None)


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def _act(client, action, sessions, **kwargs):
    return client.post(reverse(CHANGELIST), {"action": action, "_selected_action": [s.pk for s in sessions]}, **kwargs)


def _statuses(*sessions):
    return [Session.objects.get(pk=s.pk).status for s in sessions]


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def _confirm(client, action, sessions, **kwargs):
    """The second step of an action with a confirmation page: its "Yes" button."""
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [s.pk for s in sessions], "post": "yes"},
        **kwargs,
    )


def test_admin_approve_publishes_only_the_submitted_sessions(admin_client_, admin_user):
    submitted = SessionFactory.create_batch(2, status=SessionStatus.SUBMITTED, review_comment="Fix the title")
    draft = SessionFactory(status=SessionStatus.DRAFT)
    cancelled = SessionFactory(status=SessionStatus.CANCELLED)

    response = _confirm(admin_client_, "approve", [*submitted, draft, cancelled], follow=True)

    assert response.redirect_chain == [(reverse(CHANGELIST), 302)]
    assert _messages(response) == ["2 sessions published."]
    assert _statuses(*submitted, draft, cancelled) == ["published", "published", "draft", "cancelled"]
    published = Session.objects.filter(pk__in=[s.pk for s in submitted])
    assert all(s.published_at is not None and s.review_comment == "" for s in published)
    # Through the service: each step is in the change log, by the admin.
    assert sorted(SessionChange.objects.values_list("session", "field", "old_value", "new_value", "changed_by")) == [
        (submitted[0].pk, "status", "submitted", "published", admin_user.pk),
        (submitted[1].pk, "status", "submitted", "published", admin_user.pk),
    ]


def test_admin_cancel_cancels_what_has_not_been_completed_with_the_committees_reason(admin_client_, admin_user):
    live = [SessionFactory(status=s) for s in (SessionStatus.DRAFT, SessionStatus.SUBMITTED, SessionStatus.PUBLISHED)]
    completed = SessionFactory(status=SessionStatus.COMPLETED)
    cancelled = SessionFactory(status=SessionStatus.CANCELLED, cancellation_reason="Snow")

    response = _act(admin_client_, "cancel", [*live, completed, cancelled], follow=True)

    assert _messages(response) == ["3 sessions cancelled."]
    assert _statuses(*live, completed, cancelled) == ["cancelled"] * 3 + ["completed", "cancelled"]
    reasons = dict(Session.objects.values_list("pk", "cancellation_reason"))
    assert [reasons[s.pk] for s in (*live, completed, cancelled)] == ["Cancelled by the committee."] * 3 + ["", "Snow"]
    assert sorted(SessionChange.objects.values_list("session", "old_value", "new_value", "changed_by")) == [
        (live[0].pk, "draft", "cancelled", admin_user.pk),
        (live[1].pk, "submitted", "cancelled", admin_user.pk),
        (live[2].pk, "published", "cancelled", admin_user.pk),
    ]


def test_admin_export_csv_writes_the_header_and_one_row_per_session(admin_client_):
    start = dt.datetime(2031, 7, 15, 10, 0, tzinfo=LONDON)
    plain = SessionFactory(
        status=SessionStatus.PUBLISHED,
        title="Heart sounds",
        format=SessionFormat.HYBRID,
        venue="Room 4",
        meeting_url="https://teams.example/h",
        topic="Cardiology",
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=90),
        target_years=[4, 2],
    )
    SessionFactory(title="Not selected")

    response = _act(admin_client_, "export_csv", [plain])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (f'attachment; filename="sessions-{timezone.localdate():%Y-%m-%d}.csv"')
    assert list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) == [
        ["id", "title", "starts_at", "ends_at", "format", "status", "target_years", "venue", "topic"],
        [
            str(plain.pk),
            "Heart sounds",
            "2031-07-15T10:00:00+01:00",
            "2031-07-15T11:30:00+01:00",
            "hybrid",
            "published",
            "2;4",
            "Room 4",
            "Cardiology",
        ],
    ]


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_admin_export_csv_makes_formula_like_cells_text(admin_client_, prefix):
    start = dt.datetime(2031, 1, 15, 10, 0, tzinfo=LONDON)
    session = SessionFactory(
        title=f'{prefix}HYPERLINK("https://evil.example")',
        venue=f"{prefix}1+1",
        topic=f"{prefix}cmd",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        target_years=[1],
    )

    response = _act(admin_client_, "export_csv", [session])

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows[1] == [
        str(session.pk),
        f'\'{prefix}HYPERLINK("https://evil.example")',
        "2031-01-15T10:00:00+00:00",
        "2031-01-15T11:00:00+00:00",
        "in_person",
        "draft",
        "1",
        f"'{prefix}1+1",
        f"'{prefix}cmd",
    ]


def test_admin_export_csv_leaves_harmless_cells_alone(admin_client_):
    session = SessionFactory(title="Paeds: 0-5 years", venue="Room = 2", topic="", target_years=[])
    row = list(csv.reader(io.StringIO(_act(admin_client_, "export_csv", [session]).content.decode("utf-8-sig"))))[1]
    assert (row[1], row[6], row[7], row[8]) == ("Paeds: 0-5 years", "", "Room = 2", "")


def test_admin_approve_shows_the_queues_warnings_and_publishes_only_once_confirmed(admin_client_):
    start = timezone.now() + dt.timedelta(days=5)
    young = MemberFactory(first_name="Yan", last_name="Young", year_of_study=3, roles=["teacher"])
    busy = SessionFactory(
        title="Anatomy", status=SessionStatus.PUBLISHED, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    clashing = SessionFactory(
        title="Renal",
        status=SessionStatus.SUBMITTED,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        target_years=[3],
        venue="Room 9",
        lead=young,
    )
    quiet = SessionFactory(title="Quiet", status=SessionStatus.SUBMITTED, target_years=[1], venue="Room 8")

    page = _act(admin_client_, "approve", [clashing, quiet, busy])

    assert page.status_code == 200
    assert _statuses(clashing, quiet) == ["submitted", "submitted"]
    content = page.content.decode()
    warnings = clashes.warnings_for([selectors.session_for_page(pk=clashing.pk)])[clashing.pk]
    assert len(warnings) == 2  # the clash with Anatomy for year 3, and Yan Young not above year 3
    for warning in warnings:
        assert f'data-testid="approval-warning">{escape(warning)}</li>' in content
    assert "2 warnings to check." in content
    assert "No warnings." in content  # Quiet
    assert "1 selected session is not awaiting approval" in content
    assert 'value="Yes, publish 2 sessions"' in content
    assert '<li aria-current="page">Approve sessions</li>' in content

    response = _confirm(admin_client_, "approve", [clashing, quiet], follow=True)
    assert _messages(response) == ["2 sessions published."]
    assert _statuses(clashing, quiet) == ["published", "published"]


def test_admin_actions_are_refused_to_a_non_staff_member(client):
    session = SessionFactory(status=SessionStatus.SUBMITTED)
    client.force_login(MemberFactory(roles=["committee"]))
    response = _act(client, "approve", [session])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert _statuses(session) == ["submitted"]


def test_admin_change_form_logs_changes_to_a_published_session(admin_client_):
    start = dt.datetime(2031, 1, 15, 10, 0, tzinfo=LONDON)
    session = SessionFactory(
        status=SessionStatus.PUBLISHED,
        title="Moved",
        venue="Room 1",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        target_years=[3],
    )
    year = session.target_years.get()
    data = {
        "title": "Moved",
        "description": "",
        "topic": "",
        "series": "",
        "format": "in_person",
        "venue": "Room 2",
        "meeting_url": "",
        "starts_at_0": "2031-01-16",
        "starts_at_1": "10:00:00",
        "ends_at_0": "2031-01-16",
        "ends_at_1": "11:00:00",
        "capacity": "",
        "online_capacity": "",
        "review_comment": "",
        "cancellation_reason": "",
        "recording_url": "",
        "target_years-TOTAL_FORMS": "1",
        "target_years-INITIAL_FORMS": "1",
        "target_years-MIN_NUM_FORMS": "0",
        "target_years-MAX_NUM_FORMS": "1000",
        "target_years-0-id": str(year.pk),
        "target_years-0-session": str(session.pk),
        "target_years-0-year": "3",
        "changes-TOTAL_FORMS": "0",
        "changes-INITIAL_FORMS": "0",
        "changes-MIN_NUM_FORMS": "0",
        "changes-MAX_NUM_FORMS": "1000",
    }

    response = admin_client_.post(reverse("admin:events_session_change", args=[session.pk]), data)

    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.venue, session.starts_at) == ("Room 2", start + dt.timedelta(days=1))
    assert sorted(SessionChange.objects.filter(session=session).values_list("field", flat=True)) == [
        "ends_at",
        "starts_at",
        "venue",
    ]


def test_admin_session_form_names_each_target_years_select_and_delete_box(admin_client_):
    session = SessionFactory(status=SessionStatus.PUBLISHED, target_years=[2, 4])

    content = admin_client_.get(reverse("admin:events_session_change", args=[session.pk])).content.decode()

    selects = re.findall(r'<select name="target_years-(\w+)-year" aria-label="([^"]+)"', content)
    assert selects == [("0", "Target year"), ("1", "Target year"), ("__prefix__", "Target year")]
    boxes = re.findall(r'<input type="checkbox" name="target_years-(\w+)-DELETE" aria-label="([^"]+)"', content)
    assert boxes == [("0", "Delete target year 2"), ("1", "Delete target year 4")]
