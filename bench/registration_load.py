"""Registration under load, end to end: gunicorn, the real views, PostgreSQL.

MEMBERS members, each signed in for real (the sign-in page and its form: a separate phase, timed
and reported on its own), press "Register", CONCURRENCY at a time, in two runs:
  contended: all of them for ONE session with PLACES places (they queue on its row lock);
  uncontended: each for a session of their own (no one waits for anyone).
The two alternate over --repeats, each run on sessions of its own, so a noisy neighbour on a
shared machine weighs on both; the last line gives the ratio of their rates, median and range.

A registration counts as done only when the page it returns to says so (the message that follows
the redirect: a place, or a place on the waiting list); a refusal ("Registration is closed" …)
redirects too, and counts as an error, as does any other status. After each run the database must
hold exactly PLACES registered and the rest waitlisted (contended) or every member registered
(uncontended): no overbooking, no lost registration.

Against gunicorn as the Dockerfile runs it (its CMD's worker options), or, with --servers, against
each worker configuration given (`sync:3`, `gthread:2x4`), each on its own port from --port on and
interleaved with the others, with production settings (DEBUG off, behind a pretend TLS proxy,
sign-in rate limits on), on a database the script creates and drops (an existing database of that
name is refused, never flushed).

    .venv/bin/python bench/registration_load.py --port 8812 --database meded_bench_registration \\
        [--members 400 --places 100 --concurrency 32 --repeats 3] [--servers sync:3,gthread:2x4]

REDIS_URL, when set, is the cache (as in production); otherwise each worker has its own.
"""

import argparse
import contextlib
import datetime as dt
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    harness.add_arguments(parser)
    parser.add_argument("--members", type=int, default=400, help="members registering in each run")
    parser.add_argument("--places", type=int, default=100, help="places of the contended session")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight at once")
    parser.add_argument(
        "--servers",
        help="gunicorn worker configurations to compare, e.g. sync:3,gthread:2x4, each on its own port from "
        "--port on (default: the Dockerfile's)",
    )
    arguments = parser.parse_args()
    if not 0 < arguments.places < arguments.members:
        parser.error("--places must be fewer than --members, so the contended session fills up")
    return arguments


ARGS = _arguments()  # first, so --help and a mistyped option start nothing
harness.configure(server=ARGS.server, database=ARGS.database, port=ARGS.port)

import django  # noqa: E402 -- the environment above must be set first

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.messages import constants  # noqa: E402
from django.contrib.messages.storage.cookie import CookieStorage  # noqa: E402
from django.http import HttpRequest  # noqa: E402
from django.utils import timezone  # noqa: E402

from attendance.enums import RegistrationState  # noqa: E402
from attendance.models import Registration  # noqa: E402
from events.services import approve_session  # noqa: E402
from members.models import Member  # noqa: E402
from teachers.services import propose_session  # noqa: E402

PASSWORD = "load-" + os.urandom(9).hex()
MESSAGES = CookieStorage(HttpRequest())  # reads the messages cookie, signed with the run's SECRET_KEY


def _session(teacher: Member, title: str, places: int):
    start = timezone.now() + dt.timedelta(days=1)
    session = propose_session(
        teacher=teacher,
        submit=True,
        title=title,
        format="in_person",
        venue="LT1",
        capacity=places,
        target_years=[2],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    return approve_session(session=session, by=teacher)


def _seed(members: int) -> tuple[Member, list[Member]]:
    teacher = Member.objects.create_user("lead@example.ac.uk", PASSWORD, first_name="Lead", year_of_study=5)
    password = make_password(PASSWORD)  # one hash for all: signing in still checks it in full
    people = Member.objects.bulk_create(
        Member(email=f"m{n}@example.ac.uk", password=password, first_name="M", year_of_study=2) for n in range(members)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=m, email=m.email, verified=True, primary=True) for m in [teacher, *people]
    )
    return teacher, people


def _outcome(browser: harness.Browser, response) -> str:
    """ "placed" or "waitlisted" from the message the redirect carries; anything else fails."""
    messages = MESSAGES._decode(browser.cookies.pop("messages", "")) or []
    levels = {message.level for message in messages}
    if response.headers.get("Location") != response.request.path_url.removesuffix("register/"):
        raise harness.Failed(f"redirected to {response.headers.get('Location')}")
    if levels == {constants.SUCCESS}:
        return "placed"
    if levels == {constants.INFO}:
        return "waitlisted"
    raise harness.Failed(f"refused: {' / '.join(str(m) for m in messages) or 'no message'}")


