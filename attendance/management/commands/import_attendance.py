from pathlib import Path

from django.core.management.base import CommandError

from attendance.services import AttendanceImportError, apply_attendance_import, plan_attendance_import
from events.models import Session
from meded.imports import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a session's attendance from a Microsoft Teams attendance report, a Zoom participants export, "
        "or a CSV with the columns email,status[,mode,year_of_study]. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("session_id", type=int)
        super().add_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")

    def handle(self, *args, session_id: int, file: Path, dry_run: bool, **options):
        session = Session.objects.filter(pk=session_id).first()
        if session is None:
            raise CommandError(f"No session has the id {session_id}.")
        data = self.read(file)
        try:
            plan = plan_attendance_import(session=session, data=data, filename=file.name)
        except AttendanceImportError as error:
            raise self.refused(file.name, error.errors) from None
        if plan.is_plain_register:
            self.stdout.write(f"{len(plan.statuses)} attendance status(es) to record.")
        else:
            self.stdout.write(
                f"{plan.kind.title()} report: {len(plan.present)} present (at least {plan.minimum_seconds // 60} min), "
                f"{len(plan.too_short)} too short, {len(plan.unmatched)} not matched to a member."
            )
            for name in plan.unmatched:
                self.stdout.write(f"  not matched: {name}")
        if dry_run:
            self.stdout.write("Dry run: nothing written.")
            return
        apply_attendance_import(session=session, plan=plan)
        self.stdout.write(self.style.SUCCESS("Attendance imported."))
