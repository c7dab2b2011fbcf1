import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from events.enums import SessionFormat, SessionStatus
from events.forms import DATETIME_LOCAL
from events.models import Session, SessionChange
from teachers.models import RosterEntry
from teachers.services import add_to_roster
from tests.events.factories import SeriesFactory, SessionFactory, in_days
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

PUBLISHED, DRAFT, SUBMITTED = SessionStatus.PUBLISHED, SessionStatus.DRAFT, SessionStatus.SUBMITTED


@pytest.fixture
def other_teacher():
    return MemberFactory(first_name="Priya", last_name="Shah", email="priya@example.ac.uk", roles=["teacher"])


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime(DATETIME_LOCAL)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _titles(response) -> list[str]:
    return [s.title for s in response.context["sessions"]]


def _queue(response) -> list[str]:
    """The titles in the approval queue, in the order of their rows' Approve buttons."""
    content = response.content.decode()
    ids = [int(pk) for pk in re.findall(r'name="action" value="approve:(\d+)"', content)]
    titles = dict(Session.objects.filter(pk__in=ids).values_list("pk", "title"))
    for pk in ids:
        assert f'<a href="{reverse("events:detail", args=[pk])}">{titles[pk]}</a>' in content
    return [titles[pk] for pk in ids]


def _session_data(session: Session, **overrides) -> dict:
    """The edit form as the browser posts it back, unchanged unless overridden."""
    data = {
        "title": session.title,
        "topic": session.topic,
        "series": session.series_id or "",
        "description": session.description,
        "format": session.format,
        "target_years": [str(y) for y in session.target_year_numbers],
        "starts_at": _local(session.starts_at),
        "ends_at": _local(session.ends_at),
        "venue": session.venue,
        "meeting_url": session.meeting_url,
        "capacity": session.capacity or "",
        "online_capacity": session.online_capacity or "",
    }
    return data | overrides


def _proposal(**overrides) -> dict:
    starts_at = in_days(10, hour=17)
    data = {
        "title": "ECG interpretation",
        "topic": "Cardiology",
        "series": "",
        "description": "Rate, rhythm, axis.",
        "format": "in_person",
        "target_years": ["2", "3"],
        "starts_at": _local(starts_at),
        "ends_at": _local(starts_at + dt.timedelta(hours=1, minutes=30)),
        "venue": "Lecture Theatre 2",
        "meeting_url": "",
        "capacity": "40",
        "online_capacity": "",
    }
    return data | overrides


# Who may propose and edit


def test_attendee_cannot_open_or_post_the_propose_page(client, member):
    client.force_login(member)
    assert client.get(reverse("teachers:propose")).status_code == 403
    assert client.post(reverse("teachers:propose"), _proposal() | {"submit": ""}).status_code == 403
    assert Session.objects.count() == 0


def test_teacher_opens_the_propose_page_with_both_buttons(client, teacher):
    client.force_login(teacher)
    response = client.get(reverse("teachers:propose"))
    content = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="h3">Propose a session</h1>' in content
    assert '<button type="submit" name="submit" class="btn btn-primary">Submit for approval</button>' in content
    assert '<button type="submit" name="draft" class="btn btn-outline-secondary">Save as draft</button>' in content


