"""E-mail choices: the preferences page, what an unsubscription stops, and the one-click link."""

import datetime as dt

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from attendance.services import register
from events.services import cancel_session, update_session
from notifications.due import write_due_messages
from notifications.enums import Category, MessageKind, MessageStatus
from notifications.models import Message, Unsubscription
from notifications.preferences import UNSUBSCRIBE_SALT, read_unsubscribe_token, unsubscribe_token
from notifications.sending import send_messages
from tests.factories import MemberFactory
from tests.notifications.factories import published_session

pytestmark = pytest.mark.django_db

PREFERENCES = reverse("notifications:preferences")
SITE = "https://meded.example.ac.uk"


def _off(member):
    return set(Unsubscription.objects.filter(member=member).values_list("category", flat=True))


def _send_all():
    return send_messages(message_ids=list(Message.objects.order_by("pk").values_list("pk", flat=True)))


# --- The preferences page ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "offered"),
    [
        ([], ["reminders", "feedback"]),
        (["teacher"], ["reminders", "feedback", "teaching"]),
        (["committee"], ["reminders", "feedback", "digest"]),
        (["teacher", "committee"], ["reminders", "feedback", "teaching", "digest"]),
    ],
)
def test_the_page_offers_the_categories_that_can_reach_the_member(client, roles, offered):
    client.force_login(MemberFactory(roles=roles))
    response = client.get(PREFERENCES)
    assert response.status_code == 200
    form = response.context["form"]
    assert [value for value, _label in form.fields["categories"].choices] == offered
    assert form.initial == {"categories": offered}  # everything is on until turned off
    html = response.content.decode()
    for category in Category:
        assert (f'value="{category.value}"' in html) is (category.value in offered)


def test_the_page_shows_a_category_turned_off_as_unticked(client, member):
    Unsubscription.objects.create(member=member, category=Category.FEEDBACK)
    client.force_login(member)
    response = client.get(PREFERENCES)
    assert response.context["form"].initial == {"categories": ["reminders"]}


def test_saving_turns_categories_off_and_on_again(client, teacher):
    client.force_login(teacher)
    response = client.post(PREFERENCES, {"categories": ["reminders"]})
    assert (response.status_code, response["Location"]) == (302, PREFERENCES)
    assert _off(teacher) == {"feedback", "teaching"}
    client.post(PREFERENCES, {"categories": ["reminders", "teaching"]})
    assert _off(teacher) == {"feedback"}
    client.post(PREFERENCES, {"categories": ["reminders", "feedback", "teaching"]})
    assert _off(teacher) == set()
    response = client.get(PREFERENCES, follow=True)
    assert response.context["form"].initial == {"categories": ["reminders", "feedback", "teaching"]}


def test_a_category_not_offered_cannot_be_saved(client, member):
    client.force_login(member)
    response = client.post(PREFERENCES, {"categories": ["reminders", "digest"]})
    assert response.status_code == 200
    assert "categories" in response.context["form"].errors
    assert _off(member) == set()


def test_saving_leaves_categories_not_offered_alone(client, member):
    # A committee member who left the committee keeps their old digest choice untouched.
    Unsubscription.objects.create(member=member, category=Category.DIGEST)
    client.force_login(member)
    client.post(PREFERENCES, {"categories": ["reminders", "feedback"]})
    assert _off(member) == {"digest"}


def test_the_page_needs_signing_in(client):
    response = client.get(PREFERENCES)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- What an unsubscription stops --------------------------------------------------------------


def test_an_unsubscribed_reminder_is_skipped(member, mailoutbox):
    Unsubscription.objects.create(member=member, category=Category.REMINDERS)
    session = published_session()
    register(session=session, member=member)
    Message.objects.all().delete()
    write_due_messages(now=session.starts_at - dt.timedelta(hours=24))
    reminder = Message.objects.get(kind=MessageKind.SESSION_REMINDER)
    assert send_messages(message_ids=[reminder.pk])["skipped"] == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.last_error) == (
        MessageStatus.SKIPPED,
        "The recipient has turned this kind of e-mail off.",
    )
    assert mailoutbox == []


def test_unsubscribing_from_teaching_e_mails_skips_the_teachers_reminders(lead, mailoutbox):
    Unsubscription.objects.create(member=lead, category=Category.TEACHING)
    session = published_session(lead=lead)
    write_due_messages(now=session.starts_at - dt.timedelta(days=2))
    write_due_messages(now=session.ends_at)
    assert sorted(Message.objects.values_list("kind", flat=True)) == [
        MessageKind.DETAILS_CHECK,
        MessageKind.TAKE_REGISTER,
    ]
    assert _send_all()["skipped"] == 2
    assert mailoutbox == []


