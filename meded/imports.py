"""What every spreadsheet import's page and command share.

An import is a service that reads a file through `meded.spreadsheets` and either writes all of
it or raises `ImportRefused` listing every problem with its row number. Its upload form checks the
file's size and name before anything is read (`SpreadsheetUploadForm`); a one-step upload page
(`SpreadsheetImportView`: members, timetables) and a management command (`ImportCommand`: every
import) call the same service and say the same things about what it did or why it refused.
Imports that show a preview first (attendance reports, survey exports) keep their own pages, and
use the command base for reading the file and reporting a refusal.
"""

from pathlib import Path

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from meded.spreadsheets import ImportCounts, ImportRefused, RowError


def validate_spreadsheet_upload(upload):
    """The checks every spreadsheet upload (members, timetables, surveys) passes before it is read."""
    if upload.size > settings.MEMBER_IMPORT_MAX_BYTES:
        raise forms.ValidationError(
            gettext_lazy("The file is larger than %(limit)s.")
            % {"limit": filesizeformat(settings.MEMBER_IMPORT_MAX_BYTES)}
        )
    if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
        raise forms.ValidationError(gettext_lazy("Upload a .csv or .xlsx file."))
    return upload


def spreadsheet_field(*, label: str, help_text: str) -> forms.FileField:
    """The file field of an upload form, offering CSV and .xlsx files in the browser's picker."""
    return forms.FileField(
        label=label, help_text=help_text, widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"})
    )


class SpreadsheetUploadForm(forms.Form):
    """A form with a spreadsheet in its `file` field (a `spreadsheet_field` each subclass labels),
    checked by `validate_spreadsheet_upload`; crispy renders the fields, the template the <form>."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_file(self):
        return validate_spreadsheet_upload(self.cleaned_data["file"])


class SpreadsheetImportView(LoginRequiredMixin, UserPassesTestMixin, FormView):
    """An upload page that imports a spreadsheet in one step, all or nothing.

    Subclasses give `template_name` (extending `spreadsheet_import.html`), `form_class` (a
    `SpreadsheetUploadForm`), `success_url` (the page itself), `test_func` (who may import) and
    `import_file`, which calls the service the command calls too. A refused file shows the page
    again with every problem listed; an imported one goes back to the page with a message saying
    what the import did and which columns it ignored.
    """

    refusal: type[ImportRefused] = ImportRefused

    def import_file(self, *, form: forms.Form, data: bytes, filename: str) -> ImportCounts:
        raise NotImplementedError

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            result = self.import_file(form=form, data=upload.read(), filename=upload.name)
        except self.refusal as error:
            return self.render_to_response(
                self.get_context_data(form=form, import_errors=error.errors, filename=upload.name)
            )
        messages.success(
            self.request, _("Imported %(file)s: %(summary)s") % {"file": upload.name, "summary": result.summary}
        )
        if result.ignored_columns:
            messages.info(self.request, _("Columns ignored: %s.") % ", ".join(result.ignored_columns))
        return super().form_valid(form)


class ImportCommand(BaseCommand):
    """A command that imports the file it is given, all or nothing.

    Subclasses write `import_file`, which calls the service the upload page calls, and may add
    arguments (after `file`), which reach `import_file` as keyword arguments. A refused file prints
    each problem on stderr and fails; an imported one prints the ignored columns and the summary.
    Commands that do more (a preview, a dry run) override `handle` and use `read` and `refused`.
    """

    refusal: type[ImportRefused] = ImportRefused

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def import_file(self, *, data: bytes, filename: str, **options) -> ImportCounts:
        raise NotImplementedError

    def handle(self, *args, file: Path, **options):
        data = self.read(file)
        try:
            result = self.import_file(data=data, filename=file.name, **options)
        except self.refusal as error:
            raise self.refused(file.name, error.errors) from None
        if result.ignored_columns:
            self.stdout.write(f"Columns ignored: {', '.join(result.ignored_columns)}.")
        self.stdout.write(self.style.SUCCESS(result.summary))

    def read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None

    def refused(self, filename: str, errors: list[RowError]) -> CommandError:
        """Print every problem on stderr; the error to raise, counting them."""
        for problem in errors:
            self.stderr.write(str(problem))
        return CommandError(f"{filename}: nothing imported ({len(errors)} problem(s)).")
