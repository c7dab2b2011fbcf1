import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from events.clashes import warnings_for
from events.selectors import approval_queue, session_for_page
from events.services import cancel_session, submit_session
from teachers.services import add_to_roster
from tests.events.factories import ProposedSessionFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

START = (timezone.now() + dt.timedelta(days=5)).replace(hour=18, minute=0, second=0, microsecond=0)


def _warnings(session):
    return warnings_for([session_for_page(pk=session.pk)])[session.pk]


@pytest.fixture
def tom():
    return MemberFactory(first_name="Tom", last_name="Okafor", year_of_study=5, roles=["teacher"])


@pytest.fixture
def priya():
    return MemberFactory(first_name="Priya", last_name="Shah", year_of_study=5, roles=["teacher"])


def test_no_warnings_for_a_session_alone(tom):
    alone = ProposedSessionFactory(teacher=tom, title="ECG", target_years=[3], venue="Room 1", starts_at=START)
    assert _warnings(alone) == []


def test_overlapping_session_for_a_shared_year_is_a_clash(tom, priya):
    ProposedSessionFactory(teacher=tom, title="ECG", target_years=[2, 3], venue="Room 1", starts_at=START)
    mine = ProposedSessionFactory(
        teacher=priya,
        title="Renal",
        target_years=[3, 4],
        venue="Room 2",
        starts_at=START + dt.timedelta(minutes=30),
        status="draft",
    )
    assert _warnings(mine) == [
        f"Clashes with “ECG” ({timezone.localtime(START):%a} {timezone.localtime(START).day} "
        f"{timezone.localtime(START):%b} 18:00) for year 3."
    ]


def test_sessions_that_only_touch_or_share_no_year_do_not_clash(tom, priya):
    ProposedSessionFactory(teacher=tom, title="ECG", target_years=[3], venue="Room 1", starts_at=START)
    back_to_back = ProposedSessionFactory(
        teacher=priya,
        title="Renal",
        target_years=[3],
        venue="Room 1",
        starts_at=START + dt.timedelta(hours=1),
        status="draft",
    )
    other_year = ProposedSessionFactory(
        teacher=priya, title="Neuro", target_years=[4], venue="Room 2", starts_at=START, status="draft"
    )
    assert _warnings(back_to_back) == []
    assert _warnings(other_year) == []


def test_drafts_and_cancelled_sessions_do_not_count_as_clashes(tom, priya):
    ProposedSessionFactory(
        teacher=tom, title="Draft", target_years=[3], venue="Room 1", starts_at=START, status="draft"
    )
    cancelled = ProposedSessionFactory(teacher=tom, title="Off", target_years=[3], venue="Room 9", starts_at=START)
    cancel_session(session=cancelled, by=tom, reason="Ill")
    mine = ProposedSessionFactory(
        teacher=priya, title="Renal", target_years=[3], venue="Room 2", starts_at=START, status="draft"
    )
    assert _warnings(mine) == []


def test_teacher_already_teaching_and_venue_double_booked(tom, priya):
    ProposedSessionFactory(teacher=tom, title="ECG", target_years=[5], venue="Lecture Theatre 1", starts_at=START)
    mine = ProposedSessionFactory(
        teacher=priya, title="Renal", target_years=[3], venue="lecture theatre 1", starts_at=START, status="submitted"
    )
    add_to_roster(session=mine, teacher=tom)
    assert _warnings(mine) == [
        "Tom Okafor is already teaching “ECG” at that time.",
        "lecture theatre 1 is already booked for “ECG” at that time.",
    ]


def test_near_peer_rule_flags_a_teacher_not_above_every_target_year(tom, settings):
    settings.NEAR_PEER_MIN_YEARS = 1
    finals = ProposedSessionFactory(
        teacher=tom, title="Finals prep", target_years=[4], venue="Room 1", starts_at=START, status="draft"
    )
    assert _warnings(finals) == []
    peers = ProposedSessionFactory(
        teacher=tom, title="Peers", target_years=[3, 5], venue="Room 3", starts_at=START, status="draft"
    )
    assert _warnings(peers) == ["Tom Okafor (year 5) is not at least 1 year above year 5."]
    settings.NEAR_PEER_MIN_YEARS = 2
    close = ProposedSessionFactory(
        teacher=tom, title="Close", target_years=[4], venue="Room 4", starts_at=START, status="draft"
    )
    assert _warnings(close) == ["Tom Okafor (year 5) is not at least 2 years above year 4."]


@pytest.mark.parametrize("count", [1, 20])
def test_warnings_for_many_sessions_take_a_fixed_number_of_queries(tom, django_assert_num_queries, count):
    for n in range(count):
        session = ProposedSessionFactory(
            teacher=tom,
            title=f"S{n}",
            target_years=[1],
            venue="Room 1",
            starts_at=START + dt.timedelta(days=n),
            status="draft",
        )
        submit_session(session=session, by=tom)
    sessions = list(approval_queue())
    with django_assert_num_queries(4):  # sessions in the window, their target years, rosters, teachers
        warnings = warnings_for(sessions)
    assert set(warnings) == {s.pk for s in sessions}


def test_proposing_a_clashing_session_warns_the_teacher_at_once(client, tom, priya):
    ProposedSessionFactory(teacher=tom, title="ECG", target_years=[3], venue="Room 1", starts_at=START)
    client.force_login(priya)
    start = timezone.localtime(START)
    response = client.post(
        reverse("teachers:propose"),
        {
            "title": "Renal",
            "format": "in_person",
            "venue": "Room 1",
            "target_years": ["3"],
            "starts_at": f"{start:%Y-%m-%dT%H:%M}",
            "ends_at": f"{start + dt.timedelta(hours=1):%Y-%m-%dT%H:%M}",
            "draft": "",
        },
        follow=True,
    )
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings[0].startswith("Clashes with “ECG”")
    assert "Room 1 is already booked for “ECG” at that time." in warnings


def test_a_clash_over_several_years_names_them_as_years(tom, priya):
    ProposedSessionFactory(teacher=tom, title="ECG", target_years=[2, 3, 4], venue="Room 1", starts_at=START)
    mine = ProposedSessionFactory(
        teacher=priya, title="Renal", target_years=[3, 4], venue="Room 2", starts_at=START, status="draft"
    )
    assert _warnings(mine)[0].endswith("18:00) for years 3, 4.")