def test_attendee_cannot_edit_a_published_session(client, member, teacher):
    session = SessionFactory(status=PUBLISHED, title="Renal physiology", lead=teacher)
    client.force_login(member)
    url = reverse("events:edit", args=[session.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, _session_data(session, title="Defaced")).status_code == 403
    assert Session.objects.get(pk=session.pk).title == "Renal physiology"


@pytest.mark.parametrize("status", [DRAFT, SUBMITTED])
def test_attendee_editing_an_unpublished_session_gets_404(client, member, teacher, status):
    session = SessionFactory(status=status, title="Hidden", lead=teacher)
    client.force_login(member)
    url = reverse("events:edit", args=[session.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _session_data(session, title="Defaced")).status_code == 404
    assert Session.objects.get(pk=session.pk).title == "Hidden"


def test_teacher_edits_their_own_draft(client, teacher):
    session = SessionFactory(status=DRAFT, title="Draft title", lead=teacher, target_years=[3])
    client.force_login(teacher)

    response = client.post(
        reverse("events:edit", args=[session.pk]),
        _session_data(session, title="Acid-base balance", target_years=["3", "4"], venue="Room 9"),
        follow=True,
    )

    assert response.redirect_chain == [(reverse("events:detail", args=[session.pk]), 302)]
    assert _messages(response) == ["Your changes to “Acid-base balance” have been saved."]
    session = Session.objects.get(pk=session.pk)
    assert (session.title, session.venue, session.status, session.target_year_numbers) == (
        "Acid-base balance",
        "Room 9",
        "draft",
        [3, 4],
    )
    assert SessionChange.objects.count() == 0  # a draft has no registrants to tell


def test_co_teacher_edits_a_draft_but_not_once_published(client, teacher, other_teacher):
    draft = SessionFactory(status=DRAFT, title="Shared draft", lead=teacher)
    published = SessionFactory(status=PUBLISHED, title="Shared live", lead=teacher)
    for session in (draft, published):
        add_to_roster(session=session, teacher=other_teacher)
    client.force_login(other_teacher)

    assert client.get(reverse("events:edit", args=[draft.pk])).status_code == 200
    response = client.post(reverse("events:edit", args=[published.pk]), _session_data(published, title="Changed"))
    assert response.status_code == 403
    assert Session.objects.get(pk=published.pk).title == "Shared live"


def test_teacher_cannot_edit_another_teachers_published_session(client, teacher, other_teacher):
    session = SessionFactory(status=PUBLISHED, title="Priya's session", lead=other_teacher)
    client.force_login(teacher)
    url = reverse("events:edit", args=[session.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, _session_data(session, venue="Somewhere else")).status_code == 403
    assert Session.objects.get(pk=session.pk).venue == "Lecture Theatre 1"
    assert SessionChange.objects.count() == 0


@pytest.mark.parametrize("status", [DRAFT, SUBMITTED])
def test_unpublished_session_is_404_for_a_member_and_a_teacher_not_on_its_roster(
    client, member, teacher, other_teacher, committee_member, status
):
    session = SessionFactory(status=status, title="Secret pharmacology plan", lead=other_teacher)
    urls = [reverse(name, args=[session.pk]) for name in ("events:detail", "events:edit", "events:cancel")]
    # The lead and the committee see it: the 404s below are about who asks, not a missing session.
    for allowed in (other_teacher, committee_member):
        client.force_login(allowed)
        assert "Secret pharmacology plan" in client.get(urls[0]).content.decode()

    for outsider in (member, teacher):
        client.force_login(outsider)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 404
            assert "Secret pharmacology plan" not in response.content.decode()
        assert client.post(reverse("events:submit", args=[session.pk])).status_code == 404
        assert "0 sessions found." in client.get(reverse("events:catalogue"), {"year": ""}).content.decode()
    assert Session.objects.get(pk=session.pk).status == status


def test_lead_edits_their_published_session_and_the_change_is_logged(client, teacher):
    starts_at = in_days(7, hour=18)
    session = SessionFactory(
        status=PUBLISHED,
        title="Chest X-rays",
        lead=teacher,
        venue="Room 1",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
    )
    client.force_login(teacher)
    url = reverse("events:edit", args=[session.pk])
    assert "This session is published: changes to its time, venue or link are recorded" in (
        client.get(url).content.decode()
    )
    new_start = starts_at + dt.timedelta(hours=1)

    data = _session_data(session, venue="Room 2", description="Bring notes")
    data |= {"starts_at": _local(new_start), "ends_at": _local(new_start + dt.timedelta(hours=1))}

    response = client.post(url, data, follow=True)

    assert _messages(response) == ["Your changes to “Chest X-rays” have been saved."]
    assert "Room 2" in response.content.decode()
    changes = sorted(SessionChange.objects.filter(session=session).values_list("field", "old_value", "new_value"))
    assert changes == [
        ("ends_at", (starts_at + dt.timedelta(hours=1)).isoformat(), (new_start + dt.timedelta(hours=1)).isoformat()),
        ("starts_at", starts_at.isoformat(), new_start.isoformat()),
        ("venue", "Room 1", "Room 2"),
    ]
    assert set(SessionChange.objects.values_list("changed_by", flat=True)) == {teacher.pk}
    session.refresh_from_db()
    assert (session.status, session.starts_at, session.description) == ("published", new_start, "Bring notes")


def test_edit_refuses_a_session_that_ends_before_it_starts(client, teacher):
    session = SessionFactory(status=DRAFT, lead=teacher)
    client.force_login(teacher)
    response = client.post(
        reverse("events:edit", args=[session.pk]), _session_data(session, ends_at=_local(session.starts_at))
    )
    assert response.context["form"].errors == {"ends_at": ["The session must end after it starts."]}
    assert Session.objects.get(pk=session.pk).ends_at == session.ends_at


def test_edit_refuses_a_session_in_a_year_no_society_teaches_in(client, teacher):
    session = SessionFactory(status=DRAFT, lead=teacher)
    client.force_login(teacher)
    response = client.post(
        reverse("events:edit", args=[session.pk]), _session_data(session, ends_at="2101-01-01T19:00")
    )
    assert response.context["form"].errors == {"ends_at": ["Choose a date from 2000 to 2100."]}
    assert Session.objects.get(pk=session.pk).ends_at == session.ends_at


def test_lead_submits_a_draft_from_its_page(client, teacher, member):
    session = SessionFactory(status=DRAFT, title="Ward round skills", lead=teacher)
    client.force_login(teacher)
    page = client.get(reverse("events:detail", args=[session.pk])).content.decode()
    assert "Submit for approval" in page

    response = client.post(reverse("events:submit", args=[session.pk]), follow=True)

    assert _messages(response) == ["“Ward round skills” has been sent to the committee for approval."]
    assert Session.objects.get(pk=session.pk).status == "submitted"
    assert "Submit for approval" not in response.content.decode()


# The approval queue


def _statuses(*sessions):
    return [Session.objects.get(pk=s.pk).status for s in sessions]


def test_only_the_committee_sees_the_approval_queue(client, member, teacher, committee_member):
    session = SessionFactory(status=SUBMITTED, title="Waiting", lead=teacher, created_ago=dt.timedelta(days=1))
    url = reverse("events:approvals")
    for outsider in (member, teacher):
        client.force_login(outsider)
        assert client.get(url).status_code == 403
        assert client.post(url, {"action": f"approve:{session.pk}"}).status_code == 403
        assert client.post(url, {"action": "approve", "session": [session.pk]}).status_code == 403
    assert _statuses(session) == ["submitted"]

    client.force_login(committee_member)
    response = client.get(url)
    assert _queue(response) == ["Waiting"]
    assert f'value="approve:{session.pk}"' in response.content.decode()


def test_approval_queue_lists_submitted_sessions_oldest_request_first(client, teacher, committee_member):
    SessionFactory(status=SUBMITTED, title="Newer request", lead=teacher, created_ago=dt.timedelta(days=1))
    SessionFactory(status=SUBMITTED, title="Older request", lead=teacher, created_ago=dt.timedelta(days=3))
    # At other times, so that no clash warning names them.
    SessionFactory(status=DRAFT, title="Still a draft", lead=teacher, starts_at=in_days(20))
    SessionFactory(status=PUBLISHED, title="Already out", lead=teacher, starts_at=in_days(21))
    client.force_login(committee_member)

    response = client.get(reverse("events:approvals"))

    assert _queue(response) == ["Older request", "Newer request"]
    content = response.content.decode()
    assert "Still a draft" not in content
    assert "Already out" not in content


def test_approval_queue_when_empty_says_so(client, committee_member):
    client.force_login(committee_member)
    assert "Nothing is waiting for approval." in client.get(reverse("events:approvals")).content.decode()


def test_committee_approves_one_session_with_its_button(client, teacher, committee_member):
    first = SessionFactory(status=SUBMITTED, title="First", lead=teacher, created_ago=dt.timedelta(days=2))
    second = SessionFactory(status=SUBMITTED, title="Second", lead=teacher, created_ago=dt.timedelta(days=1))
    client.force_login(committee_member)

    # The row's button wins over whatever is ticked.
    response = client.post(
        reverse("events:approvals"), {"action": f"approve:{first.pk}", "session": [second.pk]}, follow=True
    )

    assert response.redirect_chain == [(reverse("events:approvals"), 302)]
    assert _messages(response) == ["1 session published."]
    assert _statuses(first, second) == ["published", "submitted"]
    assert _queue(response) == ["Second"]


def test_committee_approves_the_ticked_sessions(client, teacher, committee_member):
    a, b, c = (
        SessionFactory(status=SUBMITTED, title=t, lead=teacher, created_ago=dt.timedelta(days=n))
        for n, t in enumerate(["A talk", "B talk", "C talk"])
    )
    client.force_login(committee_member)

    response = client.post(reverse("events:approvals"), {"action": "approve", "session": [a.pk, b.pk]}, follow=True)

    assert _messages(response) == ["2 sessions published."]
    assert _statuses(a, b, c) == ["published", "published", "submitted"]
    assert set(SessionChange.objects.filter(new_value="published").values_list("session", "changed_by")) == {
        (a.pk, committee_member.pk),
        (b.pk, committee_member.pk),
    }


def test_committee_sends_the_ticked_sessions_back_with_a_comment(client, teacher, committee_member):
    a, b, c = (
        SessionFactory(status=SUBMITTED, title=t, lead=teacher, created_ago=dt.timedelta(days=n))
        for n, t in enumerate(["A talk", "B talk", "C talk"])
    )
    client.force_login(committee_member)

    response = client.post(
        reverse("events:approvals"),
        {"action": "send_back", "session": [a.pk, b.pk], "comment": " Add learning objectives. "},
        follow=True,
    )

    assert _messages(response) == ["2 sessions sent back to their teachers."]
    assert _statuses(a, b, c) == ["draft", "draft", "submitted"]
    assert list(Session.objects.filter(pk__in=[a.pk, b.pk]).values_list("review_comment", flat=True)) == [
        "Add learning objectives.",
        "Add learning objectives.",
    ]
    client.force_login(teacher)
    page = client.get(reverse("events:detail", args=[a.pk])).content.decode()
    assert "The committee sent this back:</strong> Add learning objectives." in page


@pytest.mark.parametrize("comment", ["", "   "])
def test_sending_back_without_a_comment_is_refused_and_changes_nothing(client, teacher, committee_member, comment):
    a, b = (
        SessionFactory(status=SUBMITTED, title="A talk", lead=teacher, created_ago=dt.timedelta(days=2)),
        SessionFactory(status=SUBMITTED, title="B talk", lead=teacher, created_ago=dt.timedelta(days=1)),
    )
    client.force_login(committee_member)

    response = client.post(
        reverse("events:approvals"), {"action": "send_back", "session": [a.pk, b.pk], "comment": comment}, follow=True
    )

    assert response.context["approval_errors"] == [
        {"anchor": "id_comment", "text": "Write a comment for the teachers before sending sessions back."}
    ]
    assert response.context["ticked"] == {a.pk, b.pk}  # shown again as sent
    assert _statuses(a, b) == ["submitted", "submitted"]
    assert SessionChange.objects.count() == 0


def test_approving_with_nothing_ticked_is_refused(client, teacher, committee_member):
    session = SessionFactory(status=SUBMITTED, title="A talk", lead=teacher, created_ago=dt.timedelta(days=1))
    client.force_login(committee_member)
    response = client.post(reverse("events:approvals"), {"action": "approve"}, follow=True)
    assert response.context["approval_errors"] == [
        {"anchor": f"select-{session.pk}", "text": "Tick at least one session first."}
    ]
    assert _statuses(session) == ["submitted"]


def test_approving_a_session_someone_already_approved_skips_it(client, teacher, committee_member):
    done = SessionFactory(status=SUBMITTED, title="Approved elsewhere", lead=teacher, created_ago=dt.timedelta(days=2))
    waiting = SessionFactory(status=SUBMITTED, title="Waiting", lead=teacher, created_ago=dt.timedelta(days=1))
    Session.objects.filter(pk=done.pk).update(status=PUBLISHED)
    client.force_login(committee_member)

    response = client.post(
        reverse("events:approvals"), {"action": "approve", "session": [done.pk, waiting.pk]}, follow=True
    )

    assert _messages(response) == ["1 session published."]
    assert _statuses(done, waiting) == ["published", "published"]
    assert SessionChange.objects.filter(session=done).count() == 0


def test_each_session_awaiting_approval_is_a_card_with_its_warnings_and_its_approve_button(
    client, teacher, committee_member
):
    published = SessionFactory(status=PUBLISHED, title="ECG", target_years=[3], starts_at=in_days(9))
    clashing = SessionFactory(status=SUBMITTED, title="Murmurs", lead=teacher, created_ago=dt.timedelta(days=1))
    Session.objects.filter(pk=clashing.pk).update(starts_at=published.starts_at, ends_at=published.ends_at)
    quiet = SessionFactory(status=SUBMITTED, title="Quiet", lead=teacher, created_ago=dt.timedelta(days=2))
    client.force_login(committee_member)

    content = client.get(reverse("events:approvals")).content.decode()

    cards = {
        int(re.search(r'value="approve:(\d+)"', card).group(1)): card
        for card in re.findall(r'<li class="card approval-card">.*?</button>', content, re.S)
    }
    assert list(cards) == [quiet.pk, clashing.pk]
    assert "Clashes with “ECG”" in cards[clashing.pk]
    assert "Check before approving" not in cards[quiet.pk]
    assert f'<input class="form-check-input" type="checkbox" name="session" value="{clashing.pk}"' in cards[clashing.pk]
    assert "<table" not in content


# Proposing


@pytest.mark.parametrize(
    ("button", "status", "message"),
    [
        ("draft", "draft", "“ECG interpretation” is saved as a draft."),
        ("submit", "submitted", "“ECG interpretation” has been sent to the committee for approval."),
    ],
)
def test_propose_creates_the_session_with_the_teacher_as_lead(client, teacher, button, status, message):
    client.force_login(teacher)
    data = _proposal() | {button: ""}

    response = client.post(reverse("teachers:propose"), data, follow=True)

    session = Session.objects.get()
    assert response.redirect_chain == [(reverse("events:detail", args=[session.pk]), 302)]
    assert _messages(response) == [message]
    assert (session.title, session.topic, session.description, session.format, session.status) == (
        "ECG interpretation",
        "Cardiology",
        "Rate, rhythm, axis.",
        "in_person",
        status,
    )
    assert (_local(session.starts_at), _local(session.ends_at)) == (data["starts_at"], data["ends_at"])
    assert (session.venue, session.meeting_url, session.capacity, session.online_capacity) == (
        "Lecture Theatre 2",
        "",
        40,
        None,
    )
    assert (session.created_by, session.target_year_numbers) == (teacher, [2, 3])
    assert list(RosterEntry.objects.values_list("session", "teacher", "role")) == [(session.pk, teacher.pk, "lead")]
    assert "Tom Okafor (lead)" in response.content.decode()


def test_propose_online_session_drops_the_venue_and_places(client, teacher):
    client.force_login(teacher)
    data = _proposal(format="online", meeting_url="https://teams.example/ecg", venue="Room 1", online_capacity="9")
    client.post(reverse("teachers:propose"), data | {"draft": ""})
    session = Session.objects.get()
    assert (session.format, session.venue, session.meeting_url, session.capacity, session.online_capacity) == (
        "online",
        "",
        "https://teams.example/ecg",
        None,
        None,
    )


def _past(hours: int) -> str:
    return _local(timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=hours))


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {"starts_at": _local(in_days(10, hour=17)), "ends_at": _local(in_days(10, hour=16))},
            {"ends_at": ["The session must end after it starts."]},
        ),
        (
            {"starts_at": _local(in_days(10, hour=17)), "ends_at": _local(in_days(10, hour=17))},
            {"ends_at": ["The session must end after it starts."]},
        ),
        ({"format": "in_person", "venue": ""}, {"venue": ["Say where the session takes place."]}),
        (
            {"format": "hybrid", "venue": "", "meeting_url": "https://zoom.example/1"},
            {"venue": ["Say where the session takes place."]},
        ),
        (
            {"format": "online", "venue": "", "meeting_url": ""},
            {"meeting_url": ["Add the meeting link (Teams, Zoom or other)."]},
        ),
        ({"starts_at": _past(2), "ends_at": _past(1)}, {"starts_at": ["Choose a time in the future."]}),
        ({"target_years": []}, {"target_years": ["This field is required."]}),
    ],
    ids=["ends-before-start", "ends-at-start", "no-venue", "hybrid-no-venue", "no-link", "past", "no-year"],
)
def test_propose_form_errors_create_nothing(client, teacher, overrides, errors):
    client.force_login(teacher)
    response = client.post(reverse("teachers:propose"), _proposal(**overrides) | {"submit": ""})
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    for messages in errors.values():
        assert messages[0] in response.content.decode()
    assert Session.objects.count() == 0


