"""How the committee dashboard's metrics document (`analytics.metrics.for_year`) scales with the
registrations on PostgreSQL, and how close it runs to the SQL it executes.

Builds, in a database of its own (created, migrated and dropped at the end), three academic years
(2023-24 to 2025-26) of a large society: 5,000 members (years 1–6, a few staff with none), 1,000
sessions a year (mostly completed with the register taken; some attendance imported; some
cancelled; some ended but published with no register; later in 2025-26 some still to come),
target years, rosters, approved and declined teacher applications with motivations, a society
survey each year with its released responses, and then registrations (registered, waitlisted,
cancelled; present, late, absent, excused or blank) grown to each size in turn, with the released
feedback of about one attendee in five on the default session form and a few coded comments. All
rows are written with COPY or bulk_create, never through the services.

At each size (the registrations of all three years) it runs VACUUM (ANALYZE), as autovacuum
would after the bulk inserts, then times `for_year(AcademicYear(2025), now=NOW)` (the median of
REPEATS runs after a warm-up), captures the SQL the document executes (one run), and times those
exact statements, parameters bound, on a raw psycopg cursor with the same repetitions: the
difference is what the ORM and the Python around it cost. At the largest size it shows
EXPLAIN (ANALYZE, BUFFERS) per query and the plan of the slowest ones. Targets: the document within
1.5× its raw SQL and under 1 s at 1,000,000 registrations.

    .venv/bin/python bench/dashboard.py [--sizes 1000,100000,1000000] [--keep] [--reuse] [--plans N]

The server is BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432); the database is
meded_bench_dashboard. `--keep` leaves it in place; `--reuse` measures a kept database as it is,
without building anything (to try an index added by hand).
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = "meded_bench_dashboard"
os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meded.settings")
os.environ.setdefault("CELERY_FILESYSTEM_BROKER_DIR", tempfile.mkdtemp(prefix="meded-bench-"))

import django  # noqa: E402 -- the environment above must be set before Django reads settings

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from analytics.metrics import for_year  # noqa: E402
from attendance.models import RegisterTaken  # noqa: E402
from events.models import Series, Session, SessionTargetYear  # noqa: E402
from feedback.models import Code, Form, Survey  # noqa: E402
from members.academic_year import AcademicYear  # noqa: E402
from members.models import Member  # noqa: E402
from teachers.enums import Motivation  # noqa: E402
from teachers.models import ApplicationMotivation, RosterEntry, TeacherApplication  # noqa: E402

LONDON = ZoneInfo("Europe/London")
YEARS = (2023, 2024, 2025)
MEASURED = AcademicYear(2025)
# The committee reads the year in mid-June: the last weeks' sessions are still to come.
NOW = dt.datetime(2026, 6, 15, 12, tzinfo=LONDON)
MEMBERS = 5_000
TEACHERS = 500
SESSIONS_PER_YEAR = 1_000
SURVEY_RESPONSES = 1_200
APPLICATIONS_PER_YEAR = 180
FEEDBACK_SHARE = 0.2  # of attendees
CODED_SHARE = 0.03  # of comments
REPEATS = 5
SESSION_SCALES = ("overall", "teaching_quality", "knowledge", "confidence_before", "confidence_after")
SESSION_SCALES += ("motivation", "community")
SEED = 20250801
TOPICS = ("Cardiology", "Respiratory", "Neurology", "Renal", "Pharmacology", "Anatomy", "Pathology", "OSCE")
COMMENTS = (
    "Clear explanations and good practice questions.",
    "Friendly teachers, felt easy to ask questions.",
    "Great for exam revision.",
    "A bit fast in places; more time for cases please.",
    "Would love the slides beforehand.",
    "Made me feel part of a community.",
)


def _weighted(rng: random.Random, choices: tuple, weights: tuple):
    return rng.choices(choices, weights)[0]


def _copy(table: str, columns: tuple[str, ...], rows) -> int:
    n = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _london(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


class World:
    """The fixed part of the data (members, sessions, rosters, surveys, applications) and what the
    registrations need to know about it; `grow` adds registrations and their feedback."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)  # noqa: S311 -- repeatable data, not secrets
        self.registrations = 0

    # The fixed part

    def build(self) -> None:
        rng = self.rng
        members = Member.objects.bulk_create(
            Member(
                email=f"m{i}@example.ac.uk",
                first_name=f"M{i}",
                last_name="Bench",
                password="!bench",  # noqa: S106 -- an unusable password
                year_of_study=None if i % 50 == 0 else i % 6 + 1,
            )
            for i in range(MEMBERS)
        )
        self.members = [m.pk for m in members]
        self.year_2025 = [m.year_of_study for m in members]  # the year each was in during 2025-26
        teachers = [i for i, year in enumerate(self.year_2025) if year and year >= 3][:TEACHERS]
        self.committee = self.members[teachers[0]]
        series = Series.objects.bulk_create(Series(title=f"{topic} revision") for topic in TOPICS)
        sessions = []
        for academic in YEARS:
            start = AcademicYear(academic).starts_on
            for i in range(SESSIONS_PER_YEAR):
                day = start + dt.timedelta(days=int(i * 365 / SESSIONS_PER_YEAR))
                starts_at = _london(day, rng.choice((17, 18, 19)), rng.choice((0, 30)))
                ends_at = starts_at + dt.timedelta(minutes=rng.choice((60, 90, 120)))
                r = rng.random()
                if ends_at <= NOW:
                    status = (
                        "completed" if r < 0.84 else "cancelled" if r < 0.91 else "published" if r < 0.97 else "draft"
                    )
                else:
                    status = (
                        "published" if r < 0.8 else "submitted" if r < 0.9 else "draft" if r < 0.95 else "cancelled"
                    )
                topic = rng.randrange(len(TOPICS))
                sessions.append(
                    Session(
                        title=f"{TOPICS[topic]} {academic}-{i}",
                        topic=TOPICS[topic],
                        series=series[topic] if rng.random() < 0.4 else None,
                        format=_weighted(rng, ("in_person", "online", "hybrid"), (5, 3, 2)),
                        venue="LT1",
                        starts_at=starts_at,
                        ends_at=ends_at,
                        capacity=rng.choice((None, 400, 600)),
                        status=status,
                        cancellation_reason="Teacher unwell" if status == "cancelled" else "",
                        created_by_id=self.members[rng.choice(teachers)],
                        published_at=starts_at - dt.timedelta(days=14) if status != "draft" else None,
                    )
                )
        sessions = Session.objects.bulk_create(sessions)
        SessionTargetYear.objects.bulk_create(
            SessionTargetYear(session=s, year=year)
            for s in sessions
            for year in sorted(rng.sample(range(1, 7), rng.choice((1, 1, 2, 3))))
        )
        roster, taken = [], []
        # Per registrable session: (id, academic year, starts_at, format, recorded, ended held)
        self.sessions = []
        for s in sessions:
            academic = AcademicYear.containing(s.starts_at.astimezone(LONDON).date()).start_year
            team = rng.sample(teachers, rng.choice((1, 1, 2, 3)))
            for number, t in enumerate(team):
                year = self.year_2025[t] - (2025 - academic)
                roster.append(
                    RosterEntry(
                        session=s,
                        teacher_id=self.members[t],
                        role="lead" if number == 0 else "co_teacher",
                        year_of_study=year if year >= 1 else None,
                    )
                )
            if s.status in ("draft", "submitted"):
                continue
            recorded = ""
            if s.status == "completed":
                r = rng.random()
                recorded = "register" if r < 0.92 else "import" if r < 0.96 else ""
            if recorded == "register":
                taken.append(RegisterTaken(session=s, taken_by_id=self.members[team[0]], taken_at=s.ends_at))
            ended_held = s.status in ("published", "completed") and s.ends_at <= NOW
            self.sessions.append((s.pk, academic, s.starts_at, s.format, recorded, ended_held))
        RosterEntry.objects.bulk_create(roster)
        RegisterTaken.objects.bulk_create(taken)
        self._forms()
        self._surveys()
        self._applications(teachers)

    def _forms(self) -> None:
        session_form = Form.objects.get(family="session-feedback", is_current=True)
        self.session_form = session_form.pk
        questions = {q.metric_key: q for q in session_form.questions.prefetch_related("options")}
        self.session_scales = [
            (questions[key].pk, (15, 30, 30, 18, 7) if key == "confidence_before" else (3, 7, 15, 40, 35))
            for key in SESSION_SCALES
        ]
        self.session_format = (
            questions["format_preference"].pk,
            [o.pk for o in questions["format_preference"].options.all()],
        )
        self.session_texts = [(questions["went_well"].pk, 0.25), (questions["improve"].pk, 0.12)]
        self.codes = list(Code.objects.values_list("pk", flat=True))

    def _surveys(self) -> None:
        rng = self.rng
        form = Form.objects.get(family="society-survey", is_current=True)
        questions = {q.metric_key: q for q in form.questions.prefetch_related("options")}
        options = {key: {o.value: o.pk for o in q.options.all()} for key, q in questions.items()}
        responses, answers, comments = [], [], []
        for academic in YEARS:
            opens = _london(dt.date(academic + 1, 3, 1), 9)
            survey = Survey.objects.create(
                title=f"Society survey {AcademicYear(academic).label}",
                form=form,
                opens_at=opens,
                closes_at=opens + dt.timedelta(days=45),
            )
            for i in rng.sample(range(MEMBERS), SURVEY_RESPONSES):
                year = self.year_2025[i] and self.year_2025[i] - (2025 - academic)
                band = "" if not year or year < 1 else "years_1_2" if year <= 2 else "years_3_6"
                response = uuid.uuid4()
                responses.append((response, form.pk, None, survey.pk, band, False))
                role = _weighted(rng, ("attendee", "teacher", "both", "neither"), (55, 5, 15, 25))

                def choose(key, value, response=response):
                    answers.append((uuid.uuid4(), response, questions[key].pk, None, options[key][value], "", False))

                choose(
                    "lecture_attendance",
                    _weighted(rng, ("always", "mostly", "sometimes", "rarely", "never"), (30, 30, 20, 15, 5)),
                )
                choose("format_preference", rng.choice(("online", "in_person")))
                choose("society_role", role)
                for key in ("knowledge", "motivation", "community", "confidence"):
                    number = _weighted(rng, (1, 2, 3, 4, 5), (3, 7, 15, 40, 35))
                    answers.append((uuid.uuid4(), response, questions[key].pk, number, None, "", False))
                if role in ("teacher", "both"):
                    for value in rng.sample(sorted(options["teaching_motivations"]), rng.randint(1, 3)):
                        choose("teaching_motivations", value)
                if rng.random() < 0.3:
                    answer = uuid.uuid4()
                    answers.append(
                        (answer, response, questions["society_gives"].pk, None, None, rng.choice(COMMENTS), False)
                    )
                    comments.append(answer)
        self._write_feedback(responses, answers, comments)

    def _applications(self, teachers: list[int]) -> None:
        rng = self.rng
        applications = []
        for academic in YEARS:
            start = _london(AcademicYear(academic).starts_on, 10)
            for i in rng.sample(range(MEMBERS), APPLICATIONS_PER_YEAR):
                approved = rng.random() < 0.85
                applications.append(
                    TeacherApplication(
                        member_id=self.members[i],
                        subjects="Anatomy, physiology",
                        year_of_study=self.year_2025[i],
                        status="approved" if approved else "declined",
                        decline_reason="" if approved else "Please apply again next year.",
                        decided_by_id=self.committee,
                        created_at=start + dt.timedelta(days=rng.randrange(360)),
                    )
                )
        applications = TeacherApplication.objects.bulk_create(applications)
        motivations = [m for m in Motivation.values if m != "other"]
        ApplicationMotivation.objects.bulk_create(
            ApplicationMotivation(application=a, motivation=m)
            for a in applications
            for m in rng.sample(motivations, rng.randint(1, 4))
        )

    def _code(self, answers: list[uuid.UUID]) -> None:
        """An agreed coding with one or two codes for CODED_SHARE of `answers` (free-text)."""
        rng = self.rng
        coded = [a for a in answers if rng.random() < CODED_SHARE]
        if not coded:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('feedback_coding', 'id')) FROM generate_series(1, %s)",
                [len(coded)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        _copy(
            "feedback_coding",
            ("id", "answer_id", "coder_id", "is_agreed", "coded_at"),
            ((pk, answer, self.committee, True, NOW) for pk, answer in zip(ids, coded, strict=True)),
        )
        _copy(
            "feedback_coding_codes",
            ("coding_id", "code_id"),
            ((pk, code) for pk in ids for code in rng.sample(self.codes, rng.choice((1, 1, 2)))),
        )

    # Registrations and their feedback

    def grow(self, size: int) -> None:
        """Add registrations until there are `size`, with the feedback of some attendees. Each
        (session, member) pair is taken once, in a fixed pseudo-random order over all pairs."""
        rng = self.rng
        pairs = len(self.sessions) * MEMBERS
        assert size <= pairs, f"at most {pairs} registrations"
        step = 1_000_003
        while pairs % step == 0:
            step += 2
        responses, answers, comments = [], [], []

        def rows():
            for k in range(self.registrations, size):
                index = (k * step + 7919) % pairs
                session_id, academic, starts_at, format, recorded, ended_held = self.sessions[index // MEMBERS]
                member = index % MEMBERS
                year = self.year_2025[member] and self.year_2025[member] - (2025 - academic)
                year = max(year, 1) if year is not None and rng.random() > 0.03 else None
                state = _weighted(rng, ("registered", "waitlisted", "cancelled"), (85, 7, 8))
                mode = format if format != "hybrid" else "online" if rng.random() < 0.4 else "in_person"
                queued_at = starts_at - dt.timedelta(hours=rng.randrange(1, 500))
                attendance = attended_mode = source = ""
                checked_in_at = None
                if state == "registered" and ended_held and recorded:
                    attendance = _weighted(rng, ("present", "late", "absent", "excused", ""), (70, 8, 14, 4, 4))
                    if attendance:
                        source = (
                            "import" if recorded == "import" else _weighted(rng, ("teacher", "qr", "code"), (3, 6, 1))
                        )
                    if attendance in ("present", "late"):
                        attended_mode = "" if rng.random() < 0.1 else mode
                        if source in ("qr", "code"):
                            checked_in_at = starts_at + dt.timedelta(minutes=rng.randrange(-10, 30))
                        if rng.random() < FEEDBACK_SHARE:
                            self._feedback(session_id, responses, answers, comments)
                yield (
                    session_id,
                    self.members[member],
                    mode,
                    state,
                    year,
                    queued_at,
                    None,
                    queued_at + dt.timedelta(hours=2) if state == "cancelled" else None,
                    state == "registered" and recorded != "" and rng.random() < 0.02,
                    attendance,
                    attended_mode,
                    source,
                    checked_in_at,
                )

        columns = ("session_id", "member_id", "mode", "state", "year_of_study", "queued_at", "promoted_at")
        columns += ("cancelled_at", "is_walk_in", "attendance", "attended_mode", "attendance_source", "checked_in_at")
        self.registrations += _copy("attendance_registration", columns, rows())
        self._write_feedback(responses, answers, comments)

    def _write_feedback(self, responses: list, answers: list, comments: list) -> None:
        """Responses and answers by COPY, then a few of the comments coded."""
        _copy("feedback_response", ("id", "form_id", "session_id", "survey_id", "year_band", "is_imported"), responses)
        _copy(
            "feedback_answer",
            ("id", "response_id", "question_id", "number", "option_id", "text", "is_held_back"),
            answers,
        )
        self._code(comments)

    def _feedback(self, session_id: int, responses: list, answers: list, comments: list) -> None:
        rng = self.rng
        response = uuid.uuid4()
        responses.append((response, self.session_form, session_id, None, "", False))
        for question, weights in self.session_scales:
            number = _weighted(rng, (1, 2, 3, 4, 5), weights)
            answers.append((uuid.uuid4(), response, question, number, None, "", False))
        question, options = self.session_format
        answers.append((uuid.uuid4(), response, question, None, rng.choice(options), "", False))
        for question, share in self.session_texts:
            if rng.random() < share:
                answer = uuid.uuid4()
                answers.append((answer, response, question, None, None, rng.choice(COMMENTS), rng.random() < 0.02))
                comments.append(answer)


# Measuring


def _document():
    return for_year(MEASURED, now=NOW)


def _capture() -> list[tuple[str, str, object]]:
    """(label, sql, params) of each statement one document executes, labelled by the function of
    analytics.metrics that ran it (and the innermost project function below it)."""
    captured = []
    root, here = str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve())

    def record(execute, sql, params, many, context):
        frames = [
            f
            for f in traceback.extract_stack()
            if f.filename.startswith(root) and "/.venv/" not in f.filename and f.filename != here
        ]
        outer = [f.name for f in frames if f.filename.endswith("analytics/metrics.py") and f.name != "for_year"]
        inner = frames[-1].name if frames else "?"
        label = outer[-1] if outer else "for_year"
        captured.append((label if inner in (label, "for_year") else f"{label}>{inner}", sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        _document()
    return captured


def _median_ms(run) -> float:
    run()  # warm-up
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def _raw(statements) -> None:
    with connection.connection.cursor() as cursor:
        for _label, sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()


def _explain(statements, plans: int) -> None:
    print("\nEXPLAIN (ANALYZE, BUFFERS) of each statement:")
    print(f"{'#':>2}  {'query':<34} {'exec ms':>9} {'of it JIT':>9} {'shared hit':>11} {'read':>7}  top node")
    found = []
    with connection.connection.cursor() as cursor:
        for number, (label, sql, params) in enumerate(statements, 1):
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
            (document,) = cursor.fetchone()
            plan = document[0]
            top = plan["Plan"]
            found.append((plan["Execution Time"], number, label, sql, params))
            jit = plan.get("JIT", {}).get("Timing", {}).get("Total", 0)  # compiling, when the plan is costly
            print(
                f"{number:>2}  {label[:34]:<34} {plan['Execution Time']:>9.1f} {jit:>9.1f} "
                f"{top.get('Shared Hit Blocks', 0):>11} {top.get('Shared Read Blocks', 0):>7}  {top['Node Type']}"
            )
        for ms, number, label, sql, params in sorted(found, reverse=True)[:plans]:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            print(f"\nPlan of #{number} {label} ({ms:.1f} ms):")
            print("\n".join(row[0] for row in cursor.fetchall()))


def _counts() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM attendance_registration), (SELECT count(*) FROM feedback_response), "
            "(SELECT count(*) FROM feedback_answer), (SELECT count(*) FROM events_session)"
        )
        registrations, responses, answers, sessions = cursor.fetchone()
    return f"{registrations} registrations, {sessions} sessions, {responses} responses, {answers} answers"


def measure(size_label: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    statements = _capture()
    document = _median_ms(_document)
    raw = _median_ms(lambda: _raw(statements))
    return size_label, document, raw, len(statements), statements


def _server(sql: str, params=()) -> list:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as maintenance:
        cursor = maintenance.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000,1000000", help="registrations, comma-separated, ascending")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure the kept database as it is; build nothing")
    parser.add_argument("--plans", type=int, default=2, help="print the plans of this many slowest statements")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    assert sizes == sorted(sizes), "sizes grow: give them in ascending order"
    print(f"PostgreSQL database {DATABASE}; document for {MEASURED.label} at {NOW.isoformat()}; median of {REPEATS}")
    exists = bool(_server("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]))
    if exists and not args.reuse:
        sys.exit(f"The database {DATABASE} exists (kept by --keep?): measure it with --reuse, or drop it first.")
    rows = []
    created = False
    try:
        if args.reuse:
            rows.append(measure("as kept"))
            print(_counts())
        else:
            _server(f"CREATE DATABASE {DATABASE}")
            created = True
            call_command("migrate", verbosity=0)
            world = World()
            started = time.perf_counter()
            world.build()
            for size in sizes:
                world.grow(size)
                print(f"built {_counts()} ({time.perf_counter() - started:.0f} s)")
                rows.append(measure(f"{size:,}"))
        print(f"\n{'registrations':>13} {'document ms':>12} {'raw SQL ms':>11} {'doc/raw':>8} {'queries':>8}")
        for label, document, raw, queries, _statements in rows:
            print(f"{label:>13} {document:>12.1f} {raw:>11.1f} {document / raw:>8.2f} {queries:>8}")
        _explain(rows[-1][-1], args.plans)
        (smallest, first, *_), (largest, last, last_raw, *_) = rows[0], rows[-1]
        print(
            f"summary: document over its raw SQL x{last / last_raw:.2f} at {largest} registrations; "
            f"document at {largest} over at {smallest} registrations x{last / first:.2f}"
        )
    finally:
        connection.close()
        if created and not args.keep:  # only a database this run created
            _server(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


if __name__ == "__main__":
    main()
