"""The signed-in catalogue under load, as a ratio to the sign-in page on the same gunicorn, on
demo-sized data and on a large society's data.

Builds two databases of its own from one migrated template (names `<database>_demo` and
`<database>_large`, created here and dropped at the end unless `--keep`; it refuses to start if
either exists, and never drops one it did not create):
- demo: 100 members, 53 sessions, 1,000 registrations, about the size of `seed_demo`'s data;
- large: 5,030 members, 513 sessions, 52,452 registrations, three years of history.
Both have the same 40 upcoming published sessions (30 of them for year 2) with about 15
registrations each, so the page a year-2 member sees is the same 12 cards with pagination; what
differs is the history (past sessions, members, registrations). Rows are written with
bulk_create, never through the services.

Each dataset gets a gunicorn with production settings (DEBUG=0, as the Dockerfile runs it:
static files collected and served by whitenoise, the Redis cache, JSON request logs), and a real
member signs in through the sign-in form. Then, interleaved (repetition, connections, dataset,
page; the page order alternating), a Python client (threads, one http.client connection per
request) keeps C requests in flight for DURATION seconds against the anonymous sign-in page and
the signed-in catalogue (the member's first visit: their year, page 1). The machine is shared and
noisy, so it reports ratios measured side by side: catalogue/sign-in at each connection count and
the catalogue's requests/s on large data over demo data, median and spread (min–max) over the
repetitions. Targets: catalogue ≥ 0.6× sign-in at 8 and 32 connections; large within ±10 % of demo.

`--servers` compares gunicorn configurations (`sync:3` is 3 sync workers, `gthread:2x4` is 2
workers of 4 threads; `sync:3@/path` serves another checkout of MedEd, such as the code before a
change, from the same databases), each on every dataset, interleaved as well; with more than one
it also prints each configuration's requests/s over the first's.

    .venv/bin/python bench/catalogue.py [--database meded_bench_catalogue] [--port 8790]
        [--duration 12] [--repeats 3] [--connections 8,32] [--datasets demo,large]
        [--servers sync:3] [--keep]

The PostgreSQL server is BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432), the
cache's Redis is BENCH_REDIS_URL (default redis://127.0.0.1:6379/7); each gunicorn takes a port
from `--port` on.
"""

import argparse
import datetime as dt
import http.client
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402 -- importable once the project root is on the path

SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meded.settings")
os.environ.setdefault("CELERY_FILESYSTEM_BROKER_DIR", tempfile.mkdtemp(prefix="meded-bench-"))

SIZES = {
    # members, past sessions, registrations in all
    "demo": (100, 10, 1_000),
    "large": (5_030, 470, 52_452),
}
UPCOMING = 40  # published, the same in both datasets; 30 of them for year 2
UPCOMING_REGISTRATIONS = 15  # about, per upcoming session
EMAIL = "bench.student@example.ac.uk"
# The builder runs in a child process, which inherits the password through the environment.
PASSWORD = os.environ.setdefault("BENCH_MEMBER_PASSWORD", secrets.token_urlsafe(16))
TOPICS = ("Cardiology", "Respiratory", "Neurology", "Renal", "Pharmacology", "Anatomy", "Pathology", "OSCE")
PAGES = ("sign-in", "catalogue")


