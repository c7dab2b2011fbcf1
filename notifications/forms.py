from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.preferences import categories_for


class PreferencesForm(forms.Form):
    """The optional e-mails a member may receive; essential ones (confirmations, changes,
    cancellations) are always sent and not listed."""

    categories = forms.MultipleChoiceField(label=_("Send me"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = [(c.value, c.label) for c in categories_for(member)]
        self.helper = FormHelper()
        self.helper.form_tag = False
