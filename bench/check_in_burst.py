"""Check-in at the start of a lecture: PHONES phones open the QR code's link at once.

Signed in: each phone is already signed in (kept signed in from an earlier lecture), so the link
is one request. Signed out: each phone is sent to the sign-in page, signs in with its password
("Keep me signed in" ticked, as it is on that path), and comes back to the link: four requests,
one of them a full password hash. The sign-ins of the signed-in phones happen in a separate,
unmeasured phase before the runs.

Against gunicorn as the Dockerfile runs it (its worker options, read from its CMD) with production settings (DEBUG
off, behind a pretend TLS proxy), on a database the script creates and drops. The two kinds of
run alternate (ABBA…) over --repeats, each on a lecture of its own, so a noisy neighbour on a
shared machine weighs on both; the last line gives the ratio signed-out / signed-in time, median
and range. Every phone must end on "You are checked in." and every lecture with PHONES present.

    .venv/bin/python bench/check_in_burst.py --port 8811 --database meded_bench_check_in [--phones 200]

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
    parser.add_argument("--phones", type=int, default=200, help="phones checking in to one lecture")
    parser.add_argument("--concurrency", type=int, default=32, help="phones in flight at once")
    return parser.parse_args()


ARGS = _arguments()  # first, so --help and a mistyped option start nothing
harness.configure(server=ARGS.server, database=ARGS.database, port=ARGS.port)

import django  # noqa: E402 -- the environment above must be set first

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.utils import timezone  # noqa: E402

from attendance import checkin  # noqa: E402
from attendance.enums import Mode, RegistrationState  # noqa: E402
from attendance.models import Registration  # noqa: E402
from events.services import approve_session  # noqa: E402
from members.models import Member  # noqa: E402
from teachers.services import propose_session  # noqa: E402

PASSWORD = "burst-" + os.urandom(9).hex()
CHECKED_IN = "You are checked in"


def _lecture(teacher: Member, title: str, members: list[Member]):
    start = timezone.now() - dt.timedelta(minutes=2)
    session = propose_session(
        teacher=teacher,
        submit=True,
        title=title,
        format="in_person",
        venue="LT1",
        capacity=len(members),
        target_years=[2],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )
    session = approve_session(session=session, by=teacher)
    Registration.objects.bulk_create(
        Registration(
            session=session, member=m, mode=Mode.IN_PERSON, state=RegistrationState.REGISTERED, year_of_study=2
        )
        for m in members
    )
    return session


def _seed(phones: int) -> tuple[Member, list[Member]]:
    teacher = Member.objects.create_user("lead@example.ac.uk", PASSWORD, first_name="Lead", year_of_study=5)
    password = make_password(PASSWORD)  # one hash for all: signing in still checks it in full
    members = Member.objects.bulk_create(
        Member(email=f"phone{n}@example.ac.uk", password=password, first_name="Phone", year_of_study=2)
        for n in range(phones)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=m, email=m.email, verified=True, primary=True) for m in [teacher, *members]
    )
    return teacher, members


def _link(session) -> str:
    return f"/check-in/{session.pk}/{checkin.token_for(session.pk)}/"


def _checked_in(page) -> bool:
    return CHECKED_IN in page.text


def main() -> None:
    with harness.own_database(keep=ARGS.keep):
        teacher, members = _seed(ARGS.phones)
        with harness.gunicorn() as base:
            # Unmeasured: the signed-in phones signed in at an earlier lecture, kept signed in.
            def sign_in(n: int) -> dict:
                browser = harness.Browser(base)
                browser.sign_in(email=members[n].email, password=PASSWORD)
                return browser.cookies

            _, jars = harness.timed(sign_in, ARGS.phones, ARGS.concurrency)
            failed = [jar for jar in jars if isinstance(jar, Exception)]
            if failed:
                sys.exit(f"the unmeasured sign-ins failed: {failed[0]}")

            def signed_in(session):
                def phone(n: int) -> bool:
                    page = harness.Browser(base, jars[n]).request("GET", _link(session), expect=200)
                    return _checked_in(page)

                return phone

            def signed_out(session):
                def phone(n: int) -> bool:
                    browser = harness.Browser(base)
                    link = _link(session)
                    away = browser.request("GET", link, expect=302)
                    if away.headers["Location"] != f"/accounts/login/?next={link}":
                        raise harness.Failed(f"GET {link}: sent to {away.headers['Location']}")
                    browser.sign_in(email=members[n].email, password=PASSWORD, onward=link)
                    return _checked_in(browser.request("GET", link, expect=200))

                return phone

            kinds = {"signed in": signed_in, "signed out": signed_out}
            times: dict[str, list[float]] = {kind: [] for kind in kinds}
            print(f"{ARGS.phones} phones, {ARGS.concurrency} at a time; gunicorn, 3 sync workers, DEBUG off")
            for repeat in range(ARGS.repeats):
                order = list(kinds) if repeat % 2 == 0 else list(reversed(kinds))
                for kind in order:
                    session = _lecture(teacher, f"Lecture {repeat} {kind}", members)
                    elapsed, outcomes = harness.timed(kinds[kind](session), ARGS.phones, ARGS.concurrency)
                    errors = [o for o in outcomes if o is not True]
                    present = Registration.objects.filter(session=session, checked_in_at__isnull=False).count()
                    times[kind].append(elapsed)
                    print(
                        f"  run {repeat + 1} {kind:>10}: {elapsed:6.2f} s, {1000 * elapsed / ARGS.phones:6.1f} ms "
                        f"per check-in, {len(errors)} errors, {present} checked in"
                    )
                    if errors or present != ARGS.phones:
                        sys.exit(f"{kind}: {len(errors)} phones not checked in, first: {errors[:1]}")
    ratios = [out / inside for out, inside in zip(times["signed out"], times["signed in"], strict=True)]
    per_in = [1000 * t / ARGS.phones for t in times["signed in"]]
    per_out = [1000 * t / ARGS.phones for t in times["signed out"]]
    print(
        f"check_in_burst: signed-out/signed-in time {harness.spread(ratios)}x over {ARGS.repeats} interleaved runs; "
        f"per check-in signed in {harness.spread(per_in)} ms, signed out {harness.spread(per_out)} ms "
        f"({ARGS.phones} phones, {ARGS.concurrency} at a time; median (range))"
    )


if __name__ == "__main__":
    main()
