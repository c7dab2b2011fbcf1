"""The committee's dashboard, its JSON and its CSV downloads. Every view reads the same metrics
document (`analytics.metrics.for_year`) for the year and filters in the query string."""

import datetime as dt

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from analytics import metrics, presentation, selectors
from analytics.exports import document_json, document_rows
from analytics.forms import DashboardForm
from analytics.summary import evaluation_summary
from meded.spreadsheets import csv_response
from members.academic_year import AcademicYear
from members.permissions import is_committee


class CommitteeOnlyMixin(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self):
        return is_committee(self.request.user)


class DashboardFormMixin(CommitteeOnlyMixin):
    def get_dashboard_form(self, *, with_choices: bool = True) -> DashboardForm:
        # The downloads need no choices for the selects: only the page renders them.
        form = DashboardForm(
            self.request.GET,
            years=selectors.years_with_data() if with_choices else [],
            topics=selectors.topic_choices() if with_choices else [],
            series=selectors.series_choices(),
        )
        form.is_valid()
        return form

    def filename(self, form: DashboardForm, what: str) -> str:
        suffix = "-filtered" if form.filters.is_set else ""
        return f"meded-{what}-{form.academic_year_value.label}{suffix}.csv"


class DashboardView(DashboardFormMixin, TemplateView):
    template_name = "analytics/dashboard.html"

    def get_context_data(self, **kwargs):
        form = self.get_dashboard_form()
        year, filters = form.academic_year_value, form.filters
        doc = metrics.for_year(year, filters=filters)
        last_year = AcademicYear(year.start_year - 1)
        previous = metrics.for_year(last_year, filters=filters.a_year_earlier())
        # The year under way is compared with last year up to the same day, not its whole year.
        today = timezone.localdate()
        so_far = year == AcademicYear.current() and not (filters.ends_on and filters.ends_on < today)
        compared = metrics.for_year(last_year, filters=filters.a_year_earlier(until=today)) if so_far else previous
        sort = self.request.GET.get("sort", "date")
        if sort.removeprefix("-") not in selectors.SORTS:
            sort = "date"
        period = metrics.Period(year, filters)
        rows = selectors.sessions_table(period, sort=sort)
        return super().get_context_data(
            form=form,
            doc=doc,
            previous=previous,
            has_previous=previous["participants"]["total"] > 0 or previous["teaching"]["sessions"] > 0,
            headlines=presentation.headlines(doc, compared),
            compared_until=today if so_far else None,
            charts=presentation.charts(doc, previous),
            survey_tables=[t for t in presentation.survey_tables(doc) if t.key != "survey_format_preference"],
            summary=evaluation_summary(doc),
            sessions=rows,
            sort=sort,
            sort_links=self.sort_links(form, sort),
            minimum=doc["feedback"]["minimum"],
            now=timezone.now(),
            period_start=period.days[0],
            period_end=period.days[1],
            survey_opens=dt.date.fromisoformat(doc["survey"]["opens_on"]) if doc["survey"] else None,
            survey_closes=dt.date.fromisoformat(doc["survey"]["closes_on"]) if doc["survey"] else None,
            query=form.query_string(),
            clear_query=form.query_string(**dict.fromkeys(DashboardForm.FILTERS)),
            **kwargs,
        )

    def sort_links(self, form: DashboardForm, sort: str) -> list[dict]:
        """Each sortable column's link (ascending first, then descending) and its aria-sort."""
        labels = {
            "date": _("Date"),
            "title": _("Session"),
            "registered": _("Registered"),
            "attended": _("Attended"),
            "rate": _("Rate"),
            "feedback": _("Feedback"),
        }
        links = []
        for key, label in labels.items():
            current = sort.removeprefix("-") == key
            descending = sort.startswith("-")
            next_sort = f"-{key}" if current and not descending else key
            links.append(
                {
                    "key": key,
                    "label": label,
                    "query": form.query_string(sort=next_sort),
                    "aria_sort": ("descending" if descending else "ascending") if current else "none",
                }
            )
        return links


class MetricsJSONView(DashboardFormMixin, View):
    """The document as JSON: exactly what `manage.py metrics --format json` prints."""

    def get(self, request):
        form = self.get_dashboard_form(with_choices=False)
        if form.errors:
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        doc = metrics.for_year(form.academic_year_value, filters=form.filters)
        return HttpResponse(document_json(doc), content_type="application/json; charset=utf-8")


class MetricsCSVView(DashboardFormMixin, View):
    """The whole document as `metric,value` rows."""

    def get(self, request):
        form = self.get_dashboard_form(with_choices=False)
        if form.errors:
            return HttpResponse(_("Check the filters: %(errors)s") % {"errors": form.errors.as_text()}, status=400)
        doc = metrics.for_year(form.academic_year_value, filters=form.filters)
        return csv_response(
            filename=self.filename(form, "metrics"), header=["metric", "value"], rows=document_rows(doc)
        )


class TableCSVView(DashboardFormMixin, View):
    """One of the dashboard's tables, as shown on the page."""

    def get(self, request, table: str):
        form = self.get_dashboard_form(with_choices=False)
        if form.errors:
            return HttpResponse(_("Check the filters: %(errors)s") % {"errors": form.errors.as_text()}, status=400)
        key = table.replace("-", "_")
        year, filters = form.academic_year_value, form.filters
        if key == "sessions":
            table = presentation.sessions_table(selectors.sessions_table(metrics.Period(year, filters)))
            return csv_response(filename=self.filename(form, "sessions"), header=table.header, rows=table.rows)
        doc = metrics.for_year(year, filters=filters)
        previous = (
            metrics.for_year(AcademicYear(year.start_year - 1), filters=filters.a_year_earlier())
            if key == "attendance_by_month"
            else None
        )
        found = {t.key: t for t in presentation.all_tables(doc, previous)}
        if key not in found:
            raise Http404
        found_table = found[key]
        return csv_response(
            filename=self.filename(form, found_table.filename_part), header=found_table.header, rows=found_table.rows
        )
