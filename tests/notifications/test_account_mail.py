"""allauth's e-mails go through the outbox: written already rendered in the request, to the address
allauth chose, sent after commit with the outbox's retries, and shown to admins with their keys
hidden. (With real processes and a mail server that refuses or hangs: tests/integration.)"""

import datetime as dt
import re
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from members.services import close_account
from notifications import tasks
from notifications.enums import MessageKind, MessageStatus
from notifications.models import Message
from notifications.preferences import set_preferences
from notifications.rendering import mask_links
from notifications.sending import send_messages, unsent_message_ids
from notifications.services import notify
from tests.factories import MemberFactory
from tests.notifications.factories import SEND

pytestmark = pytest.mark.django_db

RESET = reverse("account_reset_password")
RESET_SUBJECT = "[MedEd] Password Reset Email"
CONFIRM_SUBJECT = "[MedEd] Please Confirm Your Email Address"
RESET_LINK = re.compile(r"https://meded.example.ac.uk/accounts/password/reset/key/(\S+)/")


def _reset(client, email: str, capture):
    """Ask for a reset link as the page does, running what waits for the commit."""
    with capture(execute=True):
        return client.post(RESET, {"email": email})


def test_a_password_reset_is_written_to_the_outbox_in_the_request_and_mailed_after_commit(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(RESET, {"email": "Aisha.Khan@example.ac.uk"})

    assert (response.status_code, response["Location"]) == (302, reverse("account_reset_password_done"))
    assert mailoutbox == []
    row = Message.objects.get()
    assert (row.kind, row.recipient, row.status, row.about_type, row.attempts) == (
        MessageKind.ACCOUNT,
        member,
        MessageStatus.PENDING,
        "",
        0,
    )
    assert (row.context["to"], row.context["subject"], row.context["html"]) == ([member.email], RESET_SUBJECT, "")
    assert RESET_LINK.search(row.context["text"])

    for callback in callbacks:
        callback()

    [email] = mailoutbox
    assert (email.to, email.subject, email.body) == ([member.email], RESET_SUBJECT, row.context["text"])
    assert email.extra_headers["Message-ID"] == f"<outbox-{row.pk}.0@meded.example.ac.uk>"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (MessageStatus.SENT, 1, "")


def test_the_mailed_reset_link_sets_a_new_password(client, member, mailoutbox, django_capture_on_commit_callbacks):
    _reset(client, member.email, django_capture_on_commit_callbacks)
    [email] = mailoutbox
    form = client.get(RESET_LINK.search(email.body)[0].removeprefix("https://meded.example.ac.uk"), follow=True)
    new_password = {"password1": "a-new-passphrase", "password2": "a-new-passphrase"}
    response = client.post(form.redirect_chain[-1][0], new_password)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("a-new-passphrase")


def test_a_confirmation_goes_to_the_address_being_confirmed_not_the_members_main_one(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_email"), {"action_add": "", "email": "aisha.second@example.ac.uk"})

    row = Message.objects.get()
    assert (row.recipient, row.context["to"], row.context["subject"]) == (
        member,
        ["aisha.second@example.ac.uk"],
        CONFIRM_SUBJECT,
    )
    assert [email.to for email in mailoutbox] == [["aisha.second@example.ac.uk"]]
    assert "/accounts/confirm-email/" in mailoutbox[0].body


def test_the_no_account_reply_is_to_the_address_asked_about_and_belongs_to_no_member(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    _reset(client, "nobody@example.ac.uk", django_capture_on_commit_callbacks)
    row = Message.objects.get()
    assert (row.kind, row.recipient, row.context["to"], row.status) == (
        MessageKind.ACCOUNT,
        None,
        ["nobody@example.ac.uk"],
        MessageStatus.SENT,
    )
    assert [email.to for email in mailoutbox] == [["nobody@example.ac.uk"]]


def test_signing_up_with_a_taken_address_tells_its_holder_through_the_outbox(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    signup = {
        "email": member.email,
        "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
        "first_name": "Someone",
        "last_name": "Else",
        "year_of_study": "1",
        "entry_year": "2026",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), signup)

    # The page reads as for a new address (no enumeration); the holder hears of it.
    assert (response.status_code, response["Location"]) == (302, reverse("account_email_verification_sent"))
    row = Message.objects.get()
    assert (row.recipient, row.context["to"], row.status) == (None, [member.email], MessageStatus.SENT)
    assert [email.to for email in mailoutbox] == [[member.email]]


def test_an_account_mail_written_in_a_transaction_that_rolls_back_is_neither_kept_nor_sent(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom), transaction.atomic():
        client.post(RESET, {"email": member.email})
        raise Boom

    assert (callbacks, mailoutbox, Message.objects.count()) == ([], [], 0)


def test_a_refusing_mail_server_leaves_the_page_answering_and_the_mail_to_a_retry_that_sends_it_once(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    # Even with tasks run in the request (as in these tests), the page does not see the failure.
    with mock.patch(SEND, side_effect=ConnectionRefusedError(111, "Connection refused")):
        response = _reset(client, member.email, django_capture_on_commit_callbacks)

    assert (response.status_code, response["Location"]) == (302, reverse("account_reset_password_done"))
    row = Message.objects.get()
    assert (row.status, row.attempts, row.last_error) == (
        MessageStatus.PENDING,
        1,
        "ConnectionRefusedError: [Errno 111] Connection refused",
    )
    assert mailoutbox == []

    # The sweep takes it when the back-off has passed; as if it had, it goes, once.
    assert unsent_message_ids(now=row.next_attempt_at) == [row.pk]
    Message.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert send_messages(message_ids=[row.pk])["sent"] == 1
    assert send_messages(message_ids=[row.pk])["not_claimed"] == 1
    [email] = mailoutbox
    assert (email.to, email.subject) == ([member.email], RESET_SUBJECT)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (MessageStatus.SENT, 2)


def test_an_account_mail_goes_with_every_optional_e_mail_turned_off(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    set_preferences(member=member, subscribed=[])
    _reset(client, member.email, django_capture_on_commit_callbacks)
    assert [email.subject for email in mailoutbox] == [RESET_SUBJECT]


def test_an_account_mail_to_a_member_made_inactive_before_it_went_is_skipped(client, member, mailoutbox):
    client.post(RESET, {"email": member.email})  # its dispatch waits for a commit that never comes
    member.is_active = False
    member.save(update_fields=["is_active"])

    assert send_messages(message_ids=[Message.objects.get().pk])["skipped"] == 1
    assert mailoutbox == []


def test_closing_an_account_deletes_its_account_mails_and_nothing_else(client, member):
    client.post(RESET, {"email": member.email})
    notify(kind=MessageKind.COMMITTEE_DIGEST, recipient=member, occurrence="2027-W02")
    other = MemberFactory()
    client.post(RESET, {"email": other.email})

    close_account(member=member, by=member)

    assert sorted(Message.objects.values_list("kind", "recipient")) == [
        (MessageKind.ACCOUNT, other.pk),
        (MessageKind.COMMITTEE_DIGEST, member.pk),  # the record of it stays; it will be skipped
    ]


def test_finished_account_mails_are_purged_like_any_other(client, settings):
    settings.NOTIFICATION_KEEP_DAYS = 365
    client.post(RESET, {"email": "nobody@example.ac.uk"})
    client.post(RESET, {"email": "someone@example.ac.uk"})
    old, recent = Message.objects.order_by("pk")
    Message.objects.filter(pk=old.pk).update(
        status=MessageStatus.SENT, created_at=timezone.now() - dt.timedelta(days=366)
    )
    Message.objects.filter(pk=recent.pk).update(status=MessageStatus.SENT)

    assert tasks.purge.delay().get() == 1
    assert list(Message.objects.values_list("pk", flat=True)) == [recent.pk]


# --- The admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin_client_(client):
    client.force_login(MemberFactory(email="admin@example.ac.uk", is_staff=True, is_superuser=True))
    return client


def test_the_admin_shows_an_account_mail_with_its_reset_link_hidden(admin_client_, member):
    admin_client_.post(RESET, {"email": member.email})
    row = Message.objects.get()
    key = RESET_LINK.search(row.context["text"])[1]

    html = admin_client_.get(reverse("admin:notifications_message_change", args=[row.pk])).content.decode()

    assert "https://meded.example.ac.uk/accounts/password/reset/key/[hidden]" in html
    assert f"To: {member.email}" in html
    assert RESET_SUBJECT in html
    assert key not in html
    assert key.split("-", 1)[1] not in html  # nor the token without the member's key


def test_the_outbox_lists_account_mails_with_and_without_a_member(admin_client_, member):
    admin_client_.post(RESET, {"email": member.email})
    admin_client_.post(RESET, {"email": "nobody@example.ac.uk"})
    response = admin_client_.get(reverse("admin:notifications_message_changelist"))
    assert response.context["cl"].result_count == 2
    html = response.content.decode()
    assert html.count("Account e-mail (confirming an address, resetting a password)") >= 2
    assert str(member) in html


def test_the_admin_can_send_an_account_mail_again_as_it_was_written(
    admin_client_, member, mailoutbox, django_capture_on_commit_callbacks
):
    _reset(admin_client_, member.email, django_capture_on_commit_callbacks)
    row = Message.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_.post(
            reverse("admin:notifications_message_changelist"), {"action": "resend", "_selected_action": [row.pk]}
        )
    first, again = mailoutbox
    assert (again.to, again.subject, again.body) == (first.to, first.subject, first.body)
    assert again.extra_headers["Message-ID"] == f"<outbox-{row.pk}.1@meded.example.ac.uk>"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "Reset: https://meded.example.ac.uk/accounts/password/reset/key/2-cm9h5w-0123abcd/\nThanks",
            "Reset: https://meded.example.ac.uk/accounts/password/reset/key/[hidden]\nThanks",
        ),
        (
            "https://meded.example.ac.uk/accounts/confirm-email/MQ:1tX:abc/",
            "https://meded.example.ac.uk/accounts/confirm-email/[hidden]",
        ),
        ("See https://meded.example.ac.uk/signup?key=secret#x.", "See https://meded.example.ac.uk/[hidden]"),
        (
            "Visit https://meded.example.ac.uk or https://meded.example.ac.uk/",
            "Visit https://meded.example.ac.uk or https://meded.example.ac.uk/",
        ),
    ],
)
def test_links_are_shown_without_their_last_segment_query_or_fragment(text, shown):
    assert mask_links(text) == shown
