"""The outbox in the Django admin: what it shows, in bounded queries, sending again and sending now."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from notifications.enums import MessageStatus
from tests.factories import MemberFactory
from tests.notifications.factories import cancellation_messages

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notifications_message_changelist")
SEND_NOW = reverse("admin:notifications_message_send_now")


@pytest.fixture
def admin_client_(client):
    client.force_login(MemberFactory(email="admin@example.ac.uk", is_staff=True, is_superuser=True))
    return client


# session, user, the outbox summary (one aggregate), count, count of all, the page of messages with
# their recipients (one join), and the date hierarchy's bounds and days
CHANGELIST_QUERIES = 8


@pytest.mark.parametrize("count", [2, 30])
def test_the_outbox_lists_in_the_same_queries_for_few_and_many(admin_client_, django_assert_num_queries, count):
    cancellation_messages(count)
    with django_assert_num_queries(CHANGELIST_QUERIES):
        response = admin_client_.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["cl"].result_count == count


def test_the_outbox_shows_status_attempts_and_the_last_error(admin_client_):
    [failed] = cancellation_messages(
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
    failed = cancellation_messages(
        2, status=MessageStatus.FAILED, attempts=8, last_error="SMTPServerDisconnected: gone"
    )
    [untouched] = cancellation_messages(1, status=MessageStatus.FAILED, attempts=8, last_error="kept")
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
    [message] = cancellation_messages(1)
    assert admin_client_.get(reverse("admin:notifications_message_add")).status_code == 403
    response = admin_client_.post(
        reverse("admin:notifications_message_change", args=[message.pk]), {"status": MessageStatus.SENT}
    )
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING


def _staff(**fields):
    """A staff member who may read the outbox in the admin (as a committee member is set up)."""
    member = MemberFactory(is_staff=True, **fields)
    member.user_permissions.add(Permission.objects.get(codename="view_message"))
    return member


def test_the_outbox_shows_how_many_wait_or_failed_and_how_long_the_oldest_has_waited(admin_client_):
    now = timezone.now()
    oldest, _due = cancellation_messages(2, created_at=now - dt.timedelta(minutes=7), next_attempt_at=now)
    _backing_off = cancellation_messages(1, attempts=2, next_attempt_at=now + dt.timedelta(minutes=3))
    cancellation_messages(3, status=MessageStatus.FAILED, attempts=12)
    cancellation_messages(1, status=MessageStatus.SENDING, claimed_at=now - dt.timedelta(minutes=6), attempts=1)
    cancellation_messages(4, status=MessageStatus.SENT, attempts=1)

    response = admin_client_.get(CHANGELIST)

    outbox = response.context["outbox"]
    assert outbox.counts == {"pending": 3, "sending": 1, "sent": 4, "skipped": 0, "failed": 3}
    assert (outbox.due, outbox.backing_off, outbox.lapsed) == (2, 1, 1)
    assert outbox.oldest_waiting_at == oldest.created_at
    html = response.content.decode()
    assert '<td class="outbox-pending">3</td>' in html
    assert '<td class="outbox-backing-off">1</td>' in html
    assert '<td class="outbox-failed">3</td>' in html
    assert '<td class="outbox-oldest">7\xa0minutes ago</td>' in html
    assert '<td class="outbox-next">in 2\xa0minutes</td>' in html
    assert 'value="Send now"' in html


def test_send_now_sends_every_waiting_message_at_once_whatever_its_back_off(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    now = timezone.now()
    backing_off = cancellation_messages(
        2, attempts=3, next_attempt_at=now + dt.timedelta(minutes=4), last_error="SMTP down"
    )
    [failed] = cancellation_messages(1, status=MessageStatus.FAILED, attempts=12, last_error="550 No such user")
    client.force_login(_staff(roles=["committee"]))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SEND_NOW, follow=True)

    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["2 waiting messages queued to be sent now."]
    assert sorted(email.to[0] for email in mailoutbox) == sorted(m.recipient.email for m in backing_off)
    for message in backing_off:
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.SENT, 4)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (MessageStatus.FAILED, 12)  # failed ones are for "Send again"


def test_send_now_leaves_a_message_a_live_worker_is_sending(client, mailoutbox):
    [held] = cancellation_messages(1, status=MessageStatus.SENDING, claimed_at=timezone.now(), attempts=1)
    client.force_login(_staff(roles=["committee"]))
    response = client.post(SEND_NOW, follow=True)
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["0 waiting messages queued to be sent now."]
    held.refresh_from_db()
    assert held.status == MessageStatus.SENDING
    assert mailoutbox == []


def test_send_now_is_for_the_committee_and_admins_only(client, mailoutbox):
    [waiting] = cancellation_messages(1, attempts=1, next_attempt_at=timezone.now() + dt.timedelta(minutes=4))
    client.force_login(_staff(roles=["teacher"]))

    page = client.get(CHANGELIST)
    response = client.post(SEND_NOW)

    assert page.status_code == 200
    assert page.context["outbox"].counts["pending"] == 1  # the figures, but no button
    assert 'value="Send now"' not in page.content.decode()
    assert response.status_code == 403
    waiting.refresh_from_db()
    assert (waiting.status, waiting.next_attempt_at > timezone.now()) == (MessageStatus.PENDING, True)
    assert mailoutbox == []


def test_send_now_takes_only_a_post(admin_client_):
    assert admin_client_.get(SEND_NOW).status_code == 405
