"""`manage.py metrics`: the dashboard's metrics document for an academic year, in a terminal."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from analytics import metrics, presentation
from analytics.exports import csv_text, document_json, document_rows, text_table
from analytics.summary import evaluation_summary
from events.enums import SessionFormat
from members.academic_year import AcademicYear


def _academic_year(value: str) -> AcademicYear:
    try:
        return AcademicYear.parse(value)
    except ValueError as error:
        raise CommandError(str(error)) from None


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date like 2026-01-31.") from None


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
        parser.add_argument("--from", dest="starts_on", type=_date, default=None, help="term dates: first day")
        parser.add_argument("--to", dest="ends_on", type=_date, default=None, help="term dates: last day")

    def handle(self, *args, academic_year, output, **options):
        year = _academic_year(academic_year) if academic_year else AcademicYear.current()
        for name in ("starts_on", "ends_on"):
            day = options[name]
            if day and not year.starts_on <= day <= year.ends_on:
                raise CommandError(f"{day.isoformat()} is not in the academic year {year.label}.")
        filters = metrics.Filters(
            format=options["session_format"],
            series_id=options["series"],
            topic=options["topic"],
            target_year=options["target_year"],
            starts_on=options["starts_on"],
            ends_on=options["ends_on"],
        )
        doc = metrics.for_year(year, filters=filters)
        if output == "json":
            self.stdout.write(document_json(doc), ending="")
        elif output == "csv":
            self.stdout.write(csv_text(["metric", "value"], document_rows(doc)), ending="")
        else:
            self.stdout.write(self.tables(doc), ending="")

    def tables(self, doc: dict) -> str:
        period = doc["period"]
        heading = f"MedEd metrics for {doc['academic_year']} ({period['start']} to {period['end']})"
        if period["filters"]:
            heading += "\nFilters: " + ", ".join(f"{key} = {value}" for key, value in period["filters"].items())
        parts = [heading + "\n"]
        parts += [text_table(table) for table in presentation.all_tables(doc)]
        if doc["survey"] is None:
            parts.append(f"No survey ran in {doc['academic_year']}.\n")
        parts.append("Evaluation summary\n==================\n" + evaluation_summary(doc).paragraph + "\n")
        return "\n".join(parts)
