"""The committee brings a past survey in from an export: upload, map each column to a question
with a dropdown, preview, apply — the same service as `import_survey_responses`. Between the steps
the file waits as `feedback.views.uploads` keeps it.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from feedback import permissions
from feedback.enums import SOCIETY_SURVEY_FAMILY, YearBand
from feedback.models import Form
from feedback.past_evaluations import SurveyImportError, import_survey_responses
from feedback.survey_import import YEAR_OF_STUDY, mappable_keys, read_export
from feedback.views import uploads
from meded.imports import SpreadsheetUploadForm, spreadsheet_field
from meded.spreadsheets import UnreadableFile
from members.academic_year import AcademicYear

_SESSION_KEY = "feedback_survey_import"


class SurveyUploadForm(SpreadsheetUploadForm):
    file = spreadsheet_field(
        label=gettext_lazy("Export file"),
        help_text=gettext_lazy(
            "A Qualtrics CSV (with choice text), a Microsoft Forms .xlsx or a Google Forms CSV, as downloaded."
        ),
    )
    title = forms.CharField(label=gettext_lazy("Survey title"), max_length=200)
    academic_year = forms.CharField(
        label=gettext_lazy("Academic year"), max_length=7, help_text=gettext_lazy("e.g. 2025-26")
    )
    opens_on = forms.DateField(
        label=gettext_lazy("Opened on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty for the academic year's first day."),
    )
    closes_on = forms.DateField(
        label=gettext_lazy("Closed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty for the academic year's last day."),
    )

    def clean_academic_year(self):
        try:
            return AcademicYear.parse(self.cleaned_data["academic_year"]).label
        except ValueError:
            raise forms.ValidationError(_("Write the academic year like 2025-26.")) from None


class ColumnMapForm(forms.Form):
    """One dropdown per column of the export: not imported, the year of study, or a question."""

    def __init__(self, *args, columns: list, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        options = [("", _("Not imported")), *choices]
        guesses = _guesses(columns, choices)
        for position, column in enumerate(columns):
            label = column.name if column.text == column.name else f"{column.name} — {column.text}"
            self.fields[f"c{position}"] = forms.ChoiceField(
                label=label,
                choices=options,
                required=False,
                initial=guesses.get(column.name, ""),
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
        self.columns = columns

    def clean(self):
        data = super().clean()
        chosen = [value for value in data.values() if value]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("Map each question to one column only."))
        if not chosen:
            raise forms.ValidationError(_("Choose the question at least one column answers."))
        return data

    @property
    def mapping(self) -> dict[str, str]:
        return {
            column.name: self.cleaned_data[f"c{position}"]
            for position, column in enumerate(self.columns)
            if self.cleaned_data.get(f"c{position}")
        }

    @property
    def rows(self) -> list:
        return [(self[f"c{position}"], column) for position, column in enumerate(self.columns)]


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _guesses(columns: list, choices: list[tuple[str, str]]) -> dict[str, str]:
    """A first guess for each column: the question whose wording the column's text contains."""
    guesses: dict[str, str] = {}
    for column in columns:
        text = _normal(column.text)
        for key, meaning in choices:
            question = _normal(meaning)
            found = (key == YEAR_OF_STUDY and "year of study" in text) or (key != YEAR_OF_STUDY and question in text)
            if found and key not in guesses.values():
                guesses[column.name] = key
                break
    return guesses


class SurveyImportView(LoginRequiredMixin, UserPassesTestMixin, TemplateView):
    template_name = "feedback/survey_import.html"

    def test_func(self):
        return permissions.can_manage_surveys(self.request.user)

    # What waits between the steps

    def _pending(self) -> dict | None:
        return uploads.waiting(self.request, name=_SESSION_KEY)

    def _data(self, pending: dict) -> bytes | None:
        return uploads.load(pending)

    def _forget(self) -> None:
        uploads.forget(self.request, name=_SESSION_KEY)

    def _keep(self, data: bytes, fields: dict) -> dict:
        return uploads.keep(self.request, name=_SESSION_KEY, data=data, fields=fields)

    def _form(self) -> Form | None:
        return Form.objects.filter(family=SOCIETY_SURVEY_FAMILY, is_current=True).prefetch_related("questions").first()

    def _map_form(self, data: bytes, pending: dict, post=None) -> ColumnMapForm:
        export = read_export(data=data, filename=pending["filename"])
        form = self._form()
        return ColumnMapForm(post, columns=export.columns, choices=mappable_keys(form) if form else [])

    # Steps

    def get(self, request, *args, **kwargs):
        if request.GET.get("again"):
            self._forget()
            return redirect("feedback:survey_import")
        context = {"upload_form": SurveyUploadForm()}
        pending = self._pending()
        if pending and (data := self._data(pending)) is not None:
            try:
                context |= {"pending": pending, "map_form": self._map_form(data, pending)}
            except UnreadableFile:
                self._forget()
        return self.render_to_response(self.get_context_data(**context))

    def post(self, request, *args, **kwargs):
        step = request.POST.get("step")
        if step == "upload":
            return self._upload()
        pending = self._pending()
        data = self._data(pending) if pending else None
        if data is None:
            messages.warning(request, _("The uploaded file is no longer kept here; upload it again."))
            return redirect("feedback:survey_import")
        map_form = self._map_form(data, pending, request.POST)
        context = {
            "upload_form": SurveyUploadForm(),
            "pending": pending,
            "map_form": map_form,
            "filename": pending["filename"],
        }
        if not map_form.is_valid():
            return self.render_to_response(self.get_context_data(**context))
        apply = step == "apply"
        try:
            result = import_survey_responses(
                data=data,
                filename=pending["filename"],
                mapping=map_form.mapping,
                academic_year=AcademicYear.parse(pending["academic_year"]),
                title=pending["title"],
                opens_on=_date(pending.get("opens_on")),
                closes_on=_date(pending.get("closes_on")),
                by=request.user,
                dry_run=not apply,
            )
        except SurveyImportError as error:
            context |= {"import_errors": error.errors}
            return self.render_to_response(self.get_context_data(**context))
        if apply:
            self._forget()
            messages.success(request, result.summary)
            return redirect("feedback:survey_results", pk=result.survey.pk)
        bands = [(YearBand(band).label if band else _("Year not recorded"), n) for band, n in result.by_band.items()]
        return self.render_to_response(self.get_context_data(**context, preview=result, bands=bands))

    def _upload(self):
        upload_form = SurveyUploadForm(self.request.POST, self.request.FILES)
        context = {"upload_form": upload_form}
        if not upload_form.is_valid():
            return self.render_to_response(self.get_context_data(**context))
        upload = upload_form.cleaned_data["file"]
        data = upload.read()
        try:
            read_export(data=data, filename=upload.name)
        except UnreadableFile as error:
            self._forget()
            context |= {"import_errors": error.errors, "filename": upload.name}
            return self.render_to_response(self.get_context_data(**context))
        cleaned = upload_form.cleaned_data
        self._keep(
            data,
            {
                "filename": upload.name,
                "title": cleaned["title"],
                "academic_year": cleaned["academic_year"],
                "opens_on": cleaned["opens_on"].isoformat() if cleaned["opens_on"] else "",
                "closes_on": cleaned["closes_on"].isoformat() if cleaned["closes_on"] else "",
            },
        )
        return redirect("feedback:survey_import")


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


urlpatterns = [
    path("feedback/surveys/import/", SurveyImportView.as_view(), name="survey_import"),
]
