import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from teachers.enums import InvitationStatus
from teachers.models import CoTeachingInvitation, RosterEntry
from teachers.services import (
    InvitationRefused,
    answer_invitation,
    find_teacher,
    invite_co_teacher,
    propose_session,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return MemberFactory(
        first_name="Tom", last_name="Okafor", email="tom@example.ac.uk", roles=["teacher"], year_of_study=5
    )


@pytest.fixture
def priya():
    return MemberFactory(first_name="Priya", last_name="Shah", email="priya@example.ac.uk", roles=["teacher"])


@pytest.fixture
def session(lead):
    start = timezone.now() + dt.timedelta(days=4)
    return propose_session(
        teacher=lead,
        title="Renal",
        format="online",
        meeting_url="https://teams.example/j",
        target_years=[2],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )


def test_find_teacher_by_email_or_by_name(priya):
    MemberFactory(first_name="Priya", last_name="Patel", roles=[])  # not a teacher: never matched
    assert find_teacher(name_or_email="PRIYA@example.ac.uk") == priya
    assert find_teacher(name_or_email="priya shah") == priya
    assert find_teacher(name_or_email="Shah") == priya


def test_find_teacher_refuses_no_match_and_several_matches(priya):
    MemberFactory(first_name="Priya", last_name="Rao", roles=["teacher"])
    with pytest.raises(InvitationRefused, match=re.escape("No approved teacher matches “Nobody”.")):
        find_teacher(name_or_email="Nobody")
    with pytest.raises(
        InvitationRefused, match=re.escape("More than one teacher matches “Priya”: use their email address.")
    ):
        find_teacher(name_or_email="Priya")


def test_invited_teacher_accepts_and_joins_the_roster_as_co_teacher(session, lead, priya):
    invitation = invite_co_teacher(session=session, invited_by=lead, teacher=priya)
    answer_invitation(invitation=invitation, teacher=priya, accept=True)
    assert RosterEntry.objects.get(session=session, teacher=priya).role == "co_teacher"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED


def test_declining_leaves_the_roster_alone_and_an_answer_is_final(session, lead, priya):
    invitation = invite_co_teacher(session=session, invited_by=lead, teacher=priya)
    answer_invitation(invitation=invitation, teacher=priya, accept=False)
    assert not RosterEntry.objects.filter(teacher=priya).exists()
    with pytest.raises(InvitationRefused, match="already been answered"):
        answer_invitation(invitation=invitation, teacher=priya, accept=True)


def test_only_the_invited_teacher_may_answer(session, lead, priya):
    invitation = invite_co_teacher(session=session, invited_by=lead, teacher=priya)
    with pytest.raises(InvitationRefused, match="for someone else"):
        answer_invitation(invitation=invitation, teacher=lead, accept=True)


def test_no_second_invitation_and_none_for_someone_already_teaching(session, lead, priya):
    invite_co_teacher(session=session, invited_by=lead, teacher=priya)
    with pytest.raises(InvitationRefused, match=re.escape("Priya Shah has already been invited.")):
        invite_co_teacher(session=session, invited_by=lead, teacher=priya)
    with pytest.raises(InvitationRefused, match=re.escape("Tom Okafor already teaches this session.")):
        invite_co_teacher(session=session, invited_by=lead, teacher=lead)


def test_lead_invites_from_the_session_page_and_the_invitee_accepts_on_their_dashboard(client, session, lead, priya):
    client.force_login(lead)
    page = client.get(reverse("events:detail", args=[session.pk])).content.decode()
    assert "Invite a co-teacher" in page
    response = client.post(reverse("teachers:invite", args=[session.pk]), {"name_or_email": "priya shah"}, follow=True)
    assert "Priya Shah has been invited to co-teach." in response.content.decode()

    client.force_login(priya)
    dashboard = client.get(reverse("teachers:dashboard")).content.decode()
    assert "Tom Okafor invites you to co-teach <strong>Renal</strong>" in dashboard
    invitation = CoTeachingInvitation.objects.get()
    response = client.post(
        reverse("teachers:answer_invitation", args=[invitation.pk]), {"answer": "accept"}, follow=True
    )
    assert "You are now co-teaching “Renal”." in response.content.decode()
    assert RosterEntry.objects.filter(session=session, teacher=priya, role="co_teacher").exists()


def test_only_the_lead_may_invite(client, session, priya):
    client.force_login(priya)
    assert "Invite a co-teacher" not in client.get(reverse("events:detail", args=[session.pk])).content.decode()
    response = client.post(reverse("teachers:invite", args=[session.pk]), {"name_or_email": "priya@example.ac.uk"})
    assert response.status_code == 404  # a draft is invisible to teachers not on its roster
    assert CoTeachingInvitation.objects.count() == 0


def test_someone_elses_invitation_is_not_found(client, session, lead, priya):
    invitation = invite_co_teacher(session=session, invited_by=lead, teacher=priya)
    client.force_login(MemberFactory(roles=["teacher"]))
    response = client.post(reverse("teachers:answer_invitation", args=[invitation.pk]), {"answer": "accept"})
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_an_invitation_cannot_be_accepted_once_the_session_is_cancelled(session, lead, priya):
    from events.services import cancel_session

    invitation = invite_co_teacher(session=session, invited_by=lead, teacher=priya)
    cancel_session(session=session, by=lead, reason="Ill")
    with pytest.raises(InvitationRefused, match="has been cancelled or has already taken place"):
        answer_invitation(invitation=invitation, teacher=priya, accept=True)
    assert not RosterEntry.objects.filter(teacher=priya).exists()
