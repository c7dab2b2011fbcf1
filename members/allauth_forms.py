"""Subclasses of allauth's forms, named in ACCOUNT_FORMS / SOCIALACCOUNT_FORMS.

Kept apart from members.forms, which allauth imports for the sign-up fields (this module imports
allauth's forms, so sharing a module would be circular).

The university-domain rule applies where someone becomes a member or adds an address, not to
signing in or resetting a password: an admin made with `createsuperuser`, or a member after the
allowed domains change, must still be able to reset their password.
"""

from allauth.account import forms as account_forms
from allauth.socialaccount import forms as social_forms
from django import forms

from members import services
from members.adapters import domain_refusal_message, email_domain_allowed


def _check_domain(email: str) -> None:
    if not email_domain_allowed(email):
        raise forms.ValidationError(domain_refusal_message(), code="email_domain")


class MemberSignupForm(account_forms.SignupForm):
    def clean_email(self) -> str:
        # Before allauth's own check, which looks the address up (and must not for foreign ones).
        _check_domain(self.cleaned_data["email"])
        return super().clean_email()


class MemberSocialSignupForm(social_forms.SignupForm):
    def clean_email(self) -> str:
        _check_domain(self.cleaned_data["email"])
        return super().clean_email()


class MemberAddEmailForm(account_forms.AddEmailForm):
    def clean_email(self) -> str:
        _check_domain(self.cleaned_data["email"])
        return super().clean_email()


class SetPasswordFromLinkForm(account_forms.ResetPasswordKeyForm):
    """allauth's set-password form, reached only from a link mailed to the member's address.

    Following that link proves the member reads that mailbox, so an imported member who sets
    their first password this way needs no second confirmation email.
    """

    def save(self) -> None:
        super().save()
        services.confirm_sole_address(member=self.user)