def main() -> None:
    configs = ARGS.servers.split(",") if ARGS.servers else [None]
    names = [config or "image (" + " ".join(harness.image_worker_options()) + ")" for config in configs]
    with harness.own_database(keep=ARGS.keep), contextlib.ExitStack() as stack:
        teacher, people = _seed(ARGS.members)
        bases = [stack.enter_context(harness.gunicorn(config, port=ARGS.port + n)) for n, config in enumerate(configs)]

        def sign_in(n: int) -> dict:
            browser = harness.Browser(bases[0])
            browser.sign_in(email=people[n].email, password=PASSWORD, remember=False)
            # "Successfully signed in" would be shown on the next page; it is not a registration's.
            browser.cookies.pop("messages", None)
            return browser.cookies

        # Sessions are in the database and cookies do not name a port: one sign-in serves every server.
        sign_in_time, jars = harness.timed(sign_in, ARGS.members, ARGS.concurrency)
        failed = [jar for jar in jars if isinstance(jar, Exception)]
        print(
            f"sign-in phase ({names[0]}): {ARGS.members} real sign-ins, {ARGS.concurrency} at a time: "
            f"{sign_in_time:.1f} s, {ARGS.members / sign_in_time:.1f}/s, {len(failed)} errors"
        )
        if failed:
            sys.exit(f"sign-ins failed: {failed[0]}")

        def run(base: str, sessions: list) -> tuple[float, list]:
            def register(n: int) -> str:
                browser = harness.Browser(base, jars[n])
                # The form's token is the one the sign-in left in the CSRF cookie.
                form = {"csrfmiddlewaretoken": browser.cookies[settings.CSRF_COOKIE_NAME], "mode": "in_person"}
                response = browser.request("POST", f"/sessions/{sessions[n].pk}/register/", form, expect=302)
                return _outcome(browser, response)

            return harness.timed(register, ARGS.members, ARGS.concurrency)

        kinds = ["contended", "uncontended"]
        rates: dict[tuple[str, str], list[float]] = {(name, kind): [] for name in names for kind in kinds}
        print(f"{ARGS.members} registrations per run, {ARGS.concurrency} at a time; gunicorn, DEBUG off")
        for repeat in range(ARGS.repeats):
            servers = list(zip(names, bases, strict=True))
            for name, base in servers if repeat % 2 == 0 else reversed(servers):
                for kind in kinds if repeat % 2 == 0 else reversed(kinds):
                    if kind == "contended":
                        one = _session(teacher, f"Contended {repeat} {name}", ARGS.places)
                        sessions = [one] * ARGS.members
                        expected = {"placed": ARGS.places, "waitlisted": ARGS.members - ARGS.places}
                    else:
                        sessions = [_session(teacher, f"Own {repeat}.{n} {name}", 1) for n in range(ARGS.members)]
                        expected = {"placed": ARGS.members, "waitlisted": 0}
                    elapsed, outcomes = run(base, sessions)
                    errors = [o for o in outcomes if o not in ("placed", "waitlisted")]
                    stored = Registration.objects.filter(session__in={s.pk for s in sessions})
                    held = {
                        "placed": stored.filter(state=RegistrationState.REGISTERED).count(),
                        "waitlisted": stored.filter(state=RegistrationState.WAITLISTED).count(),
                    }
                    answered = {k: outcomes.count(k) for k in expected}
                    rates[name, kind].append(ARGS.members / elapsed)
                    print(
                        f"  run {repeat + 1} {name} {kind:>11}: {ARGS.members / elapsed:6.1f} registrations/s, "
                        f"{elapsed:5.2f} s, {len(errors)} errors; answered {answered}, stored {held}"
                    )
                    if errors:
                        sys.exit(f"{kind}: {len(errors)} errors, first: {errors[0]}")
                    if held != expected or answered != expected:
                        sys.exit(f"{kind}: expected {expected}: overbooked or lost registrations")
    summary = []
    for name in names:
        ratios = [c / u for c, u in zip(rates[name, "contended"], rates[name, "uncontended"], strict=True)]
        summary.append(
            f"{name}: contended/uncontended {harness.spread(ratios)}x, contended "
            f"{harness.spread(rates[name, 'contended'])}/s, uncontended {harness.spread(rates[name, 'uncontended'])}/s"
        )
    for name in names[1:]:
        for kind in kinds:
            over = [a / b for a, b in zip(rates[name, kind], rates[names[0], kind], strict=True)]
            summary.append(f"{name}/{names[0]} {kind} {harness.spread(over)}x")
    print(
        f"registration_load ({ARGS.repeats} interleaved runs, {ARGS.members} members, {ARGS.places} places, "
        f"{ARGS.concurrency} at a time; median (range)): " + "; ".join(summary)
    )


if __name__ == "__main__":
    main()
