from django.core.management.base import CommandError

from meded.imports import ImportCommand
from members.models import Member
from members.permissions import is_committee
from teachers.services import TimetableImportError, import_timetable


class Command(ImportCommand):
    help = (
        "Import a timetable (CSV or .xlsx) with the columns title,starts_at,ends_at,format,target_years,venue,"
        "meeting_url,capacity,teacher_emails[,series,topic,description,online_capacity]. All or nothing."
    )
    refusal = TimetableImportError

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--as", dest="importer", help="Email of the committee member recorded as importing (default: each lead)."
        )

    def import_file(self, *, data: bytes, filename: str, importer: str | None, **options):
        imported_by = None
        if importer:
            imported_by = Member.objects.filter(email__iexact=importer).first()
            if imported_by is None:
                raise CommandError(f"No member has the email {importer}.")
            if not is_committee(imported_by):
                raise CommandError(f"{importer} is not on the committee.")
        return import_timetable(data=data, filename=filename, imported_by=imported_by)
