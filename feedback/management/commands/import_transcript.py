from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from feedback import transcripts
from feedback.enums import InterviewRole
from feedback.past_evaluations import TranscriptError, import_transcript
from members.academic_year import AcademicYear


class Command(BaseCommand):
    help = (
        "Keep the interviewee's turns of a Microsoft Teams transcript (.vtt or .docx) as excerpts to code, "
        "every speaker's name replaced by a pseudonym, no timestamp and no file kept. Words that may be "
        "names are listed; decide each with --redact or --keep and run it again."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--interviewee", help="The interviewee's name as the transcript labels them.")
        parser.add_argument("--role", choices=InterviewRole.values, required=True)
        parser.add_argument("--academic-year", required=True, help="e.g. 2025-26")
        parser.add_argument("--redact", action="append", default=[], help="A word that is a name: hide it.")
        parser.add_argument("--keep", action="append", default=[], help="A word that is not a name: keep it.")
        parser.add_argument("--dry-run", action="store_true", help="Show the excerpts; save nothing.")

    def handle(self, *args, file: Path, interviewee: str | None, role: str, academic_year: str, **options):
        try:
            year = AcademicYear.parse(academic_year)
        except ValueError as error:
            raise CommandError(str(error)) from None
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        if not interviewee:
            try:
                speakers = transcripts.read_transcript(data=data, filename=file.name).speakers
            except transcripts.UnreadableTranscript as error:
                raise CommandError(str(error)) from None
            raise CommandError(f"Say who was interviewed with --interviewee; the speakers are {', '.join(speakers)}.")
        try:
            result = import_transcript(
                data=data,
                filename=file.name,
                interviewee=interviewee,
                role=role,
                academic_year=year,
                redact=options["redact"],
                keep=options["keep"],
                save=not options["dry_run"],
            )
        except TranscriptError as error:
            for word, excerpt in error.unsure.items():
                self.stderr.write(f"May be a name: {word!r} in “{excerpt}”")
            raise CommandError(f"{file.name}: nothing saved. {error}") from None
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing saved.")
        for excerpt in result.excerpts:
            self.stdout.write(f"- {excerpt}")
        for word, excerpt in result.unsure.items():
            self.stdout.write(f"May be a name (decide with --redact or --keep): {word!r} in “{excerpt}”")
        verb = "would be kept" if options["dry_run"] else "kept"
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.pseudonym}: {len(result.excerpts)} excerpts {verb}; {result.dropped_turns} turns of "
                "the interviewer dropped."
            )
        )
