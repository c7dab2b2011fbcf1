"""The metrics document as people read it: tables (shown under each chart, downloaded as CSV and
printed by the `metrics` command), charts with a text summary each, and the headline cards.
Everything here reads the document only, so every door shows the same figures."""

from analytics.presentation.cards import Headline, headlines
from analytics.presentation.graphs import Bar, Chart, charts, stacked
from analytics.presentation.tables import Table, all_tables, sessions_table, survey_tables
from analytics.presentation.words import band_label, metric_label, motivation_label, number, percent

__all__ = [
    "Bar",
    "Chart",
    "Headline",
    "Table",
    "all_tables",
    "band_label",
    "charts",
    "headlines",
    "metric_label",
    "motivation_label",
    "number",
    "percent",
    "sessions_table",
    "stacked",
    "survey_tables",
]
