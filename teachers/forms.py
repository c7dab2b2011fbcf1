from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


class TimetableImportForm(forms.Form):
    file = forms.FileField(
        label=_("Timetable"),
        help_text=_("CSV (UTF-8) or Excel .xlsx, one session per row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MEMBER_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s.") % {"limit": filesizeformat(settings.MEMBER_IMPORT_MAX_BYTES)}
            )
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload
