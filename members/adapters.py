"""allauth adapters. The domain rule itself is applied by the forms in members.allauth_forms."""

from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from meded.links import absolute_url, url_for
from members import services
from members.enums import YearChangeSource
from members.models import Member
from notifications.enums import MessageKind
from notifications.services import notify_rendered


def email_domain_allowed(email: str) -> bool:
    return "@" in email and email.rsplit("@", 1)[-1].lower() in settings.ALLOWED_EMAIL_DOMAINS


def domain_refusal_message() -> str:
    domains = settings.ALLOWED_EMAIL_DOMAINS
    return _(
        "Membership is open to students with a university email address. Please use an address ending in %(domains)s."
    ) % {"domains": " or ".join(f"@{d}" for d in domains)}


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Closed until the society names its university's domains (ALLOWED_EMAIL_DOMAINS).
        return bool(settings.ALLOWED_EMAIL_DOMAINS)

    def send_mail(self, template_prefix, email, context):
        """Every e-mail allauth sends (address confirmations, password resets, "no account" and
        "already have an account" replies) goes through the outbox instead of being sent in the
        request: a mail server that refuses or hangs would otherwise make sign-up, sign-in to an
        unconfirmed account and password reset fail or wait for its timeout, holding a web worker.
        Rendered here, with allauth's templates, because their context is the request and links
        carrying keys; sent after commit by a worker, and retried like any other message."""
        # "No account with this address" replies go only to the university's own addresses: anyone
        # could otherwise make MedEd mail arbitrary people by asking to reset their password.
        if template_prefix.endswith("unknown_account") and not email_domain_allowed(email):
            return
        # The context allauth's own send_mail gives its templates.
        request = allauth_context.request
        context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        message = self.render_mail(template_prefix, email, context)
        user = context.get("user")
        notify_rendered(
            kind=MessageKind.ACCOUNT, email=message, recipient=user if isinstance(user, Member) and user.pk else None
        )

    # The links in allauth's e-mails are MedEd's absolute links (meded.links), like every other
    # e-mail's, rather than built from whichever host name the request came in on.
    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return absolute_url(path.replace("UID-KEY", quote(key)))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return url_for("account_confirm_email", key=emailconfirmation.key)

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.email = user.email.lower()
        data = form.cleaned_data
        user.year_of_study = data.get("year_of_study")
        user.entry_year = data.get("entry_year")
        if commit:
            with transaction.atomic():
                user.save()
                services.record_first_year_of_study(member=user, source=YearChangeSource.SIGN_UP, by=user)
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        email = sociallogin.user.email or ""
        return bool(email) and email_domain_allowed(email)
