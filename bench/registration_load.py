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

Against gunicorn as the Dockerfile runs it (three sync workers) with production settings (DEBUG
off, behind a pretend TLS proxy, sign-in rate limits on), on a database the script creates and
drops (an existing database of that name is refused, never flushed).

    .venv/bin/python bench/registration_load.py --port 8812 --database meded_bench_registration \\
        [--members 400 --places 100 --concurrency 32 --repeats 3]

REDIS_URL, when set, is the cache (as in production); otherwise each worker has its own.
"""

import argparse
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
    with harness.own_database(keep=ARGS.keep):
        teacher, people = _seed(ARGS.members)
        with harness.gunicorn() as base:

            def sign_in(n: int) -> dict:
                browser = harness.Browser(base)
                browser.sign_in(email=people[n].email, password=PASSWORD, remember=False)
                # "Successfully signed in" would be shown on the next page; it is not a registration's.
                browser.cookies.pop("messages", None)
                return browser.cookies

            sign_in_time, jars = harness.timed(sign_in, ARGS.members, ARGS.concurrency)
            failed = [jar for jar in jars if isinstance(jar, Exception)]
            print(
                f"sign-in phase: {ARGS.members} real sign-ins, {ARGS.concurrency} at a time: {sign_in_time:.1f} s, "
                f"{ARGS.members / sign_in_time:.1f}/s, {len(failed)} errors"
            )
            if failed:
                sys.exit(f"sign-ins failed: {failed[0]}")

            def run(sessions: list) -> tuple[float, list]:
                def register(n: int) -> str:
                    browser = harness.Browser(base, jars[n])
                    # The form's token is the one the sign-in left in the CSRF cookie.
                    form = {"csrfmiddlewaretoken": browser.cookies[settings.CSRF_COOKIE_NAME], "mode": "in_person"}
                    response = browser.request("POST", f"/sessions/{sessions[n].pk}/register/", form, expect=302)
                    return _outcome(browser, response)

                return harness.timed(register, ARGS.members, ARGS.concurrency)

            rates: dict[str, list[float]] = {"contended": [], "uncontended": []}
            print(
                f"{ARGS.members} registrations per run, {ARGS.concurrency} at a time; "
                "gunicorn, 3 sync workers, DEBUG off"
            )
            for repeat in range(ARGS.repeats):
                order = list(rates) if repeat % 2 == 0 else list(reversed(rates))
                for kind in order:
                    if kind == "contended":
                        one = _session(teacher, f"Contended {repeat}", ARGS.places)
                        sessions = [one] * ARGS.members
                        expected = {"placed": ARGS.places, "waitlisted": ARGS.members - ARGS.places}
                    else:
                        sessions = [_session(teacher, f"Own {repeat}.{n}", 1) for n in range(ARGS.members)]
                        expected = {"placed": ARGS.members, "waitlisted": 0}
                    elapsed, outcomes = run(sessions)
                    errors = [o for o in outcomes if o not in ("placed", "waitlisted")]
                    stored = Registration.objects.filter(session__in={s.pk for s in sessions})
                    held = {
                        "placed": stored.filter(state=RegistrationState.REGISTERED).count(),
                        "waitlisted": stored.filter(state=RegistrationState.WAITLISTED).count(),
                    }
                    answered = {k: outcomes.count(k) for k in expected}
                    rates[kind].append(ARGS.members / elapsed)
                    print(
                        f"  run {repeat + 1} {kind:>11}: {ARGS.members / elapsed:6.1f} registrations/s, "
                        f"{elapsed:5.2f} s, {len(errors)} errors; answered {answered}, stored {held}"
                    )
                    if errors:
                        sys.exit(f"{kind}: {len(errors)} errors, first: {errors[0]}")
                    if held != expected or answered != expected:
                        sys.exit(f"{kind}: expected {expected}: overbooked or lost registrations")
    ratios = [c / u for c, u in zip(rates["contended"], rates["uncontended"], strict=True)]
    print(
        f"registration_load: contended/uncontended rate {harness.spread(ratios)}x over {ARGS.repeats} interleaved "
        f"runs; contended {harness.spread(rates['contended'])}/s, uncontended {harness.spread(rates['uncontended'])}/s "
        f"({ARGS.members} members, {ARGS.places} places, {ARGS.concurrency} at a time; median (range))"
    )


if __name__ == "__main__":
    main()
