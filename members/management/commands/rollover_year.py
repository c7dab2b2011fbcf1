from django.core.management.base import BaseCommand, CommandError

from members.academic_year import AcademicYear
from members.services import RolloverAlreadyDone, RolloverRefused, rollover_year


class Command(BaseCommand):
    help = "Move every active member up a year at the start of an academic year; year-6 members graduate."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would change and change nothing.")
        parser.add_argument(
            "--academic-year",
            help="The academic year being entered, like 2026-27 (default: the current one).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even for a year other than the current or next, or soon after the last rollover.",
        )

    def handle(self, *args, dry_run: bool, academic_year: str | None, force: bool, **options):
        try:
            year = AcademicYear.parse(academic_year) if academic_year else AcademicYear.current()
        except ValueError as error:
            raise CommandError(str(error)) from None
        try:
            result = rollover_year(academic_year=year, dry_run=dry_run, force=force)
        except RolloverAlreadyDone:
            raise CommandError(f"The rollover for {year} has already run; nothing changed.") from None
        except RolloverRefused as refusal:
            raise CommandError(f"{refusal} Nothing changed; use --force if you are sure.") from None
        if result.dry_run:
            self.stdout.write(
                f"Dry run for {year}: {result.promoted} member(s) would move up a year and "
                f"{result.graduated} would graduate. Nothing changed."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Rollover for {year}: {result.promoted} member(s) moved up a year, {result.graduated} graduated."
                )
            )
