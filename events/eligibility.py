"""Which years of study a session is for: those in its target years, or every year when it is
open to all years. The Python form (`is_for_year`, reading `target_years`, which the selectors
prefetch) and the SQL form (`for_year`) sit side by side; a test checks they agree. Registering,
checking in as a walk-in, adding a walk-in, the catalogue's year filter and a year's feed ask it."""

from django.db.models import Exists, OuterRef, Q

from events.models import Session, SessionTargetYear


def is_for_year(session: Session, year: int | None) -> bool:
    """Whether `session` is for members in `year` of study (None: no year given)."""
    return session.is_open_to_all_years or year in {target.year for target in session.target_years.all()}


def for_year(year: int | None) -> Q:
    """SQL form of `is_for_year`: the sessions for members in `year` of study."""
    return Q(Exists(SessionTargetYear.objects.filter(session=OuterRef("pk"), year=year))) | Q(is_open_to_all_years=True)