# The catalogue


def test_catalogue_by_default_shows_the_members_year_only(client, member, teacher):
    SessionFactory(status=PUBLISHED, title="Year two anatomy", target_years=[2], starts_at=in_days(3))
    SessionFactory(status=PUBLISHED, title="Shared histology", target_years=[2, 4], starts_at=in_days(4))
    SessionFactory(status=PUBLISHED, title="Year four surgery", target_years=[4], starts_at=in_days(2))
    client.force_login(member)  # year 2

    response = client.get(reverse("events:catalogue"))

    assert _titles(response) == ["Year two anatomy", "Shared histology"]
    assert response.context["filter_form"]["year"].value() == "2"
    content = response.content.decode()
    assert "Year four surgery" not in content
    assert "2 sessions found." in content


def test_catalogue_skip_link_comes_before_the_filters_and_focuses_the_results_heading(client, member):
    SessionFactory(status=PUBLISHED, title="Year two anatomy", target_years=[2], starts_at=in_days(3))
    client.force_login(member)

    content = client.get(reverse("events:catalogue")).content.decode()

    skip = content.index('<a class="visually-hidden-focusable skip-to-results" href="#results">Skip to results</a>')
    assert skip < content.index('<form method="get"') < content.index("Year two anatomy")
    heading = re.findall(r'<h2 [^>]*id="results"[^>]*>([^<]*)</h2>', content)
    assert heading == ["1 session found."]
    assert re.search(r'<h2 [^>]*id="results" tabindex="-1"', content)
    assert content.count('id="results"') == 1


