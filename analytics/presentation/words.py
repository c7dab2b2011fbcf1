"""How figures are written: labels of bands, years, metrics and motivations; percentages and
numbers; the months of an academic year."""

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from feedback.enums import MetricKey, YearBand
from teachers.enums import Motivation


def band_label(band: str) -> str:
    return str(YearBand(band).label)


def year_label(year: int | str) -> str:
    return _("Year %(year)s") % {"year": year}


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def number(value: int | float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")


def motivation_label(value: str, labels: dict | None = None) -> str:
    if labels and value in labels:
        return labels[value]
    return str(Motivation(value).label) if value in Motivation.values else value


def metric_label(key: str) -> str:
    return str(MetricKey(key).label) if key in MetricKey.values else key


def suppressed_text(part: dict, minimum: int) -> str:
    return _("%(n)s answered, fewer than %(minimum)s") % {"n": part.get("n", 0), "minimum": minimum}


def month_keys(doc: dict) -> list[tuple[str, str, str]]:
    """(label, this year's key, last year's key) for each month of the academic year."""
    start = dt.date.fromisoformat(doc["period"]["start"])
    months = []
    for offset in range(12):
        year, month = start.year + (start.month - 1 + offset) // 12, (start.month - 1 + offset) % 12 + 1
        day = dt.date(year, month, 1)
        months.append((date_format(day, "M Y"), f"{year}-{month:02d}", f"{year - 1}-{month:02d}"))
    return months
