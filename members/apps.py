import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        from allauth.account.signals import user_logged_in as allauth_user_logged_in
        from django.contrib.auth import user_logged_in
        from django.contrib.auth.models import update_last_login
        from django.db.models.signals import post_save

        from members import (
            checks,  # noqa: F401 -- registers the system checks
            messages,  # noqa: F401 -- registers its message kinds and roles with notifications
        )
        from members.sign_in import apply_keep_signed_in

        # Sign-ins are recorded to the day only (see `record_sign_in_day`).
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(record_sign_in_day, dispatch_uid="members.record_sign_in_day")
        allauth_user_logged_in.connect(apply_keep_signed_in, dispatch_uid="members.keep_signed_in")
        post_save.connect(
            keep_social_sign_in_day, sender="socialaccount.SocialAccount", dispatch_uid="members.social_sign_in_day"
        )


def record_sign_in_day(sender, user, **kwargs):
    """Record the day of a member's sign-in as `last_login` (midnight UTC), not the moment.

    The moment would tell anyone holding a copy of the database when a member was active — for
    someone who signs in from a feedback e-mail, within a minute of when they answered (see
    `feedback.anonymity`). The day is what the admin needs ("has this member signed in lately?").
    Password-reset links, which Django ties to `last_login`, stay valid after a sign-in on the
    day they were sent, and still expire, and still stop working once used.
    """
    day = sign_in_day()
    if user.last_login != day:
        user.last_login = day
        user.save(update_fields=["last_login"])


def sign_in_day() -> dt.datetime:
    """Today at midnight (UTC): all a sign-in's time is kept as."""
    from django.utils import timezone

    return timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def keep_social_sign_in_day(sender, instance, **kwargs):
    """allauth stamps a Microsoft account's `last_login` with the moment on every sign-in (the field
    sets itself on each save); keep the day only, as `record_sign_in_day` does for members."""
    day = sign_in_day()
    if instance.last_login != day:
        type(instance).objects.filter(pk=instance.pk).update(last_login=day)
        instance.last_login = day
