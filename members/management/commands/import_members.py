from meded.imports import ImportCommand
from members.services import MemberImportError, import_members


class Command(ImportCommand):
    help = (
        "Create or update members from a CSV (UTF-8) or .xlsx file with the columns "
        "email,first_name,last_name,year_of_study[,roles]. All or nothing: any bad row writes nothing."
    )
    refusal = MemberImportError

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--invite", action="store_true", help="Email members without a password a link to set one.")

    def import_file(self, *, data: bytes, filename: str, invite: bool, **options):
        return import_members(data=data, filename=filename, invite=invite)
