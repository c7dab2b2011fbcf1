from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from meded.imports import SpreadsheetUploadForm, spreadsheet_field
from teachers.enums import Motivation


class TimetableImportForm(SpreadsheetUploadForm):
    file = spreadsheet_field(label=_("Timetable"), help_text=_("CSV (UTF-8) or Excel .xlsx, one session per row."))


class TeacherApplicationForm(forms.Form):
    subjects = forms.CharField(
        label=_("Subjects you can teach"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("e.g. cardiology, renal physiology, OSCE practice"),
        max_length=2000,
    )
    motivations = forms.MultipleChoiceField(
        label=_("Why do you want to teach?"),
        choices=Motivation.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick all that apply."),
    )
    other_motivation = forms.CharField(label=_("If other, tell us more"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        if Motivation.OTHER in data.get("motivations", []) and not data.get("other_motivation", "").strip():
            self.add_error("other_motivation", _("Tell us your other reason, or untick “Other”."))
        return data
