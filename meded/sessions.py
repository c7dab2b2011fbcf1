"""Database sessions that do not tell a copy of the database when a member was active.

A session row is written when the session is saved (at sign-in, and whenever its data changes),
and Django's would say when, to the second, twice: `expire_date` is that moment plus
SESSION_COOKIE_AGE, and `session_data` is signed with a timestamp and holds allauth's record of
the sign-in time — readable, as signing is not encryption. For someone who follows a feedback
e-mail and answers at once, that is within a minute of when they answered (see
`feedback.anonymity`). So here the expiry is rounded up to the next midnight (UTC), every
session saved on a day expiring at the same instant, and the data is encrypted
(`meded.crypto`), with no timestamp. A session lasts up to a day longer than SESSION_COOKIE_AGE
on the server; the browser's cookie keeps its own exact age. Sessions saved before this (signed,
not encrypted) are still read, and are encrypted when next saved.

A session kept "until the browser closes" (sign-in without "Keep me signed in") has no age in
its cookie, so Django would keep its row for the full SESSION_COOKIE_AGE, a term; such a row is
kept for SESSION_BROWSER_MAX_AGE instead, as browsers that restore their tabs keep such cookies.
"""

import base64
import datetime as dt

from django.conf import settings
from django.contrib.sessions.backends import db

from meded.crypto import CannotOpen, decrypt, encrypt

_PURPOSE = "sessions"


def next_midnight(moment: dt.datetime) -> dt.datetime:
    """The first midnight (UTC) at or after `moment`."""
    moment = moment.astimezone(dt.UTC)
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if midnight == moment else midnight + dt.timedelta(days=1)


class SessionStore(db.SessionStore):
    def get_session_cookie_age(self) -> int:
        # Django asks this for the server-side age whenever no expiry of its own is set, and an
        # expiry of 0 ("at browser close") counts as none.
        if self.get("_session_expiry") == 0:
            return settings.SESSION_BROWSER_MAX_AGE
        return settings.SESSION_COOKIE_AGE

    def encode(self, session_dict):
        data = self.serializer().dumps(session_dict)
        return base64.urlsafe_b64encode(encrypt(data, purpose=_PURPOSE)).decode("ascii")

    def decode(self, session_data):
        try:
            data = decrypt(base64.urlsafe_b64decode(session_data.encode("ascii")), purpose=_PURPOSE)
        except (CannotOpen, ValueError):
            return super().decode(session_data)  # saved before encryption, or not ours: Django's rules
        return self.serializer().loads(data)

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.expire_date = next_midnight(session.expire_date)
        return session

    async def acreate_model_instance(self, data):
        session = await super().acreate_model_instance(data)
        session.expire_date = next_midnight(session.expire_date)
        return session
