"""The outbox in the Django admin: what it shows, in bounded queries, and sending again."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from attendance.models import Registration
from notifications.enums import MessageKind, MessageStatus
from notifications.models import Message
from tests.factories import MemberFactory
from tests.notifications.factories import published_session, student

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notifications_message_changelist")


@pytest.fixture
def admin_client_(client):
    client.force_login(MemberFactory(email="admin@example.ac.uk", is_staff=True, is_superuser=True))
    return client


def _messages(count, **fields):
    """Cancellation messages to members holding a place (written straight to the tables)."""
    session = published_session()
    messages = []
    for _ in range(count):
        member = student()
        Registration.objects.create(session=session, member=member, mode="in_person", state="registered")
        messages.append(
            Message.objects.create(
                kind=MessageKind.SESSION_CANCELLED,
                recipient=member,
                subject_type="events.session",
                subject_id=session.pk,
                occurrence="cancelled",
                **fields,
            )
        )
    return messages


# session, user, count, count of all, the page of messages with their recipients (one join), and
# the date hierarchy's bounds and days
CHANGELIST_QUERIES = 7


@pytest.mark.parametrize("count", [2, 30])
def test_the_outbox_lists_in_the_same_queries_for_few_and_many(admin_client_, django_assert_num_queries, count):
    _messages(count)
    with django_assert_num_queries(CHANGELIST_QUERIES):
        response = admin_client_.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["cl"].result_count == count


def test_the_outbox_shows_status_attempts_and_the_last_error(admin_client_):
    [failed] = _messages(
        1, status=MessageStatus.FAILED, attempts=3, last_error="SMTPResponseException: (550, 'No such user')"
    )
    response = admin_client_.get(CHANGELIST)
    [row] = response.context["cl"].result_list
    assert row.pk == failed.pk
    html = response.content.decode()
    assert "Failed" in html
    assert '<td class="field-attempts">3</td>' in html
    assert "SMTPResponseException: (550, &#x27;No such user&#x27;)" in html
    assert str(failed.recipient) in html


def test_the_resend_action_sends_failed_messages_again(admin_client_, mailoutbox, django_capture_on_commit_callbacks):
    failed = _messages(2, status=MessageStatus.FAILED, attempts=8, last_error="SMTPServerDisconnected: gone")
    [untouched] = _messages(1, status=MessageStatus.FAILED, attempts=8, last_error="kept")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(
            CHANGELIST, {"action": "resend", "_selected_action": [m.pk for m in failed]}, follow=True
        )
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["2 messages queued to be sent again."]
    assert sorted(email.to[0] for email in mailoutbox) == sorted(m.recipient.email for m in failed)
    for message in failed:
        message.refresh_from_db()
        assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 1, "")
    untouched.refresh_from_db()
    assert (untouched.status, untouched.attempts, untouched.last_error) == (MessageStatus.FAILED, 8, "kept")


def test_the_outbox_cannot_be_edited_or_added_to(admin_client_):
    [message] = _messages(1)
    assert admin_client_.get(reverse("admin:notifications_message_add")).status_code == 403
    response = admin_client_.post(
        reverse("admin:notifications_message_change", args=[message.pk]), {"status": MessageStatus.SENT}
    )
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
