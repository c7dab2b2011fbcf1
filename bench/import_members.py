"""How the member import's cost grows with the file.

Imports N new members, then the same file again (all unchanged), for two sizes, and reports the
time and query counts and their ratios, measured in one run. Uses its own database: a fresh SQLite
file by default, or BENCH_DATABASE_URL (e.g. a scratch PostgreSQL database, which it empties).

    .venv/bin/python bench/import_members.py [SMALL LARGE]
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
_scratch = tempfile.mkdtemp(prefix="meded-bench-")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{_scratch}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meded.settings")
os.environ.setdefault("CELERY_FILESYSTEM_BROKER_DIR", f"{_scratch}/broker")

import django  # noqa: E402 -- the environment above must be set before Django reads settings

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from members.models import Member  # noqa: E402
from members.services import import_members  # noqa: E402


def _csv(n: int, offset: int) -> bytes:
    domain = django.conf.settings.ALLOWED_EMAIL_DOMAINS[0]
    lines = ["email,first_name,last_name,year_of_study,roles"]
    lines += [
        f"m{offset + i}@{domain},First{i},Last{i},{i % 6 + 1},{'teacher' if i % 10 == 0 else ''}" for i in range(n)
    ]
    return ("\n".join(lines) + "\n").encode()


def _measure(data: bytes):
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = import_members(data=data, filename="bench.csv")
        elapsed = time.perf_counter() - start
    return elapsed, len(queries), result


def main(small: int, large: int) -> None:
    call_command("flush", "--no-input", verbosity=0) if "BENCH_DATABASE_URL" in os.environ else None
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; sizes {small} and {large} rows")
    rows = {}
    for n, offset in ((small, 0), (large, 1_000_000)):
        data = _csv(n, offset)
        t_new, q_new, r_new = _measure(data)
        t_again, q_again, r_again = _measure(data)
        assert (r_new.created, r_again.unchanged) == (n, n)
        rows[n] = (t_new, q_new, t_again, q_again)
        print(
            f"{n:>6} rows: create {t_new:7.3f} s ({q_new} queries), "
            f"re-import unchanged {t_again:7.3f} s ({q_again} queries)"
        )
    print(f"members in database: {Member.objects.count()}")
    (ts, qs, tas, qas), (tl, ql, tal, qal) = rows[small], rows[large]
    factor = large / small
    print(
        f"summary: rows x{factor:.0f}: create time x{tl / ts:.1f}, re-import time x{tal / tas:.1f}, "
        f"create queries x{ql / qs:.1f}, re-import queries x{qal / qas:.1f}"
    )


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]] or [200, 2000]
    main(*args)
