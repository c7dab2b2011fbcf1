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

# The academic years the dashboard can be asked for (the first and last start years).
FIRST_YEAR, LAST_YEAR = 1950, 2200


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
    # Any topic may be asked for (matched in any case); the page offers the topics sessions have.
    topic = forms.CharField(label=gettext_lazy("Topic"), required=False, max_length=100, widget=forms.Select)
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
        self.topics = topics
        self.fields["series"].queryset = series
        for field in self.fields.values():
            widget = field.widget
            widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"

    def full_clean(self):
        super().full_clean()
        # The selects show what the figures are for: the year shown (even one without data, or
        # the current one after an invalid request) and the topic asked for.
        shown = self.academic_year_value
        years = sorted({*self.years, shown}, reverse=True)
        self.fields["academic_year"].widget.choices = [(year.label, year.label) for year in years]
        topic = self.cleaned_data.get("topic") or ""
        topics = [*self.topics, *([topic] if topic and topic not in self.topics else [])]
        self.fields["topic"].widget.choices = [("", _("Any topic")), *((t, t) for t in topics)]
        self.data = self.data.copy()
        self.data["academic_year"] = shown.label
        for name, field in self.fields.items():
            if name in self.errors:
                field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"id_{name}_error"})
                field.widget.attrs["class"] += " is-invalid"

    def clean_topic(self) -> str:
        return " ".join(self.cleaned_data.get("topic", "").split())

    def clean_academic_year(self) -> AcademicYear:
        label = self.cleaned_data.get("academic_year")
        if not label:
            return AcademicYear.current()
        try:
            year = AcademicYear.parse(label)
        except ValueError:
            year = None
        # Years far outside the society's life cannot be turned into dates (or last year's dates).
        if year is None or not FIRST_YEAR <= year.start_year <= LAST_YEAR:
            raise forms.ValidationError(
                _("Choose an academic year written like %(example)s.") % {"example": AcademicYear.current().label}
            )
        return year

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
        """The choices the figures are for (the valid ones only) as a query string, with
        `changes` applied (None removes a key)."""
        filters = self.filters
        values = {
            "academic_year": self.academic_year_value.label,
            "format": filters.format,
            "series": filters.series_id,
            "topic": filters.topic,
            "target_year": filters.target_year,
            "starts_on": filters.starts_on.isoformat() if filters.starts_on else None,
            "ends_on": filters.ends_on.isoformat() if filters.ends_on else None,
        }
        values.update(changes)
        return urlencode({key: value for key, value in values.items() if value not in ("", None)})

    def described(self) -> list[str]:
        """The filters in force, as people read them: “Online”, “Series: Year 2 pathology”."""
        data, filters = self.cleaned_data, self.filters
        words = []
        if filters.format:
            words.append(str(SessionFormat(filters.format).label))
        if data.get("series"):
            words.append(_("Series: %(title)s") % {"title": data["series"].title})
        if filters.topic:
            words.append(_("Topic: %(topic)s") % {"topic": filters.topic})
        if filters.target_year:
            words.append(_("For year %(year)s") % {"year": filters.target_year})
        return words
