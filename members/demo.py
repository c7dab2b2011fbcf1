"""Demo members as they were in an earlier academic year, for `seed_demo`'s history.

The history is written as it would have been at the time: a registration, a roster entry or a
survey response of last year records last year's year of study. Everyone still studying has
moved up one year at each rollover since; a graduate was in year 6 in the year before the one
their `graduated_on` falls in (the rollover that starts a year graduates the year 6s).
"""

import copy
import datetime as dt
import functools

from django.conf import settings
from django.contrib.auth.hashers import make_password

from members.academic_year import AcademicYear
from members.models import Member


def password_hash(password: str) -> str:
    """`password` hashed once per run for every demo login: PBKDF2 is slow on purpose, and
    hashing the published demo password afresh for each member took most of the seed's time."""
    return _hash(password, tuple(settings.PASSWORD_HASHERS))


@functools.cache
def _hash(password: str, hashers: tuple[str, ...]) -> str:
    # Keyed by the hashers too: a hash made under other settings (a test's) might not verify.
    return make_password(password)


def year_then(member: Member, academic_year: AcademicYear) -> int | None:
    """The member's year of study in `academic_year`, or None if they were not (or no longer)
    a student then."""
    if member.year_of_study is None:
        return None
    if member.graduated_on is not None:
        last_year = AcademicYear.containing(member.graduated_on).start_year - 1
        year = 6 - (last_year - academic_year.start_year)
    else:
        year = member.year_of_study - (AcademicYear.current().start_year - academic_year.start_year)
    return year if 1 <= year <= 6 else None


def as_then(member: Member, academic_year: AcademicYear) -> Member:
    """An unsaved copy of `member` whose profile reads as it did in `academic_year` (their year
    of study then; active then), for the services that record what the profile says: the roster
    its teacher's year, a survey response its band."""
    then = copy.copy(member)
    then.year_of_study = year_then(member, academic_year)
    then.is_active = True
    return then


def day_in(academic_year: AcademicYear, month: int, day: int) -> dt.date:
    """The date of `day`/`month` within `academic_year` (October of 2025-26 is in 2025, March in 2026)."""
    date = dt.date(academic_year.start_year, month, day)
    return date if date >= academic_year.starts_on else date.replace(year=academic_year.start_year + 1)
