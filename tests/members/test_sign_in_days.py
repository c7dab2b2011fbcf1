"""Sign-ins leave only their day in the database (`members.apps`, `meded.sessions`), so a copy of
it does not say when a member was active: not in `last_login`, not in a Microsoft account's
`last_login`, not in a web session's expiry or data."""

import base64
import datetime as dt
from importlib import import_module

import pytest
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore as SignedSessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse

from meded.sessions import SessionStore
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db


def _midnight(value: dt.datetime) -> bool:
    return (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0)


def test_signing_in_keeps_the_day_and_the_session_holds_no_readable_time(client):
    member = MemberFactory()
    page = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert page.status_code == 302
    member.refresh_from_db()
    assert _midnight(member.last_login)
    (stored,) = Session.objects.all()
    assert _midnight(stored.expire_date)
    # Django signs with a timestamp ("…:<time>:<signature>") and allauth records {"at": <time>}:
    # both would be readable in a copy. Encrypted, neither is, and the session still works.
    assert ":" not in stored.session_data
    raw = base64.urlsafe_b64decode(stored.session_data)
    assert b'"at"' not in raw and b"_auth_user_id" not in raw
    assert client.get(reverse("members:profile")).status_code == 200


def test_a_microsoft_accounts_sign_in_keeps_the_day():
    account = SocialAccount.objects.create(user=MemberFactory(), provider="microsoft", uid="abc")
    account.save()  # allauth saves on every sign-in; the field stamps itself with the moment
    account.refresh_from_db()
    assert _midnight(account.last_login)


def test_the_migration_keeps_everyone_signed_in_and_leaves_only_days():
    migration = import_module("members.migrations.0005_sign_ins_kept_to_the_day")
    member = MemberFactory()
    member.last_login = dt.datetime(2026, 11, 20, 18, 56, 12, tzinfo=dt.UTC)
    member.save(update_fields=["last_login"])
    signed = SignedSessionStore()
    signed["_auth_user_id"] = str(member.pk)
    signed["account_authentication_methods"] = [{"method": "password", "at": 1795000000.5}]
    signed.create()
    before = Session.objects.get(pk=signed.session_key)
    assert ":" in before.session_data  # Django's signed format, with its timestamp

    migration.to_the_day(apps, None)

    member.refresh_from_db()
    assert member.last_login == dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    after = Session.objects.get(pk=signed.session_key)
    assert ":" not in after.session_data and _midnight(after.expire_date)
    assert SessionStore(session_key=signed.session_key).load()["_auth_user_id"] == str(member.pk)