def test_catalogue_with_empty_year_shows_every_year(client, member):
    SessionFactory(status=PUBLISHED, title="Year two anatomy", target_years=[2], starts_at=in_days(3))
    SessionFactory(status=PUBLISHED, title="Year four surgery", target_years=[4], starts_at=in_days(2))
    SessionFactory(status=PUBLISHED, title="Year six finals", target_years=[6], starts_at=in_days(5))
    client.force_login(member)

    response = client.get(reverse("events:catalogue"), {"year": ""})

    assert _titles(response) == ["Year four surgery", "Year two anatomy", "Year six finals"]


def test_catalogue_for_a_member_without_a_year_shows_every_year(client):
    SessionFactory(status=PUBLISHED, title="Year one", target_years=[1], starts_at=in_days(3))
    SessionFactory(status=PUBLISHED, title="Year five", target_years=[5], starts_at=in_days(4))
    client.force_login(MemberFactory(year_of_study=None))
    assert _titles(client.get(reverse("events:catalogue"))) == ["Year one", "Year five"]


def test_catalogue_shows_only_published_sessions_that_have_not_ended(client, member):
    now = timezone.now()
    SessionFactory(status=PUBLISHED, title="Upcoming lecture", starts_at=in_days(2))
    SessionFactory(
        status=PUBLISHED,
        title="Running now",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
    )
    SessionFactory(status=PUBLISHED, title="Ended lecture", starts_at=now - dt.timedelta(hours=3), ends_at=now)
    SessionFactory(status=SessionStatus.COMPLETED, title="Completed lecture", starts_at=in_days(-7))
    SessionFactory(status=DRAFT, title="Draft lecture", starts_at=in_days(2))
    SessionFactory(status=SUBMITTED, title="Submitted lecture", starts_at=in_days(2))
    SessionFactory(status=SessionStatus.CANCELLED, title="Cancelled lecture", starts_at=in_days(2))
    client.force_login(member)

    response = client.get(reverse("events:catalogue"), {"year": ""})

    assert _titles(response) == ["Running now", "Upcoming lecture"]
    content = response.content.decode()
    for title in ("Ended", "Completed", "Draft", "Submitted", "Cancelled"):
        assert f"{title} lecture" not in content


