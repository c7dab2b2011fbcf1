from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from members.models import Member
from members.permissions import is_committee
from teachers.services import TimetableImportError, import_timetable


class Command(BaseCommand):
    help = (
        "Import a timetable (CSV or .xlsx) with the columns title,starts_at,ends_at,format,target_years,venue,"
        "meeting_url,capacity,teacher_emails[,series,topic,description,online_capacity]. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as", dest="importer", help="Email of the committee member recorded as importing (default: each lead)."
        )

    def handle(self, *args, file: Path, importer: str | None, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        imported_by = None
        if importer:
            imported_by = Member.objects.filter(email__iexact=importer).first()
            if imported_by is None:
                raise CommandError(f"No member has the email {importer}.")
            if not is_committee(imported_by):
                raise CommandError(f"{importer} is not on the committee.")
        try:
            result = import_timetable(data=data, filename=file.name, imported_by=imported_by)
        except TimetableImportError as error:
            for problem in error.errors:
                self.stderr.write(str(problem))
            raise CommandError(f"{file.name}: nothing imported ({len(error.errors)} problem(s)).") from None
        if result.ignored_columns:
            self.stdout.write(f"Columns ignored: {', '.join(result.ignored_columns)}.")
        self.stdout.write(self.style.SUCCESS(result.summary))
