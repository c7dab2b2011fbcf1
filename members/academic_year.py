"""The academic year (1 August – 31 July by default), written like ``2026-27``."""

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class AcademicYear:
    start_year: int

    @classmethod
    def containing(cls, day: dt.date) -> "AcademicYear":
        start = dt.date(day.year, settings.ACADEMIC_YEAR_START_MONTH, settings.ACADEMIC_YEAR_START_DAY)
        return cls(day.year if day >= start else day.year - 1)

    @classmethod
    def current(cls) -> "AcademicYear":
        return cls.containing(timezone.localdate())

    @classmethod
    def parse(cls, label: str) -> "AcademicYear":
        """Read ``2026-27``; raise ValueError for anything else."""
        match = _LABEL.match(label.strip())
        if not match or (int(match[1]) + 1) % 100 != int(match[2]):
            raise ValueError(f"{label!r} is not an academic year like 2026-27.")
        return cls(int(match[1]))

    @property
    def label(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def starts_on(self) -> dt.date:
        return dt.date(self.start_year, settings.ACADEMIC_YEAR_START_MONTH, settings.ACADEMIC_YEAR_START_DAY)

    @property
    def ends_on(self) -> dt.date:
        return AcademicYear(self.start_year + 1).starts_on - dt.timedelta(days=1)

    def __str__(self) -> str:
        return self.label
