from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from members.services import MemberImportError, import_members


class Command(BaseCommand):
    help = (
        "Create or update members from a CSV (UTF-8) or .xlsx file with the columns "
        "email,first_name,last_name,year_of_study[,roles]. All or nothing: any bad row writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--invite", action="store_true", help="Email members without a password a link to set one.")

    def handle(self, *args, file: Path, invite: bool, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            result = import_members(data=data, filename=file.name, invite=invite)
        except MemberImportError as error:
            for problem in error.errors:
                self.stderr.write(str(problem))
            raise CommandError(f"{file.name}: nothing imported ({len(error.errors)} problem(s)).") from None
        if result.ignored_columns:
            self.stdout.write(f"Columns ignored: {', '.join(result.ignored_columns)}.")
        self.stdout.write(self.style.SUCCESS(result.summary))
