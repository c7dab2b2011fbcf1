from types import SimpleNamespace

import pytest
from django.urls import reverse

from members.adapters import SocialAccountAdapter
from members.models import Member

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
