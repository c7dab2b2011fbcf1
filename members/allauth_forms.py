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
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.urls import Resolver404, resolve

from members import services
from members.adapters import domain_refusal_message, email_domain_allowed


def _check_domain(email: str) -> None:
    if not email_domain_allowed(email):
        raise forms.ValidationError(domain_refusal_message(), code="email_domain")


# Where a sign-in on the way to checking in was headed: the QR code's link and the typed-code page.
CHECK_IN_URL_NAMES = {"attendance:check_in", "attendance:code"}


def is_check_in_path(url: str) -> bool:
    """Whether a sign-in's onward URL (a path on this site) is a check-in page."""
    if not url.startswith("/") or url.startswith("//"):
        return False
    try:
        match = resolve(url.split("?", 1)[0])
    except Resolver404:
        return False
    return match.view_name in CHECK_IN_URL_NAMES


class MemberLoginForm(account_forms.LoginForm):
    """allauth's sign-in form, whose "Keep me signed in" is ticked on the way to checking in.

    A member who signs in to check in is almost always on their own phone in a lecture theatre;
    kept signed in for a term, their next check-in is one tap instead of another password sign-in.
    Elsewhere (a shared computer in the library) it stays unticked, so the session ends with the
    browser.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "remember" in self.fields and self.request is not None:
            onward = self.request.GET.get(REDIRECT_FIELD_NAME, "")
            self.fields["remember"].initial = is_check_in_path(onward)


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