def _server_sql(sql: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as maintenance:
        maintenance.execute(sql)


def _exists(name: str) -> bool:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as maintenance:
        return maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _child(*args: str, database: str) -> None:
    """Run this script again as a child (Django binds one database per process)."""
    subprocess.run([sys.executable, __file__, *args], check=True, env=os.environ | {"DATABASE_URL": database})


# Building (in a child process, DATABASE_URL set)


def build(dataset: str) -> None:
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from attendance.models import Registration
    from events.models import Series, Session, SessionTargetYear
    from members.models import Member
    from teachers.models import RosterEntry

    members_wanted, past_wanted, registrations_wanted = SIZES[dataset]
    rng = random.Random(2026)  # noqa: S311 -- repeatable data, not secrets
    now = timezone.now()
    student = Member.objects.create(
        email=EMAIL, first_name="Bench", last_name="Student", year_of_study=2, password=make_password(PASSWORD)
    )
    EmailAddress.objects.create(user=student, email=EMAIL, primary=True, verified=True)
    others = Member.objects.bulk_create(
        Member(
            email=f"m{i}@example.ac.uk",
            first_name=f"Member{i}",
            last_name="Bench",
            password="!bench",  # noqa: S106 -- an unusable password
            year_of_study=i % 6 + 1,
        )
        for i in range(members_wanted - 1)
    )
    members = [student, *others]
    teachers = [m for m in others if m.year_of_study >= 4][:60]
    series = Series.objects.bulk_create(Series(title=f"{topic} revision") for topic in TOPICS)

    def session(i: int, starts_at: dt.datetime, status: str) -> Session:
        topic = i % len(TOPICS)
        format_ = ("in_person", "online", "hybrid")[i % 3]
        return Session(
            title=f"{TOPICS[topic]} session {i}",
            description=f"A near-peer session on {TOPICS[topic].lower()}.",
            topic=TOPICS[topic],
            series=series[topic] if i % 3 == 0 else None,
            format=format_,
            venue="" if format_ == "online" else "Lecture Theatre 1",
            meeting_url="" if format_ == "in_person" else "https://teams.example/meet",
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=90),
            capacity=None if format_ == "online" else 40,
            online_capacity=60 if format_ == "hybrid" else None,
            status=status,
            created_by=teachers[i % len(teachers)],
            published_at=starts_at - dt.timedelta(days=14),
        )

    tomorrow = (now + dt.timedelta(days=1)).replace(hour=18, minute=0, second=0, microsecond=0)
    upcoming = [session(i, tomorrow + dt.timedelta(days=i // 2, hours=i % 2), "published") for i in range(UPCOMING)]
    drafts = [session(UPCOMING + i, tomorrow + dt.timedelta(days=i), "draft") for i in range(3)]
    past = [
        session(100 + i, tomorrow - dt.timedelta(days=2 + i * 1095 // past_wanted), "completed")
        for i in range(past_wanted)
    ]
    sessions = Session.objects.bulk_create([*upcoming, *drafts, *past])
    SessionTargetYear.objects.bulk_create(
        SessionTargetYear(session=s, year=year)
        for n, s in enumerate(sessions)
        for year in ([2] if n < 30 else [1, 3] if n < UPCOMING else sorted(rng.sample(range(1, 7), rng.choice((1, 2)))))
    )
    RosterEntry.objects.bulk_create(
        RosterEntry(session=s, teacher=teacher, role="lead" if k == 0 else "co_teacher", year_of_study=4)
        for n, s in enumerate(sessions)
        for k, teacher in enumerate(rng.sample(teachers, n % 2 + 1))
    )

    def registration(s: Session, member: Member, *, held: bool) -> Registration:
        state = rng.choices(("registered", "waitlisted", "cancelled"), (85, 7, 8))[0]
        mode = s.format if s.format != "hybrid" else rng.choice(("online", "in_person"))
        attended = held and state == "registered"
        return Registration(
            session=s,
            member=member,
            mode=mode,
            state=state,
            year_of_study=member.year_of_study,
            queued_at=s.starts_at - dt.timedelta(days=3),
            attendance=rng.choice(("present", "present", "late", "absent")) if attended else "",
            attended_mode=mode if attended else "",
            attendance_source="teacher" if attended else "",
        )

    rows = []
    # The viewer holds no place, so their page is the same on both datasets.
    attendees = members[1:]
    for s in upcoming:
        rows += [registration(s, m, held=False) for m in rng.sample(attendees, UPCOMING_REGISTRATIONS)]
    history = registrations_wanted - len(rows)
    per_session, extra = divmod(history, len(past))
    for n, s in enumerate(past):
        rows += [registration(s, m, held=True) for m in rng.sample(attendees, per_session + (n < extra))]
    Registration.objects.bulk_create(rows, batch_size=5_000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(
        f"  {dataset}: {Member.objects.count():,} members, {Session.objects.count():,} sessions, "
        f"{Registration.objects.count():,} registrations"
    )


# Serving and loading (in the parent process)


class Server:
    def __init__(self, *, config: str, dataset: str, database: str, port: int, static_root: str, log_dir: str):
        self.config, self.dataset, self.port = config, dataset, port
        config, _, root = config.partition("@")
        command = [sys.executable, "-m", "gunicorn", "meded.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        command += harness.worker_options(config)
        env = os.environ | {
            "DATABASE_URL": database,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "USE_X_FORWARDED_PROTO": "1",
            "ALLOWED_EMAIL_DOMAINS": "example.ac.uk",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "STATIC_ROOT": static_root,
            "REDIS_URL": REDIS_URL,
            "CELERY_BROKER_URL": REDIS_URL,
        }
        self.log = open(Path(log_dir) / f"gunicorn-{dataset}-{port}.log", "w")
        self.process = subprocess.Popen(command, cwd=root or ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body: dict | None = None, cookies: dict | None = None):
        headers = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https", "Connection": "close"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://127.0.0.1:{self.port}",
                "Referer": f"https://127.0.0.1:{self.port}{path}",
            }
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            return response.status, response.read(), response
        finally:
            connection.close()

    def wait(self) -> None:
        for _ in range(150):
            try:
                if self.request("GET", "/accounts/login/")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise SystemExit(f"gunicorn for {self.dataset} ({self.config}) did not start; see {self.log.name}")

    def sign_in(self) -> None:
        """A real sign-in through the form, as a member's browser does it."""
        jar: dict[str, str] = {}

        def keep(response) -> None:
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    jar[name] = morsel.value

        status, page, response = self.request("GET", "/accounts/login/")
        keep(response)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, _, response = self.request(
            "POST",
            "/accounts/login/",
            body={"csrfmiddlewaretoken": token, "login": EMAIL, "password": PASSWORD},
            cookies=jar,
        )
        keep(response)
        assert status == 302, f"sign-in answered {status}"
        self.cookies = jar
        status, page, _ = self.request("GET", "/sessions/", cookies=jar)
        assert status == 200, f"catalogue answered {status}"
        cards = page.count(b'class="card h-100 session-card"')
        assert cards == 12 and b"30 sessions found." in page, f"the catalogue shows {cards} cards"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def load(server: Server, page: str, connections: int, duration: float) -> float:
    """Requests per second answered 200 with `connections` requests in flight for `duration`."""
    path, cookies = ("/accounts/login/", None) if page == "sign-in" else ("/sessions/", server.cookies)
    done, failed = [0] * connections, [0] * connections
    deadline = time.perf_counter() + duration

    def run(k: int) -> None:
        while time.perf_counter() < deadline:
            try:
                status = server.request("GET", path, cookies=cookies)[0]
            except OSError:
                status = None
            if status == 200:
                done[k] += 1
            else:
                failed[k] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(k,)) for k in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if sum(failed):
        raise SystemExit(f"{sum(failed)} of {sum(done) + sum(failed)} {page} requests failed on {server.dataset}")
    return sum(done) / elapsed


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="meded_bench_catalogue", help="prefix of the databases it creates")
    parser.add_argument("--port", type=int, default=8790, help="first port; one per server")
    parser.add_argument("--duration", type=float, default=12, help="seconds per measurement")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--connections", default="8,32")
    parser.add_argument("--datasets", default="demo,large")
    parser.add_argument("--servers", default="sync:3", help="gunicorn configurations, e.g. sync:3,gthread:2x4")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--build", help=argparse.SUPPRESS)  # the child process that builds one dataset
    args = parser.parse_args()
    if args.build:
        build(args.build)
        return

    datasets = args.datasets.split(",")
    configs = args.servers.split(",")
    connection_counts = [int(c) for c in args.connections.split(",")]
    template = f"{args.database}_template"
    names = {dataset: f"{args.database}_{dataset}" for dataset in datasets}
    for name in [template, *names.values()]:
        if _exists(name):
            raise SystemExit(f"database {name} exists; this script only uses databases it creates")
    created: list[str] = []
    servers: list[Server] = []
    work = tempfile.mkdtemp(prefix="meded-bench-catalogue-")
    try:
        started = time.perf_counter()
        _server_sql(f"CREATE DATABASE {template}")
        created.append(template)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            check=True,
            env=os.environ | {"DATABASE_URL": f"{SERVER}/{template}"},
        )
        static_root = str(Path(work) / "static")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=ROOT,
            check=True,
            env=os.environ | {"DEBUG": "0", "SECRET_KEY": "build-only", "STATIC_ROOT": static_root},
        )
        print("building:")
        for dataset, name in names.items():
            _server_sql(f"CREATE DATABASE {name} TEMPLATE {template}")
            created.append(name)
            _child("--build", dataset, database=f"{SERVER}/{name}")
        print(f"  built in {time.perf_counter() - started:.0f} s")

        port = args.port
        for config in configs:
            for dataset, name in names.items():
                servers.append(
                    Server(
                        config=config,
                        dataset=dataset,
                        database=f"{SERVER}/{name}",
                        port=port,
                        static_root=static_root,
                        log_dir=work,
                    )
                )
                port += 1
        for server in servers:
            server.wait()
            server.sign_in()
            for page in PAGES:  # warm-up: templates compiled, connections open
                load(server, page, 4, 2)

        # rps[(config, dataset, connections, page)] = one value per repetition
        rps: dict[tuple, list[float]] = {}
        print(f"\nrequests/s, {args.duration:g} s each, interleaved:")
        for repeat in range(args.repeats):
            for connections in connection_counts:
                for server in servers:
                    for page in PAGES if repeat % 2 == 0 else PAGES[::-1]:
                        value = load(server, page, connections, args.duration)
                        rps.setdefault((server.config, server.dataset, connections, page), []).append(value)
                        print(
                            f"  run {repeat + 1} {server.config:<12} {server.dataset:<6} {connections:>3} conn "
                            f"{page:<9} {value:7.1f}",
                            flush=True,
                        )

        summary = []
        print("\ncatalogue/sign-in, median (min–max):")
        for config in configs:
            for dataset in datasets:
                for connections in connection_counts:
                    ratios = [
                        c / s
                        for c, s in zip(
                            rps[(config, dataset, connections, "catalogue")],
                            rps[(config, dataset, connections, "sign-in")],
                            strict=True,
                        )
                    ]
                    catalogue = statistics.median(rps[(config, dataset, connections, "catalogue")])
                    print(
                        f"  {config:<12} {dataset:<6} {connections:>3} conn  {_spread(ratios)}  "
                        f"(catalogue {catalogue:.0f}/s)"
                    )
                    label = f"{config} " if len(configs) > 1 else ""
                    summary.append(f"{label}{dataset}@{connections} {_spread(ratios)}")
        if "demo" in datasets and "large" in datasets:
            print("\ncatalogue large/demo, median (min–max): requests/s; and catalogue/sign-in large over demo")
            for config in configs:
                for connections in connection_counts:
                    large = rps[(config, "large", connections, "catalogue")]
                    demo = rps[(config, "demo", connections, "catalogue")]
                    raw = [a / b for a, b in zip(large, demo, strict=True)]
                    normalised = [
                        (a / sa) / (b / sb)
                        for a, sa, b, sb in zip(
                            large,
                            rps[(config, "large", connections, "sign-in")],
                            demo,
                            rps[(config, "demo", connections, "sign-in")],
                            strict=True,
                        )
                    ]
                    print(f"  {config:<12} {connections:>3} conn  {_spread(raw)}; {_spread(normalised)}")
                    label = f"{config} " if len(configs) > 1 else ""
                    summary.append(f"{label}large/demo@{connections} {_spread(raw)}")
        if len(configs) > 1:
            print(f"\nrequests/s over {configs[0]}'s, median (min–max):")
            for config in configs[1:]:
                for dataset in datasets:
                    for connections in connection_counts:
                        for page in PAGES:
                            ratios = [
                                a / b
                                for a, b in zip(
                                    rps[(config, dataset, connections, page)],
                                    rps[(configs[0], dataset, connections, page)],
                                    strict=True,
                                )
                            ]
                            print(f"  {config:<12} {dataset:<6} {connections:>3} conn {page:<9} {_spread(ratios)}")
                            summary.append(f"{config}/{configs[0]} {page}@{dataset}@{connections} {_spread(ratios)}")
        print(f"\nsummary ({', '.join(configs)}; {args.repeats} runs): catalogue/sign-in " + ", ".join(summary))
    finally:
        for server in servers:
            server.stop()
        if not args.keep:
            for name in created:
                _server_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
