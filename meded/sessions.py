"""Database sessions whose expiry says only the day, not the moment of the last sign-in.

A session row's `expire_date` is written when the session is saved (at sign-in, and whenever
its data changes) as that moment plus SESSION_COOKIE_AGE. In a copy of the database that pins,
to the second, when a member last signed in — which, for someone who follows a feedback e-mail
and answers at once, is within a minute of when they answered. Rounded up to the next midnight
(UTC), every session saved on the same day expires at the same instant, so the table no longer
orders members by when they were active (see `feedback.anonymity`). A session lasts up to a day
longer than SESSION_COOKIE_AGE on the server; the browser's cookie keeps its own exact age.
"""

import datetime as dt

from django.contrib.sessions.backends import db


def next_midnight(moment: dt.datetime) -> dt.datetime:
    """The first midnight (UTC) at or after `moment`."""
    moment = moment.astimezone(dt.UTC)
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if midnight == moment else midnight + dt.timedelta(days=1)


class SessionStore(db.SessionStore):
    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.expire_date = next_midnight(session.expire_date)
        return session

    async def acreate_model_instance(self, data):
        session = await super().acreate_model_instance(data)
        session.expire_date = next_midnight(session.expire_date)
        return session
