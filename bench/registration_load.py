"""Registration under load, end to end over loopback: gunicorn, the real views, PostgreSQL.

N members with signed-in sessions POST "register" for one session with P places, C at a time.
Reports requests per second, errors, and checks there is no overbooking: exactly P registered,
the rest waitlisted, one registration per member. Bounded: N requests, one run, loopback only.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/meded_bench \\
        .venv/bin/python bench/registration_load.py [MEMBERS PLACES CONCURRENCY]
"""

import datetime as dt
import os
import secrets
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/meded_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meded.settings")
os.environ.setdefault("CELERY_FILESYSTEM_BROKER_DIR", tempfile.mkdtemp(prefix="meded-bench-"))
os.environ["ACCOUNT_RATE_LIMITS_DISABLED"] = "1"

import django  # noqa: E402 -- the environment above must be set first

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from attendance.models import Registration  # noqa: E402
from events.services import approve_session  # noqa: E402
from members.models import Member  # noqa: E402
from teachers.services import propose_session  # noqa: E402

PORT = 8799


def _signed_in_cookie(member: Member) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(member.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = member.get_session_auth_hash()
    store.create()
    return store.session_key


def main(members: int, places: int, concurrency: int) -> None:
    call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", verbosity=0)
    teacher = Member.objects.create_user("lead@example.ac.uk", "x", first_name="Lead", year_of_study=5)
    start = timezone.now() + dt.timedelta(days=1)
    session = propose_session(
        teacher=teacher,
        submit=True,
        title="Load",
        format="in_person",
        venue="LT1",
        capacity=places,
        target_years=[2],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    approve_session(session=session, by=teacher)
    people = [
        Member.objects.create_user(f"m{n}@example.ac.uk", None, first_name="M", year_of_study=2) for n in range(members)
    ]
    cookies = [_signed_in_cookie(member) for member in people]

    env = os.environ | {"DEBUG": "1", "ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "meded.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "4",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{PORT}/sessions/{session.pk}/register/"
    try:
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{PORT}/accounts/login/", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.2)

        def post(cookie: str) -> int:
            csrf = secrets.token_hex(16)
            response = requests.post(
                url,
                data={"csrfmiddlewaretoken": csrf},
                timeout=30,
                allow_redirects=False,
                cookies={settings.SESSION_COOKIE_NAME: cookie, settings.CSRF_COOKIE_NAME: csrf},
            )
            return response.status_code

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            statuses = list(pool.map(post, cookies))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=20)

    errors = sum(status != 302 for status in statuses)
    states = list(Registration.objects.filter(session=session).values_list("state", flat=True))
    registered, waitlisted = states.count("registered"), states.count("waitlisted")
    print(f"{members} registrations for {places} places, {concurrency} at a time, through gunicorn (4x4):")
    print(f"  {members / elapsed:.0f} requests/s, {elapsed:.2f} s in all, {errors} errors")
    print(
        f"  {registered} registered, {waitlisted} waitlisted, "
        f"{len(set(Registration.objects.filter(session=session).values_list('member', flat=True)))} members"
    )
    assert errors == 0, statuses
    assert registered == places and waitlisted == members - places, "overbooked or lost registrations"
    print("  no overbooking")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]] or [400, 100, 32]
    main(*args)
