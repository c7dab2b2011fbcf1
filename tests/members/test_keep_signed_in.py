"""The "Keep me signed in" choice: ticked when the sign-in is on the way to checking in (a member's own phone
in a lecture theatre), unticked elsewhere; kept, a session lasts a term, otherwise it ends with the
browser (and the server forgets it after SESSION_BROWSER_MAX_AGE)."""

import datetime as dt
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from meded.sessions import next_midnight
from members.allauth_forms import is_check_in_path
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
QR_LINK = reverse("attendance:check_in", args=[12, "abc123"])
TYPED_CODE = reverse("attendance:code")


def _remember_ticked(client, onward: str | None) -> bool:
    response = client.get(LOGIN, {"next": onward} if onward else {})
    assert response.status_code == 200
    return response.context["form"]["remember"].value() is True


@pytest.mark.parametrize(("onward", "ticked"), [(QR_LINK, True), (TYPED_CODE, True)])
def test_keep_me_signed_in_is_ticked_on_the_way_to_checking_in(client, onward, ticked):
    assert _remember_ticked(client, onward) is ticked
    content = client.get(LOGIN, {"next": onward}).content.decode()
    assert 'name="remember" class="checkboxinput form-check-input" id="id_remember" checked' in content


@pytest.mark.parametrize(
    "onward", [None, "/profile/", "/sessions/", "https://elsewhere.example/check-in/", "//elsewhere.example/check-in/"]
)
def test_keep_me_signed_in_is_unticked_elsewhere(client, onward):
    assert _remember_ticked(client, onward) is False


def test_only_the_check_in_pages_count_as_the_check_in_path():
    assert is_check_in_path(f"{QR_LINK}?utm=x")
    assert is_check_in_path(TYPED_CODE)
    assert not is_check_in_path(reverse("attendance:screen", args=[12]))  # the teacher's screen
    assert not is_check_in_path("/check-in/not/a/page/")
    assert not is_check_in_path("")


def test_the_sign_in_page_says_keep_me_signed_in(client):
    assert "Keep me signed in" in client.get(LOGIN, {"next": QR_LINK}).content.decode()


def _stored_expiry() -> dt.datetime:
    (stored,) = Session.objects.all()
    return stored.expire_date


def test_kept_signed_in_the_session_lasts_a_term_and_works(client, settings):
    member = MemberFactory()
    before = timezone.now()
    response = client.post(f"{LOGIN}?next={QR_LINK}", {"login": member.email, "password": PASSWORD, "remember": "on"})
    assert (response.status_code, response["Location"]) == (302, QR_LINK)

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE == 16 * 7 * 24 * 60 * 60
    # Stored rounded up to midnight, as every session is (`meded.sessions`), and a term ahead.
    term = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert next_midnight(before + term) <= _stored_expiry() <= next_midnight(timezone.now() + term)
    member.refresh_from_db()
    assert member.last_login == timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert client.get(reverse("members:profile")).status_code == 200


@pytest.mark.parametrize(("weeks_later", "signed_in"), [(15, True), (17, False)])
def test_kept_signed_in_the_session_works_for_the_term_and_not_after(client, weeks_later, signed_in):
    member = MemberFactory()
    client.post(LOGIN, {"login": member.email, "password": PASSWORD, "remember": "on"})
    later = timezone.now() + dt.timedelta(weeks=weeks_later)
    with mock.patch("django.utils.timezone.now", return_value=later):
        profile = client.get(reverse("members:profile"))
    assert profile.status_code == (200 if signed_in else 302)


def test_not_kept_the_session_ends_with_the_browser_and_the_server_forgets_it_sooner(client, settings):
    member = MemberFactory()
    before = timezone.now()
    response = client.post(LOGIN, {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")
    short = dt.timedelta(seconds=settings.SESSION_BROWSER_MAX_AGE)
    assert short == dt.timedelta(weeks=2)
    assert next_midnight(before + short) <= _stored_expiry() <= next_midnight(timezone.now() + short)
    assert client.get(reverse("members:profile")).status_code == 200
