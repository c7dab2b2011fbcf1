"""`manage.py metrics`: the dashboard's metrics document for an academic year, in a terminal."""

from django.core.management.base import BaseCommand, CommandError

from analytics import metrics, presentation, selectors
from analytics.exports import csv_text, document_json, document_rows, text_table
from analytics.forms import DashboardForm
from analytics.summary import evaluation_summary
from events.enums import SessionFormat
from events.models import Series


class Command(BaseCommand):
    help = (
        "Print the committee dashboard's metrics for an academic year: as readable tables (default), as "
        "the JSON /analytics/metrics.json returns, or as metric,value CSV rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--academic-year", default="", help="e.g. 2025-26 (default: the current academic year)")
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table", dest="output")
        parser.add_argument(
            "--session-format", choices=SessionFormat.values, default="", help="only sessions of this format"
        )
        parser.add_argument("--series", type=int, default=None, help="only sessions of this series (its id)")
        parser.add_argument("--topic", default="", help="only sessions on this topic")
        parser.add_argument(
            "--target-year", type=int, choices=range(1, 7), default=None, help="only sessions for this year"
        )
        parser.add_argument("--from", dest="starts_on", default="", help="term dates: first day, e.g. 2026-01-05")
        parser.add_argument("--to", dest="ends_on", default="", help="term dates: last day")

    def handle(self, *args, academic_year, output, **options):
        # The same form as the page, the JSON and the CSVs: the same checks and the same messages.
        form = DashboardForm(
            {
                "academic_year": academic_year,
                "format": options["session_format"],
                "series": options["series"] or "",
                "topic": options["topic"],
                "target_year": options["target_year"] or "",
                "starts_on": options["starts_on"],
                "ends_on": options["ends_on"],
            },
            years=[],
            topics=[],
            series=Series.objects.all(),
        )
        if not form.is_valid():
            raise CommandError(
                " ".join(f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items())
            )
        year, filters = form.academic_year_value, form.filters
        doc = metrics.for_year(year, filters=filters)
        if output == "json":
            self.stdout.write(document_json(doc), ending="")
        elif output == "csv":
            self.stdout.write(csv_text(["metric", "value"], document_rows(doc)), ending="")
        else:
            self.stdout.write(self.tables(doc, year, filters), ending="")

    def tables(self, doc: dict, year, filters) -> str:
        period = doc["period"]
        heading = f"MedEd metrics for {doc['academic_year']} ({period['start']} to {period['end']})"
        if period["filters"]:
            heading += "\nFilters: " + ", ".join(f"{key} = {value}" for key, value in period["filters"].items())
        parts = [heading + "\n"]
        parts += [text_table(table) for table in presentation.all_tables(doc)]
        parts.append(text_table(presentation.sessions_table(selectors.sessions_table(metrics.Period(year, filters)))))
        if doc["survey"] is None:
            parts.append(f"No survey ran in {doc['academic_year']}.\n")
        parts.append("Evaluation summary\n==================\n" + evaluation_summary(doc).paragraph + "\n")
        return "\n".join(parts)
