from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.enums import SessionFormat
from events.models import SESSION_YEARS, Series, Session
from members.enums import YearOfStudy

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_LOCAL, **kwargs)


class SessionForm(forms.ModelForm):
    """A session's details as its teachers (or the committee) enter them. Times are local (London)."""

    target_years = forms.TypedMultipleChoiceField(
        label=_("For years"),
        choices=YearOfStudy.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every year the session is meant for."),
    )

    class Meta:
        model = Session
        fields = [
            "title",
            "topic",
            "series",
            "description",
            "format",
            "target_years",
            "is_open_to_all_years",
            "starts_at",
            "ends_at",
            "venue",
            "meeting_url",
            "capacity",
            "online_capacity",
        ]
        widgets = {
            "starts_at": DateTimeLocalInput(),
            "ends_at": DateTimeLocalInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"starts_at": _("Starts"), "ends_at": _("Ends")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = [DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        if self.instance.pk and "target_years" not in self.initial:
            self.initial["target_years"] = self.instance.target_year_numbers
        self.fields["series"].queryset = Series.objects.order_by("title")
        self.fields["series"].empty_label = _("None")
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        starts_at, ends_at, format_ = data.get("starts_at"), data.get("ends_at"), data.get("format")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The session must end after it starts."))
        for name in ("starts_at", "ends_at"):
            when = data.get(name)
            if when and when.year not in SESSION_YEARS:
                self.add_error(
                    name,
                    _("Choose a date from %(first)s to %(last)s.")
                    % {"first": SESSION_YEARS[0], "last": SESSION_YEARS[-1]},
                )
        if starts_at and not self.instance.pk and starts_at <= timezone.now():
            self.add_error("starts_at", _("Choose a time in the future."))
        if format_:
            format_ = SessionFormat(format_)
            if format_.has_venue and not data.get("venue"):
                self.add_error("venue", _("Say where the session takes place."))
            if format_.has_link and not data.get("meeting_url"):
                self.add_error("meeting_url", _("Add the meeting link (Teams, Zoom or other)."))
            if not format_.has_venue:
                data["venue"], data["capacity"] = "", None
            if not format_.has_link:
                data["meeting_url"] = ""
            if format_ != SessionFormat.HYBRID:
                data["online_capacity"] = None
        return data

    @property
    def session_fields(self) -> dict:
        """The cleaned data as keyword arguments for the services."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "target_years"}


class SendBackForm(forms.Form):
    comment = forms.CharField(label=_("Comment for the teachers"), widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Registrants and teachers are told this reason."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class CatalogueFilterForm(forms.Form):
    year = forms.TypedChoiceField(
        label=_("Year"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All years")), *YearOfStudy.choices],
    )
    format = forms.ChoiceField(
        label=_("Format"), required=False, choices=[("", _("Any format")), *SessionFormat.choices]
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    # The series' ids, chosen from the list the view passes in: the page is rendered from that one
    # query (and its filters from the cache, keyed by it), with no second query to validate a choice.
    series = forms.TypedChoiceField(
        label=_("Series"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]},
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args, topics: list[str], series: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", _("Any topic"))] + [(t, t) for t in topics]
        self.fields["series"].choices = [("", _("Any series")), *series]
        for field in self.fields.values():
            widget = field.widget
            widget.attrs["class"] = (
                "form-select form-select-sm" if isinstance(widget, forms.Select) else ("form-control form-control-sm")
            )


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(
        label=_("File"),
        required=False,
        validators=[FileExtensionValidator(settings.MATERIAL_EXTENSIONS)],
        help_text=_("PDF, slides, documents or images."),
    )
    url = forms.URLField(label=_("or a link"), required=False, assume_scheme="https")

    def clean(self):
        data = super().clean()
        file, url = data.get("file"), data.get("url")
        if file and file.size > settings.MATERIAL_MAX_BYTES:
            self.add_error(
                "file", _("The file is larger than %(limit)s.") % {"limit": filesizeformat(settings.MATERIAL_MAX_BYTES)}
            )
        if not self.errors and bool(file) == bool(url):
            raise forms.ValidationError(_("Attach a file or give a link (one of the two)."))
        return data


class RecordingForm(forms.Form):
    recording_url = forms.URLField(
        label=_("Recording link"),
        required=False,
        assume_scheme="https",
        error_messages={"invalid": _("Enter a full link, starting https://.")},
    )
