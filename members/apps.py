import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        from django.contrib.auth import user_logged_in
        from django.contrib.auth.models import update_last_login

        from members import checks  # noqa: F401 -- registers the system checks

        # Sign-ins are recorded to the day only (see `record_sign_in_day`).
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(record_sign_in_day, dispatch_uid="members.record_sign_in_day")


def record_sign_in_day(sender, user, **kwargs):
    """Record the day of a member's sign-in as `last_login` (midnight UTC), not the moment.

    The moment would tell anyone holding a copy of the database when a member was active — for
    someone who signs in from a feedback e-mail, within a minute of when they answered (see
    `feedback.anonymity`). The day is what the admin needs ("has this member signed in lately?").
    Password-reset links, which Django ties to `last_login`, stay valid after a sign-in on the
    day they were sent, and still expire, and still stop working once used.
    """
    from django.utils import timezone

    day = timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if user.last_login != day:
        user.last_login = day
        user.save(update_fields=["last_login"])