@pytest.fixture
def catalogue(member):
    """Four upcoming published sessions that differ in one way each, and the series they use."""
    series = SeriesFactory(title="Year 2 revision")
    SessionFactory(
        status=PUBLISHED,
        title="Heart sounds",
        target_years=[2],
        format=SessionFormat.IN_PERSON,
        topic="Cardiology",
        description="Murmurs at the bedside",
        starts_at=in_days(3),
    )
    SessionFactory(
        status=PUBLISHED,
        title="Kidney basics",
        target_years=[2],
        format=SessionFormat.ONLINE,
        venue="",
        meeting_url="https://teams.example/k",
        topic="Renal",
        series=series,
        starts_at=in_days(10),
    )
    SessionFactory(
        status=PUBLISHED,
        title="Stroke pathways",
        target_years=[4],
        format=SessionFormat.HYBRID,
        meeting_url="https://teams.example/s",
        topic="Neurology",
        series=series,
        starts_at=in_days(20),
    )
    SessionFactory(
        status=PUBLISHED,
        title="Cardiac arrest drills",
        target_years=[5],
        format=SessionFormat.IN_PERSON,
        topic="cardiology",
        starts_at=in_days(30),
    )
    return series


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"year": ""}, ["Heart sounds", "Kidney basics", "Stroke pathways", "Cardiac arrest drills"]),
        ({"year": "2"}, ["Heart sounds", "Kidney basics"]),
        ({"year": "4"}, ["Stroke pathways"]),
        ({"year": "", "format": "in_person"}, ["Heart sounds", "Cardiac arrest drills"]),
        ({"year": "", "format": "hybrid"}, ["Stroke pathways"]),
        ({"year": "", "topic": "Renal"}, ["Kidney basics"]),
        ({"year": "", "topic": "Cardiology"}, ["Heart sounds", "Cardiac arrest drills"]),
        ({"year": "", "series": "SERIES"}, ["Kidney basics", "Stroke pathways"]),
        ({"year": "", "date_from": 10}, ["Kidney basics", "Stroke pathways", "Cardiac arrest drills"]),
        ({"year": "", "date_to": 10}, ["Heart sounds", "Kidney basics"]),
        ({"year": "", "date_from": 4, "date_to": 20}, ["Kidney basics", "Stroke pathways"]),
        ({"year": "", "q": "murmur"}, ["Heart sounds"]),
        ({"year": "", "q": "neuro"}, ["Stroke pathways"]),
        ({"year": "", "q": "CARD"}, ["Heart sounds", "Cardiac arrest drills"]),
        ({"year": "2", "format": "online", "q": "kidney"}, ["Kidney basics"]),
        ({"year": "4", "topic": "Renal"}, []),
    ],
)
def test_catalogue_filters_narrow_the_list(client, member, catalogue, query, expected):
    query = dict(query)
    if query.get("series") == "SERIES":
        query["series"] = catalogue.pk
    for name in ("date_from", "date_to"):
        if name in query:
            query[name] = (timezone.localdate() + dt.timedelta(days=query[name])).isoformat()
    client.force_login(member)

    response = client.get(reverse("events:catalogue"), query)

    assert response.context["filter_form"].errors == {}
    assert _titles(response) == expected
    if not expected:
        assert "No upcoming sessions match these filters." in response.content.decode()


