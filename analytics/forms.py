"""The dashboard's year picker and filters, read from the query string (the page, the JSON and
the CSV downloads take the same parameters)."""

from urllib.parse import urlencode

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.metrics import Filters
from events.enums import SessionFormat
from events.models import Series
from members.academic_year import AcademicYear
from members.enums import YearOfStudy


class DashboardForm(forms.Form):
    # Any year may be asked for (an empty one shows as empty); the page offers the years with data.
    academic_year = forms.CharField(label=gettext_lazy("Academic year"), required=False, widget=forms.Select)
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        required=False,
        choices=[("", gettext_lazy("Any format")), *SessionFormat.choices],
    )
    series = forms.ModelChoiceField(
        label=gettext_lazy("Series"),
        required=False,
        queryset=Series.objects.none(),
        empty_label=gettext_lazy("Any series"),
    )
    topic = forms.ChoiceField(label=gettext_lazy("Topic"), required=False)
    target_year = forms.TypedChoiceField(
        label=gettext_lazy("For year"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", gettext_lazy("Any year")), *YearOfStudy.choices],
    )
    starts_on = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    FILTERS = ("format", "series", "topic", "target_year", "starts_on", "ends_on")

    def __init__(self, data=None, *, years: list[AcademicYear], topics: list[str], series):
        # An empty query string is a valid, unfiltered request for the current year.
        super().__init__(data if data is not None else {})
        self.years = years
        self.fields["academic_year"].widget.choices = [(year.label, year.label) for year in years]
        self.fields["series"].queryset = series
        self.fields["topic"].choices = [("", _("Any topic")), *((topic, topic) for topic in topics)]
        for field in self.fields.values():
            widget = field.widget
            widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"

    def clean_academic_year(self) -> AcademicYear:
        label = self.cleaned_data.get("academic_year")
        if not label:
            return AcademicYear.current()
        try:
            return AcademicYear.parse(label)
        except ValueError:
            raise forms.ValidationError(
                _("Choose an academic year written like %(example)s.") % {"example": AcademicYear.current().label}
            ) from None

    def clean(self):
        data = super().clean()
        year = data.get("academic_year") or AcademicYear.current()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        for name, day in (("starts_on", starts_on), ("ends_on", ends_on)):
            if day and not year.starts_on <= day <= year.ends_on:
                self.add_error(
                    name,
                    _("Choose a date in %(year)s, between %(first)s and %(last)s.")
                    % {
                        "year": year.label,
                        "first": date_format(year.starts_on, "j F Y"),
                        "last": date_format(year.ends_on, "j F Y"),
                    },
                )
        if starts_on and ends_on and ends_on < starts_on and "ends_on" not in self.errors:
            self.add_error("ends_on", _("The end date must be on or after the start date."))
        return data

    @property
    def academic_year_value(self) -> AcademicYear:
        """The year asked for, or the current one if none or an invalid one was asked for."""
        return self.cleaned_data.get("academic_year") or AcademicYear.current()

    @property
    def filters(self) -> Filters:
        """The filters that were valid; an invalid one is left out (and reported by the form)."""
        data = self.cleaned_data
        series = data.get("series")
        return Filters(
            format=data.get("format") or "",
            series_id=series.pk if series else None,
            topic=data.get("topic") or "",
            target_year=data.get("target_year"),
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
        )

    def query_string(self, **changes) -> str:
        """The current choices as a query string, with `changes` applied (None removes a key)."""
        values = {name: self.data.get(name, "") for name in ("academic_year", *self.FILTERS)}
        values.update(changes)
        return urlencode({key: value for key, value in values.items() if value not in ("", None)})
