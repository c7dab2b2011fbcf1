"""Forms that extend allauth's own. Kept apart from members.forms, which allauth imports for its
sign-up form (this module imports allauth's forms, so sharing a module would be circular)."""

from allauth.account.forms import ResetPasswordKeyForm

from members import services


class SetPasswordFromLinkForm(ResetPasswordKeyForm):
    """allauth's set-password form, reached only from a link mailed to the member's address.

    Following that link proves the member reads that mailbox, so an imported member who sets
    their first password this way needs no second confirmation email.
    """

    def save(self) -> None:
        super().save()
        services.confirm_sole_address(member=self.user)