def test_catalogue_pages_by_twelve(client, member):
    for n in range(13):
        SessionFactory(status=PUBLISHED, title=f"Tutorial {n:02}", target_years=[2], starts_at=in_days(2 + n))
    client.force_login(member)

    first = client.get(reverse("events:catalogue"))
    second = client.get(reverse("events:catalogue"), {"page": 2})

    assert _titles(first) == [f"Tutorial {n:02}" for n in range(12)]
    assert "Page 1 of 2" in first.content.decode()
    # The links carry the member's own year, which the first visit filtered by.
    assert 'href="?year=2&amp;page=2">Next</a>' in first.content.decode()
    assert _titles(second) == ["Tutorial 12"]
    assert "Page 2 of 2" in second.content.decode()


def test_catalogue_pagination_keeps_the_filters(client, member):
    for n in range(13):
        SessionFactory(status=PUBLISHED, title=f"Tutorial {n:02}", target_years=[4], starts_at=in_days(2 + n))
    client.force_login(member)
    response = client.get(reverse("events:catalogue"), {"year": "4", "q": "Tutorial", "page": "1"})
    assert response.context["paginator"].count == 13
    assert 'href="?year=4&amp;q=Tutorial&amp;page=2">Next</a>' in response.content.decode()


def test_session_page_shows_the_meeting_link_to_its_teachers_only(client, member, teacher):
    session = SessionFactory(
        status=PUBLISHED,
        title="Online ABGs",
        format=SessionFormat.ONLINE,
        venue="",
        meeting_url="https://teams.example/abg",
        lead=teacher,
    )
    client.force_login(member)
    page = client.get(reverse("events:detail", args=[session.pk])).content.decode()
    assert "https://teams.example/abg" not in page
    assert "The link is shown once you have a place." in page
    client.force_login(teacher)
    assert (
        '<a href="https://teams.example/abg" rel="noopener">'
        in client.get(reverse("events:detail", args=[session.pk])).content.decode()
    )


