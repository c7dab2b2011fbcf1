"""Sign-ins recorded before keep only their day, as new ones do (`members.apps.record_sign_in_day`),
and web sessions saved before are encrypted, their expiry rounded to the day (`meded.sessions`):
nobody is signed out."""

from django.db import migrations
from django.db.models.functions import Trunc

import datetime as dt


def to_the_day(apps, schema_editor):
    from meded.sessions import SessionStore, next_midnight

    day = Trunc("last_login", "day", tzinfo=dt.UTC)
    apps.get_model("members", "Member").objects.filter(last_login__isnull=False).update(last_login=day)
    apps.get_model("socialaccount", "SocialAccount").objects.update(last_login=day)
    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    sessions = list(Session.objects.all())
    for session in sessions:
        session.session_data = store.encode(store.decode(session.session_data))
        session.expire_date = next_midnight(session.expire_date)
    Session.objects.bulk_update(sessions, ["session_data", "expire_date"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_year_of_study_requests_and_changes"),
        ("socialaccount", "0006_alter_socialaccount_extra_data"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(to_the_day, migrations.RunPython.noop)]