def test_essential_messages_are_sent_with_every_category_off(member, lead, committee_member, mailoutbox):
    Unsubscription.objects.bulk_create(Unsubscription(member=member, category=c) for c in Category)
    session = published_session(lead=lead, title="Renal physiology")
    register(session=session, member=member)
    update_session(session=session, changed_by=lead, target_years=[2], venue="Seminar Room 4")
    assert _send_all()["sent"] == 3  # the member's confirmation and change, and the lead's change
    cancel_session(session=session, by=committee_member, reason="Unwell")
    assert _send_all()["sent"] == 2
    assert sorted(email.subject for email in mailoutbox if email.to == [member.email]) == [
        "[MedEd] Cancelled: Renal physiology",
        "[MedEd] Changed: Renal physiology",
        "[MedEd] You are registered: Renal physiology",
    ]


# --- List-Unsubscribe headers and links --------------------------------------------------------


@pytest.fixture
def reminder_email(member, mailoutbox):
    session = published_session(title="Renal physiology")
    register(session=session, member=member)
    Message.objects.all().delete()
    write_due_messages(now=session.starts_at - dt.timedelta(hours=24))
    assert _send_all()["sent"] == 1
    [email] = mailoutbox
    return email


def _unsubscribe_url(email):
    value = email.message()["List-Unsubscribe"]
    assert value.startswith(f"<{SITE}/unsubscribe/") and value.endswith("/>")
    return value[1:-1]


def test_an_optional_e_mail_has_one_click_unsubscribe_headers_for_its_category(reminder_email, member):
    headers = reminder_email.message()
    url = _unsubscribe_url(reminder_email)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = url.removeprefix(f"{SITE}/unsubscribe/").removesuffix("/")
    assert read_unsubscribe_token(token) == (member, Category.REMINDERS)


def test_an_optional_e_mail_has_the_unsubscribe_link_in_both_bodies(reminder_email):
    url = _unsubscribe_url(reminder_email)
    assert (
        f"You get this e-mail because you chose “Reminders before sessions I have registered for”. Unsubscribe: {url}\n"
    ) in reminder_email.body
    [(html, _mimetype)] = reminder_email.alternatives
    assert f'<a href="{url}"' in html


def test_an_essential_e_mail_has_no_unsubscribe_header_or_link(member, mailoutbox):
    register(session=published_session(), member=member)
    _send_all()
    [email] = mailoutbox
    headers = email.message()
    assert headers["List-Unsubscribe"] is None
    assert headers["List-Unsubscribe-Post"] is None
    [(html, _mimetype)] = email.alternatives
    assert "/unsubscribe/" not in email.body
    assert "/unsubscribe/" not in html
    assert f"Your e-mail choices: {SITE}{PREFERENCES}\n" in email.body


# --- The unsubscribe link ----------------------------------------------------------------------


def _link(member, category=Category.REMINDERS):
    return reverse("notifications:unsubscribe", args=[unsubscribe_token(member=member, category=category)])


def test_following_the_link_asks_first_and_unsubscribes_nobody(client, member):
    response = client.get(_link(member))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Stop sending aisha.khan@example.ac.uk “Reminders before sessions I have registered for”?" in (
        " ".join(html.split())
    )
    assert '<form method="post">' in html
    assert _off(member) == set()


def test_a_one_click_post_without_cookies_or_csrf_token_unsubscribes(member):
    client = Client(enforce_csrf_checks=True)
    response = client.post(_link(member), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "aisha.khan@example.ac.uk will no longer receive “Reminders before sessions I have registered for”." in (
        " ".join(response.content.decode().split())
    )
    assert _off(member) == {"reminders"}
    # A second click (or the mail client retrying) changes nothing.
    assert client.post(_link(member), {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert Unsubscription.objects.filter(member=member).count() == 1


def test_the_link_after_unsubscribing_says_so(client, member):
    Unsubscription.objects.create(member=member, category=Category.REMINDERS)
    response = client.get(_link(member))
    assert "will no longer receive" in response.content.decode()


def test_a_signed_in_member_may_use_a_link_and_it_unsubscribes_its_own_member(client, member):
    other = MemberFactory()
    client.force_login(other)
    client.post(_link(member, Category.FEEDBACK))
    assert (_off(member), _off(other)) == ({"feedback"}, set())


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda m: unsubscribe_token(member=m, category="reminders")[:-2] + "xx", id="altered"),
        pytest.param(lambda m: signing.dumps([m.pk, "reminders"], salt="another.purpose"), id="other-salt"),
        pytest.param(lambda m: signing.dumps([m.pk + 1000, "reminders"], salt=UNSUBSCRIBE_SALT), id="no-member"),
        pytest.param(lambda m: signing.dumps([m.pk, "essential"], salt=UNSUBSCRIBE_SALT), id="no-category"),
        pytest.param(lambda m: "not-a-token", id="garbage"),
    ],
)
def test_a_tampered_or_unknown_token_is_not_found(client, member, token):
    url = reverse("notifications:unsubscribe", args=[token(member)])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Unsubscription.objects.count() == 0


def test_the_link_of_a_closed_account_is_not_found(client, member):
    url = _link(member)
    type(member).objects.filter(pk=member.pk).update(is_active=False)
    assert client.post(url).status_code == 404
