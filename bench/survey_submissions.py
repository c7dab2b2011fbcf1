"""Whether a survey submission's cost grows with the responses already in, and what the release
at its close costs.

Each submission locks the survey, seals the answers as one pending response and writes the
member's receipt (see `feedback.anonymity`); nothing is rewritten, so the cost should not grow.
This fills one survey with N − 50 answers, then submits its last 50 interleaved with the first 50
to a fresh survey (so both see the same load on a shared machine) and reports their mean time and
query count and the ratios, measured in one run; then closes the large survey and times the
release that opens every envelope and writes the responses in one random order. On PostgreSQL it
also weighs the receipts table (and the sealed responses') after the answers and after the release
against the same table rewritten by VACUUM FULL, i.e. how much dead space the writes left.
Its last line is the summary: the ratios.
Uses its own database: a fresh SQLite file by default, or BENCH_DATABASE_URL (a scratch
PostgreSQL database, which it empties).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/meded_bench .venv/bin/python bench/survey_submissions.py [N]
"""

import datetime as dt
import os
import sys
import tempfile
import time
from importlib import import_module
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
_scratch = tempfile.mkdtemp(prefix="meded-bench-")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{_scratch}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meded.settings")
os.environ.setdefault("CELERY_FILESYSTEM_BROKER_DIR", f"{_scratch}/broker")

import django  # noqa: E402 -- the environment above must be set before Django reads settings

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from feedback.enums import QuestionKind  # noqa: E402
from feedback.models import Form, PendingResponse, Receipt, Response  # noqa: E402
from feedback.services import create_survey, release_survey, submit_response  # noqa: E402
from members.models import Member  # noqa: E402

WINDOW = 50
TABLES = ("feedback_receipt", "feedback_pendingresponse")


def _bloat() -> dict[str, tuple[int, int]]:
    """Each table's size (with its indexes and TOAST) as it is, then after VACUUM FULL: (bytes, bytes)."""
    sizes = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            before = cursor.fetchone()[0]
            cursor.execute(f"VACUUM FULL {connection.ops.quote_name(table)}")
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            sizes[table] = (before, cursor.fetchone()[0])
    return sizes


def _show(moment: str, sizes: dict[str, tuple[int, int]]) -> None:
    for table, (size, vacuumed) in sizes.items():
        print(f"{moment}: {table} {size / 1024:,.0f} kB, {vacuumed / 1024:,.0f} kB vacuumed (x{size / vacuumed:.2f})")


def _answers(form: Form) -> dict:
    answers = {}
    for question in form.questions.prefetch_related("options"):
        if question.is_for_teachers_only:
            continue
        if question.kind in (QuestionKind.LIKERT, QuestionKind.RATING):
            answers[question.pk] = 4
        elif question.kind == QuestionKind.SINGLE:
            answers[question.pk] = question.options.all()[0].pk
        elif question.kind == QuestionKind.MULTIPLE:
            answers[question.pk] = [question.options.all()[0].pk]
        else:
            answers[question.pk] = "It made me feel part of a community."
    return answers


def main(n: int) -> None:
    call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", verbosity=0)
    # A reused database was emptied by the flush, data migrations' rows included.
    import_module("feedback.migrations.0002_default_forms").create_forms(apps, None)
    members = Member.objects.bulk_create(
        Member(email=f"s{i}@example.ac.uk", first_name="S", year_of_study=i % 6 + 1) for i in range(n + WINDOW)
    )
    form = Form.objects.get(family="society-survey", is_current=True)
    now = timezone.now()

    def survey(title):
        opens, closes = now - dt.timedelta(days=1), now + dt.timedelta(days=1)
        return create_survey(form=form, title=title, opens_at=opens, closes_at=closes, by=None)

    large, fresh = survey("Large"), survey("Fresh")
    answers = _answers(form)
    # The large survey's first n − WINDOW answers, untimed.
    for member in members[: n - WINDOW]:
        submit_response(member=member, survey=large, answers=answers)
    executed = [0]

    def count(execute, *args):
        executed[0] += 1
        return execute(*args)

    # Then its last WINDOW answers (the (n − WINDOW + 1)-th to the n-th) interleaved with the first
    # WINDOW answers to a fresh survey, so both see the same load on a shared machine.
    timings, queries = {large: [], fresh: []}, {large: [], fresh: []}
    pairs = zip(members[n - WINDOW : n], members[n:], strict=True)
    with connection.execute_wrapper(count):
        for late, early in pairs:
            for member, target in ((late, large), (early, fresh)):
                before, started = executed[0], time.perf_counter()
                submit_response(member=member, survey=target, answers=answers)
                timings[target].append(time.perf_counter() - started)
                queries[target].append(executed[0] - before)
    assert Receipt.objects.filter(survey=large).count() == n == PendingResponse.objects.filter(survey=large).count()
    postgresql = connection.vendor == "postgresql"
    after_answers = _bloat() if postgresql else {}
    started = time.perf_counter()
    released = release_survey(large, now=large.closes_at)
    release = time.perf_counter() - started
    assert released == n == Response.objects.filter(survey=large).count()
    after_release = _bloat() if postgresql else {}

    def mean(values):
        return sum(values) / len(values)

    first, last = mean(timings[fresh]), mean(timings[large])
    q_first, q_last = mean(queries[fresh]), mean(queries[large])
    print(f"{connection.vendor}: answers to a fresh survey and to one already holding {n - WINDOW}, interleaved")
    print(f"first {WINDOW} to the fresh survey: {first * 1000:.1f} ms, {q_first:.1f} queries each")
    print(f"answers {n - WINDOW + 1:,} to {n:,} to the large survey: {last * 1000:.1f} ms, {q_last:.1f} queries each")
    print(f"ratio large/fresh: time x{last / first:.2f}, queries x{q_last / q_first:.2f}")
    print(f"release at the close: {n} responses in {release * 1000:.0f} ms ({release / n * 1000:.2f} ms each)")
    summary = f"summary: answer {n:,} over answer 1-{WINDOW}: time x{last / first:.2f}, queries x{q_last / q_first:.2f}"
    if postgresql:
        _show("after the answers", after_answers)
        _show("after the release", after_release)
        receipts = [sizes["feedback_receipt"] for sizes in (after_answers, after_release)]
        summary += (
            "; feedback_receipt over its vacuumed size: x{:.2f} after the answers, x{:.2f} after the release".format(
                *(size / vacuumed for size, vacuumed in receipts)
            )
        )
    else:
        print("table sizes: measured on PostgreSQL only (BENCH_DATABASE_URL)")
    print(summary)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