# Cancelling


def test_cancel_requires_a_reason(client, teacher):
    session = SessionFactory(status=PUBLISHED, title="Suturing", lead=teacher)
    client.force_login(teacher)
    url = reverse("events:cancel", args=[session.pk])
    assert "Cancel “Suturing”" in client.get(url).content.decode()

    response = client.post(url, {"reason": "  "})

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert _statuses(session) == ["published"]


def test_lead_cancels_with_a_reason(client, teacher):
    session = SessionFactory(status=PUBLISHED, title="Suturing", lead=teacher)
    client.force_login(teacher)

    response = client.post(reverse("events:cancel", args=[session.pk]), {"reason": "Skills lab closed"}, follow=True)

    assert response.redirect_chain == [(reverse("events:detail", args=[session.pk]), 302)]
    assert _messages(response) == ["“Suturing” has been cancelled."]
    session = Session.objects.get(pk=session.pk)
    assert (session.status, session.cancellation_reason) == ("cancelled", "Skills lab closed")
    assert "This session has been cancelled: Skills lab closed" in response.content.decode()
    assert client.get(reverse("events:cancel", args=[session.pk])).status_code == 403


def test_cancel_is_refused_to_a_co_teacher_and_an_attendee(client, teacher, other_teacher, member):
    session = SessionFactory(status=PUBLISHED, lead=teacher)
    add_to_roster(session=session, teacher=other_teacher)
    for user in (other_teacher, member):
        client.force_login(user)
        assert client.post(reverse("events:cancel", args=[session.pk]), {"reason": "Because"}).status_code == 403
    assert _statuses(session) == ["published"]


