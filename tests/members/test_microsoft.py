from types import SimpleNamespace
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.microsoft.views import MicrosoftGraphOAuth2Adapter
from allauth.socialaccount.providers.oauth2.client import OAuth2Client
from django.http import HttpResponse
from django.urls import reverse

from members.adapters import SocialAccountAdapter
from members.models import Member
from members.sign_in import KEEP_SIGNED_IN
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

MICROSOFT = {
    "microsoft": {"APPS": [{"client_id": "client-id", "secret": "secret", "settings": {"tenant": "university-tenant"}}]}
}


def test_sign_in_page_offers_no_microsoft_button_when_not_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert "/accounts/microsoft/login/" not in client.get(reverse("account_login")).content.decode()


def test_sign_in_page_offers_microsoft_when_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = MICROSOFT
    content = client.get(reverse("account_login")).content.decode()
    assert "/accounts/microsoft/login/" in content
    assert "Microsoft" in content


def test_microsoft_is_the_first_way_to_sign_in_when_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = MICROSOFT
    content = client.get(reverse("account_login"), {"next": "/check-in/"}).content.decode()
    microsoft = content.index("Sign in with Microsoft")
    assert microsoft < content.index('name="login"') < content.index('name="password"')
    # It posts straight to the provider, taking the onward page along.
    assert '<form method="post" action="/accounts/microsoft/login/?process=login&amp;next=%2Fcheck-in%2F">' in content


def test_without_microsoft_the_password_form_comes_first_with_no_provider_heading(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    content = client.get(reverse("account_login")).content.decode()
    assert "Sign in with" not in content
    assert "Or sign in with your email address" not in content
    assert 'name="login"' in content


def test_microsoft_login_redirects_to_the_configured_tenant(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = MICROSOFT
    response = client.post("/accounts/microsoft/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(
        "https://login.microsoftonline.com/university-tenant/oauth2/v2.0/authorize?client_id=client-id"
    )


@pytest.mark.parametrize(
    ("email", "open_"), [("student@example.ac.uk", True), ("student@outlook.com", False), ("", False)]
)
def test_microsoft_sign_up_is_open_only_to_allowed_domains(rf, email, open_):
    sociallogin = SimpleNamespace(user=Member(email=email))
    assert SocialAccountAdapter().is_open_for_signup(rf.get("/"), sociallogin) is open_


# --- "Keep me signed in" for Microsoft sign-ins --------------------------------------------------


def _microsoft_checkbox(client, onward: str | None) -> str:
    content = client.get(reverse("account_login"), {"next": onward} if onward else {}).content.decode()
    form = content[content.index('data-testid="sign-in-providers"') : content.index("Sign in with Microsoft")]
    assert '<label class="form-check-label" for="remember-microsoft">Keep me signed in</label>' in form
    return form


def test_the_microsoft_button_offers_keep_me_signed_in_ticked_on_the_way_to_checking_in(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = MICROSOFT
    assert 'id="remember-microsoft" checked>' in _microsoft_checkbox(client, "/check-in/")
    assert 'id="remember-microsoft">' in _microsoft_checkbox(client, "/profile/")


def _sign_in_with_microsoft(client, member, **form) -> HttpResponse:
    """Start at the button, as a member does, then come back from Microsoft with a code: the token
    and profile calls to Microsoft answer as Microsoft would for `member`'s linked account."""
    SocialAccount.objects.get_or_create(user=member, provider="microsoft", uid="ms-abc")
    started = client.post("/accounts/microsoft/login/", form)
    assert started["Location"].startswith("https://login.microsoftonline.com/university-tenant/")
    state = parse_qs(urlsplit(started["Location"]).query)["state"][0]
    profile = {"id": "ms-abc", "mail": member.email, "userPrincipalName": member.email, "givenName": "Aisha"}

    def complete_login(adapter, request, app, token, **kwargs):
        return adapter.get_provider().sociallogin_from_response(request, profile)

    token = {"access_token": "token", "token_type": "Bearer", "expires_in": 3600}
    with (
        mock.patch.object(OAuth2Client, "get_access_token", return_value=token),
        mock.patch.object(MicrosoftGraphOAuth2Adapter, "complete_login", complete_login),
    ):
        return client.get("/accounts/microsoft/login/callback/", {"code": "from-microsoft", "state": state})


def test_kept_signed_in_a_microsoft_sign_in_lasts_a_term(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = MICROSOFT
    member = MemberFactory()

    response = _sign_in_with_microsoft(client, member, remember_offered="1", remember="on", next="/check-in/")

    assert (response.status_code, response["Location"]) == (302, "/check-in/")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE
    assert client.get(reverse("members:profile")).status_code == 200
    assert KEEP_SIGNED_IN not in client.session


def test_not_kept_a_microsoft_sign_in_ends_with_the_browser(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = MICROSOFT
    member = MemberFactory()

    response = _sign_in_with_microsoft(client, member, remember_offered="1")

    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")
    assert client.session.get_expire_at_browser_close()
    assert client.get(reverse("members:profile")).status_code == 200


def test_a_microsoft_sign_in_begun_where_no_choice_was_offered_keeps_the_usual_term(client, settings):
    # The sign-up page's Microsoft link has no "Keep me signed in": nothing is assumed for it.
    settings.SOCIALACCOUNT_PROVIDERS = MICROSOFT
    member = MemberFactory()

    response = _sign_in_with_microsoft(client, member)

    assert response.status_code == 302
    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_the_microsoft_button_says_it_offers_the_choice(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = MICROSOFT
    assert '<input type="hidden" name="remember_offered" value="1">' in _microsoft_checkbox(client, None)
