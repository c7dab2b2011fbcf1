"""allauth adapters. The domain rule itself is applied by the forms in members.allauth_forms."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from members import services
from members.enums import YearChangeSource


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
        # "No account with this address" replies go only to the university's own addresses: anyone
        # could otherwise make MedEd mail arbitrary people by asking to reset their password.
        if template_prefix.endswith("unknown_account") and not email_domain_allowed(email):
            return
        super().send_mail(template_prefix, email, context)

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
