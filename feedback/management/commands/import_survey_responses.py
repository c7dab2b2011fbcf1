import datetime as dt
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from feedback.enums import YearBand
from feedback.past_evaluations import SurveyImportError, import_survey_responses
from feedback.survey_import import read_map
from meded.imports import ImportCommand
from meded.spreadsheets import UnreadableFile
from members.academic_year import AcademicYear
from members.models import Member
from members.permissions import is_committee


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date like 2026-03-31.") from None


class Command(ImportCommand):
    help = (
        "Import a past society survey from a Qualtrics CSV, Microsoft Forms .xlsx or Google Forms CSV "
        "export. MAP is a CSV of column,metric_key lines (year_of_study for the year column); other "
        "columns are never read into the database. All or nothing; one release of anonymous responses."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--map", dest="map_file", type=Path, required=True, help="CSV of column,metric_key.")
        parser.add_argument("--academic-year", required=True, help="e.g. 2025-26")
        parser.add_argument("--title", required=True, help="The survey's title (one of that year is added to).")
        parser.add_argument("--opens", type=_date, help="The day it opened (default: the academic year's first day).")
        parser.add_argument("--closes", type=_date, help="The day it closed (default: the academic year's last day).")
        parser.add_argument("--as", dest="importer", help="Email of the committee member recorded as importing.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and say what would be written.")

    def handle(self, *args, file: Path, map_file: Path, academic_year: str, title: str, **options):
        try:
            year = AcademicYear.parse(academic_year)
        except ValueError as error:
            raise CommandError(str(error)) from None
        try:
            mapping = read_map(data=self.read(map_file))
        except UnreadableFile as error:
            for problem in error.errors:
                self.stderr.write(str(problem))
            raise CommandError(f"{map_file.name}: nothing imported.") from None
        importer = None
        if options["importer"]:
            importer = Member.objects.filter(email__iexact=options["importer"]).first()
            if importer is None or not is_committee(importer):
                raise CommandError(f"{options['importer']} is not a committee member.")
        try:
            result = import_survey_responses(
                data=self.read(file),
                filename=file.name,
                mapping=mapping,
                academic_year=year,
                title=title,
                opens_on=options["opens"],
                closes_on=options["closes"],
                by=importer,
                dry_run=options["dry_run"],
            )
        except SurveyImportError as error:
            raise self.refused(file.name, error.errors) from None
        self._report(result)

    def _report(self, result):
        write = self.stdout.write
        if result.dry_run:
            write("Dry run: nothing written.")
        survey = "a new closed survey" if result.is_new_survey else "the existing survey"
        opens, closes = (timezone.localdate(moment) for moment in (result.opens_at, result.closes_at))
        write(f"Survey: {survey} “{result.title}”, {opens} to {closes}.")
        bands = ", ".join(
            f"{YearBand(band).label if band else 'year not recorded'}: {n}" for band, n in result.by_band.items()
        )
        write(f"Responses: {result.responses} ({bands}).")
        for column, meaning, n in result.columns:
            write(f"  {column} → {meaning}: {n} answered")
        if result.dropped_columns:
            write(f"Columns not imported: {', '.join(result.dropped_columns)}.")
        write(self.style.SUCCESS(result.summary))
