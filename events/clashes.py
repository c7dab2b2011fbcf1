"""Warnings about a session's timing and teachers: shown, never blocking.

- another session (submitted or published) for an overlapping target year at an overlapping time;
- a teacher already teaching at that time;
- a venue double-booked;
- the near-peer rule: every teacher at least NEAR_PEER_MIN_YEARS above every target year.

`warnings_for` takes a list of sessions (prefetched as the selectors do) and answers with a fixed
number of queries however many sessions it is given, so the approval queue stays bounded.
"""

from collections.abc import Sequence

from django.conf import settings
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from events.enums import SessionStatus
from events.models import Session

ACTIVE = (SessionStatus.SUBMITTED, SessionStatus.PUBLISHED)


def _when(session: Session) -> str:
    start = localtime(session.starts_at)
    return f"{date_format(start, 'D j M')} {start:%H:%M}"


def warnings_for(sessions: Sequence[Session]) -> dict[int, list[str]]:
    """Map each session's id to its warnings (empty list when there are none)."""
    result = {session.pk: [] for session in sessions}
    if not sessions:
        return result
    window = Q(starts_at__lt=max(s.ends_at for s in sessions), ends_at__gt=min(s.starts_at for s in sessions))
    others = list(Session.objects.filter(window, status__in=ACTIVE).prefetch_related("target_years", "roster__teacher"))
    minimum_gap = settings.NEAR_PEER_MIN_YEARS
    for session in sessions:
        years = set(session.target_year_numbers)
        teacher_ids = {entry.teacher_id for entry in session.roster.all()}
        venue = session.venue.strip().lower()
        for other in others:
            if other.pk == session.pk or not (other.starts_at < session.ends_at and other.ends_at > session.starts_at):
                continue
            shared_years = sorted(years & set(other.target_year_numbers))
            if shared_years:
                result[session.pk].append(
                    ngettext(
                        "Clashes with “%(title)s” (%(when)s) for year %(years)s.",
                        "Clashes with “%(title)s” (%(when)s) for years %(years)s.",
                        len(shared_years),
                    )
                    % {"title": other.title, "when": _when(other), "years": ", ".join(map(str, shared_years))}
                )
            for entry in other.roster.all():
                if entry.teacher_id in teacher_ids:
                    result[session.pk].append(
                        _("%(teacher)s is already teaching “%(title)s” at that time.")
                        % {"teacher": entry.teacher.get_full_name(), "title": other.title}
                    )
            if venue and other.venue.strip().lower() == venue:
                result[session.pk].append(
                    _("%(venue)s is already booked for “%(title)s” at that time.")
                    % {"venue": session.venue, "title": other.title}
                )
        if years:
            for entry in session.roster.all():
                teacher_year = entry.teacher.year_of_study
                if teacher_year is not None and teacher_year - max(years) < minimum_gap:
                    result[session.pk].append(
                        ngettext(
                            "%(teacher)s (year %(year)s) is not at least %(gap)s year above year %(target)s.",
                            "%(teacher)s (year %(year)s) is not at least %(gap)s years above year %(target)s.",
                            minimum_gap,
                        )
                        % {
                            "teacher": entry.teacher.get_full_name(),
                            "year": teacher_year,
                            "gap": minimum_gap,
                            "target": max(years),
                        }
                    )
    return result
