""" "Join online" on a member's own place is offered by one rule (`events.permissions.
offers_meeting_link`) on the home page and on My sessions: an online place at a session going
ahead with a meeting link. The committee may see every meeting link on the session page, but an
in-person place of theirs is not a way to join online."""

import datetime as dt

import pytest
from django.urls import reverse

from attendance.enums import Mode
from events.enums import SessionStatus
from tests.attendance.factories import RegistrationFactory
from tests.events.factories import PublishedSessionFactory

pytestmark = pytest.mark.django_db

MEETING_URL = "https://teams.example/meet"
JOIN = f'href="{MEETING_URL}"'


def _pages(client, member) -> tuple[str, str]:
    client.force_login(member)
    home = client.get(reverse("home")).content.decode()
    mine = client.get(reverse("attendance:mine")).content.decode()
    return home, mine


@pytest.mark.parametrize(
    ("mode", "status", "offered"),
    [
        (Mode.ONLINE, SessionStatus.PUBLISHED, True),
        (Mode.IN_PERSON, SessionStatus.PUBLISHED, False),
        (Mode.ONLINE, SessionStatus.CANCELLED, False),
    ],
)
def test_home_and_my_sessions_agree_on_join_online_for_the_committee(client, committee_member, mode, status, offered):
    session = PublishedSessionFactory(
        starts_in=dt.timedelta(days=1), hybrid=True, meeting_url=MEETING_URL, status=status
    )
    RegistrationFactory(session=session, member=committee_member, mode=mode)

    home, mine = _pages(client, committee_member)

    assert (JOIN in home, JOIN in mine) == (offered, offered)
    # The committee still finds the link on the session page, whatever its own place.
    if status == SessionStatus.PUBLISHED:
        client.force_login(committee_member)
        assert MEETING_URL in client.get(reverse("events:detail", args=[session.pk])).content.decode()