# The teacher's dashboard


def test_teacher_dashboard_groups_sessions_by_what_they_need_next(client, teacher, other_teacher):
    now = timezone.now()
    SessionFactory(status=DRAFT, title="My draft", lead=teacher, starts_at=in_days(9))
    SessionFactory(status=SUBMITTED, title="My request", lead=teacher, starts_at=in_days(8))
    SessionFactory(status=PUBLISHED, title="My next talk", lead=teacher, starts_at=in_days(5))
    co_taught = SessionFactory(status=PUBLISHED, title="Co-taught talk", lead=other_teacher, starts_at=in_days(6))
    add_to_roster(session=co_taught, teacher=teacher)
    SessionFactory(
        status=PUBLISHED, title="Just ended", lead=teacher, starts_at=now - dt.timedelta(hours=2), ends_at=now
    )
    SessionFactory(status=SessionStatus.COMPLETED, title="Last month", lead=teacher, starts_at=in_days(-30))
    SessionFactory(status=SessionStatus.CANCELLED, title="Called off", lead=teacher, starts_at=in_days(4))
    SessionFactory(status=DRAFT, title="Priya's draft", lead=other_teacher)
    SessionFactory(status=PUBLISHED, title="Priya's talk", lead=other_teacher)
    client.force_login(teacher)

    response = client.get(reverse("teachers:dashboard"))

    groups = {name: [s.title for s in response.context[name]] for name in ("drafts", "awaiting", "upcoming", "past")}
    assert groups == {
        "drafts": ["My draft"],
        "awaiting": ["My request"],
        "upcoming": ["My next talk", "Co-taught talk"],
        "past": ["Just ended", "Last month"],  # most recent first
    }
    assert [s.title for s in response.context["cancelled"]] == ["Called off"]
    content = response.content.decode()
    assert "Priya&#x27;s" not in content
    for empty in ("No drafts.", "Nothing is waiting for the committee.", "No upcoming sessions.", "No sessions taught"):
        assert empty not in content
    drafts = content.split('id="drafts-title"')[1].split("</section>")[0]
    assert "My draft" in drafts
    assert "My request" not in drafts


def test_teacher_dashboard_when_empty_says_so(client, teacher):
    client.force_login(teacher)
    content = client.get(reverse("teachers:dashboard")).content.decode()
    for empty in ("No drafts.", "Nothing is waiting for the committee.", "No upcoming sessions.", "No sessions taught"):
        assert empty in content


def test_teacher_dashboard_is_for_teachers_only(client, member, committee_member):
    for user in (member, committee_member):
        client.force_login(user)
        assert client.get(reverse("teachers:dashboard")).status_code == 403


def test_a_cancelled_draft_stays_private(client, member, teacher):
    session = SessionFactory(status=DRAFT, title="Half-finished idea", description="Private notes", lead=teacher)
    client.force_login(teacher)
    client.post(reverse("events:cancel", args=[session.pk]), {"reason": "Changed my mind"})
    assert _statuses(session) == ["cancelled"]

    client.force_login(member)
    response = client.get(reverse("events:detail", args=[session.pk]))

    assert response.status_code == 404
