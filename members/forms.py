from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from meded.imports import SpreadsheetUploadForm, spreadsheet_field
from members.enums import YearOfStudy
from members.models import Member


class _EntryYearMixin:
    def clean_entry_year(self):
        year = self.cleaned_data.get("entry_year")
        if year is not None and not 1950 <= year <= 2200:
            raise forms.ValidationError(_("Enter the calendar year you started, e.g. 2024."))
        return year


class SignupForm(_EntryYearMixin, forms.Form):
    """Extra fields on allauth's sign-up form (allauth adds email and password)."""

    first_name = forms.CharField(
        label=_("First name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    year_of_study = forms.TypedChoiceField(
        label=_("Year of study"), choices=[("", _("Choose your year")), *YearOfStudy.choices], coerce=int
    )
    entry_year = forms.IntegerField(
        label=_("Entry year (optional)"), required=False, help_text=_("The year you started medical school.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        domains = " or ".join(f"@{d}" for d in settings.ALLOWED_EMAIL_DOMAINS)
        if "email" in self.fields:
            self.fields["email"].help_text = _("Your university address, ending in %s.") % domains
        self.helper = FormHelper()
        self.helper.form_tag = False

    def signup(self, request, user):
        """allauth calls this after saving; the adapter has already set our fields."""


class ProfileForm(_EntryYearMixin, forms.ModelForm):
    """Names and entry year; the year of study only while the member has none.

    Once a member has a year it is shown read-only on the page and corrected through a request to
    the committee (`members.services.update_profile` says why).
    """

    class Meta:
        model = Member
        fields = ["first_name", "last_name", "year_of_study", "entry_year"]
        help_texts = {
            "year_of_study": _(
                "Moves up automatically at the start of each academic year. Once saved, only the committee "
                "can correct it."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.year_of_study is not None:
            del self.fields["year_of_study"]
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.helper = FormHelper()
        self.helper.form_tag = False


class YearOfStudyRequestForm(forms.Form):
    year_of_study = forms.TypedChoiceField(label=_("The year you are in"), coerce=int)
    reason = forms.CharField(
        label=_("Anything the committee should know (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example, that you are repeating a year or have intercalated."),
    )

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        # The year the member is in already is not a correction.
        self.fields["year_of_study"].choices = [("", _("Choose your year"))] + [
            (value, label) for value, label in YearOfStudy.choices if value != member.year_of_study
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False


class YearOfStudyDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])
    note = forms.CharField(label=_("Note to the member (optional)"), required=False, max_length=1000)


class MemberImportForm(SpreadsheetUploadForm):
    file = spreadsheet_field(
        label=_("Spreadsheet"),
        help_text=_(
            "CSV (UTF-8) or Excel .xlsx with the columns email, first_name, last_name, "
            "year_of_study and, optionally, roles."
        ),
    )
    invite = forms.BooleanField(label=_("Email new members an invitation to set their password"), required=False)


class CloseAccountForm(forms.Form):
    """Asks again who is closing the account: the password, or for a member who signs in only
    through Microsoft (no password here), their e-mail address typed out."""

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        if member.has_usable_password():
            self.fields["password"] = forms.CharField(
                label=_("Your password"),
                strip=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            )
        else:
            self.fields["email"] = forms.CharField(
                label=_("Type your e-mail address to confirm"),
                help_text=member.email,
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.member.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email.lower() != self.member.email.lower():
            raise forms.ValidationError(_("That is not the e-mail address of this account."))
        return email
