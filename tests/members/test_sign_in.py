import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from members.models import Member
from notifications.models import Message
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "new.student@example.ac.uk",
    "password1": "a-long-unusual-passphrase",
    "password2": "a-long-unusual-passphrase",
    "first_name": "Nia",
    "last_name": "Okoye",
    "year_of_study": "1",
    "entry_year": "2026",
}


def test_signup_with_university_address_creates_unverified_member_and_sends_confirmation(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), SIGNUP)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    member = Member.objects.get()
    assert (member.email, member.first_name, member.last_name, member.year_of_study, member.entry_year) == (
        "new.student@example.ac.uk",
        "Nia",
        "Okoye",
        1,
        2026,
    )
    assert EmailAddress.objects.get(user=member).verified is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new.student@example.ac.uk"]


def test_signup_from_another_domain_is_refused_with_a_clear_message(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), {**SIGNUP, "email": "someone@gmail.com"})

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "Membership is open to students with a university email address. "
        "Please use an address ending in @example.ac.uk."
    ]
    assert "Please use an address ending in @example.ac.uk." in response.content.decode()
    assert Member.objects.count() == 0
    assert mailoutbox == []


def test_signup_domain_check_ignores_case_but_not_lookalike_domains(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "x@evil-example.ac.uk"})
    assert "email" in response.context["form"].errors
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "X@EXAMPLE.AC.UK"})
    assert response.status_code == 302
    assert Member.objects.get().email == "x@example.ac.uk"


def test_signup_requires_a_year_of_study_from_1_to_6(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "year_of_study": "7"})
    assert "year_of_study" in response.context["form"].errors
    assert Member.objects.count() == 0


def test_unverified_member_cannot_sign_in_until_they_confirm(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), SIGNUP)
    client.logout()

    response = client.post(reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    confirm_url = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mailoutbox[0].body)[1]
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email=SIGNUP["email"]).verified is True
    assert client.get(reverse("members:profile")).status_code == 200


def test_sign_in_is_by_email_in_any_case(client):
    member = MemberFactory(email="dan@example.ac.uk")
    response = client.post(reverse("account_login"), {"login": "Dan@Example.ac.uk", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == member.pk


def test_repeated_failed_sign_ins_are_rate_limited(client):
    MemberFactory(email="eve@example.ac.uk")
    responses = [
        client.post(reverse("account_login"), {"login": "eve@example.ac.uk", "password": PASSWORD if i == 5 else "x"})
        for i in range(6)
    ]
    assert all("Too many failed login attempts" not in r.content.decode() for r in responses[:5])
    # Even the right password is refused once the address has failed five times.
    assert responses[5].context["form"].non_field_errors() == ["Too many failed login attempts. Try again later."]
    assert "_auth_user_id" not in client.session


def test_password_reset_mails_a_link_for_a_member_without_a_password(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    MemberFactory(email="imported@example.ac.uk", password=None, verified=False)
    Member.objects.filter(email="imported@example.ac.uk").update(password="!unusable")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "imported@example.ac.uk"})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_sign_in_pages_speak_british_english(client):
    login = client.get(reverse("account_login")).content.decode()
    assert "Forgotten your password?" in login
    assert "Keep me signed in" in login
    assert "Forgot your password?" not in login
    assert "Reset your password" in client.get(reverse("account_reset_password")).content.decode()


def test_password_reset_works_for_an_address_outside_the_university_domains(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    MemberFactory(email="ops@society.org", year_of_study=None, is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "ops@society.org"})

    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["ops@society.org"]]


def test_adding_an_address_outside_the_university_domains_is_refused(client, member):
    client.force_login(member)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "aisha@gmail.com"})
    assert response.context["form"].errors["email"] == [
        "Membership is open to students with a university email address. "
        "Please use an address ending in @example.ac.uk."
    ]
    assert EmailAddress.objects.filter(user=member).count() == 1


def test_sign_up_is_closed_until_the_university_domains_are_set(client, settings):
    settings.ALLOWED_EMAIL_DOMAINS = []
    response = client.get(reverse("account_signup"))
    assert "Sorry, MedEd is not open to new members yet." in response.content.decode()
    client.post(reverse("account_signup"), SIGNUP)
    assert Member.objects.count() == 0


def test_setting_a_password_from_a_link_confirms_only_a_sole_address(member):
    from members.services import confirm_sole_address

    EmailAddress.objects.filter(user=member).update(verified=False)
    EmailAddress.objects.create(user=member, email="aisha.other@example.ac.uk", verified=False)
    assert confirm_sole_address(member=member) is False
    assert EmailAddress.objects.filter(user=member, verified=True).count() == 0

    EmailAddress.objects.filter(email="aisha.other@example.ac.uk").delete()
    assert confirm_sole_address(member=member) is True
    assert EmailAddress.objects.get(user=member).verified is True


def test_password_reset_for_an_unknown_university_address_says_there_is_no_account(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "nobody@example.ac.uk"})
    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [["nobody@example.ac.uk"]]


def test_password_reset_mails_nothing_to_an_unknown_address_outside_the_university(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "victim@elsewhere.example.com"})
    # The page reads the same as for any address (no enumeration), but nobody is mailed.
    assert response.status_code == 302
    assert mailoutbox == []
    assert not Message.objects.exists()
