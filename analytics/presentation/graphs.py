"""The document's charts: bars or a line drawn as SVG by the template, each with a text summary
and its table."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from analytics.metrics import BANDS, YEARS
from analytics.presentation.tables import (
    Table,
    attendance_table,
    feedback_table,
    format_table,
    months_table,
    motivations_table,
    participants_table,
    survey_tables,
    themes_table,
)
from analytics.presentation.words import (
    band_label,
    metric_label,
    month_keys,
    motivation_label,
    number,
    percent,
    year_label,
)


@dataclass(frozen=True)
class Bar:
    label: str
    width: float  # 0–100, the share of the chart's width
    text: str  # the figure written beside the bar
    # A stacked bar's parts as (x, width, colour index), each 0–100; `width` is then unused.
    segments: tuple[tuple[float, float, int], ...] = ()


def stacked(counts: list[int]) -> tuple[tuple[float, float, int], ...]:
    """Segments of a bar split by `counts` (their shares of the whole bar)."""
    total = sum(counts)
    segments, x = [], 0.0
    for index, count in enumerate(counts):
        width = round(100 * count / total, 1) if total else 0
        segments.append((round(x, 1), width, index))
        x += width
    return tuple(segments)


@dataclass
class Chart:
    key: str
    title: str
    summary: str
    table: Table
    bars: list[Bar] = field(default_factory=list)
    legend: tuple[str, ...] = ()  # a stacked bar's parts, in colour order
    line: dict | None = None  # the month chart: points and axis labels
    empty: str = ""  # said instead of the chart when there is nothing to draw


# Charts


def _bars(items: list[tuple[str, float, str]], *, scale: float | None = None) -> list[Bar]:
    top = scale or max((value for _label, value, _text in items), default=0) or 1
    return [Bar(label, round(100 * value / top, 1), text) for label, value, text in items]


def participants_chart(doc: dict) -> Chart:
    part = doc["participants"]
    items = [
        (band_label(b), part["bands"][b]["n"], f"{part['bands'][b]['n']} ({percent(part['bands'][b]['pct'])})")
        for b in BANDS
    ]
    items += [
        (
            year_label(y),
            part["years"][str(y)]["n"],
            f"{part['years'][str(y)]['n']} ({percent(part['years'][str(y)]['pct'])})",
        )
        for y in YEARS
    ]
    if part["unknown"]["n"]:
        items.append((_("Year not recorded"), part["unknown"]["n"], str(part["unknown"]["n"])))
    summary = ngettext(
        "%(total)s member took part in %(year)s",
        "%(total)s members took part in %(year)s",
        part["total"],
    ) % {"total": number(part["total"]), "year": doc["academic_year"]}
    if part["total"]:
        summary += ": " + _("%(n1)s (%(p1)s) from years 1–2 and %(n2)s (%(p2)s) from years 3–6.") % {
            "n1": part["bands"]["years_1_2"]["n"],
            "p1": percent(part["bands"]["years_1_2"]["pct"]),
            "n2": part["bands"]["years_3_6"]["n"],
            "p2": percent(part["bands"]["years_3_6"]["pct"]),
        }
    else:
        summary += "."
    return Chart(
        "participants",
        _("Participants by year group"),
        summary,
        participants_table(doc),
        bars=_bars(items) if part["total"] else [],
        empty=_("Nobody registered for or taught a session in %(year)s.") % {"year": doc["academic_year"]},
    )


def attendance_chart(doc: dict) -> Chart:
    att = doc["attendance"]
    groups = [(band_label(b), att["bands"][b]) for b in BANDS] + [(year_label(y), att["years"][str(y)]) for y in YEARS]
    items = [
        (label, part["rate_pct"] or 0, f"{percent(part['rate_pct'])} ({part['attended']}/{part['registered']})")
        for label, part in groups
        if part["registered"]
    ]
    overall = att["overall"]
    if overall["registered"]:
        summary = ngettext(
            "%(rate)s of %(registered)s registrations were attended across %(sessions)s session with a register: "
            "%(r1)s in years 1–2 and %(r2)s in years 3–6.",
            "%(rate)s of %(registered)s registrations were attended across %(sessions)s sessions with a register: "
            "%(r1)s in years 1–2 and %(r2)s in years 3–6.",
            att["sessions_counted"],
        ) % {
            "rate": percent(overall["rate_pct"]),
            "registered": number(overall["registered"]),
            "sessions": att["sessions_counted"],
            "r1": percent(att["bands"]["years_1_2"]["rate_pct"]),
            "r2": percent(att["bands"]["years_3_6"]["rate_pct"]),
        }
    else:
        summary = _("No session in %(year)s has a register yet.") % {"year": doc["academic_year"]}
    if att["sessions_without_register"]:
        summary += " " + ngettext(
            "%(n)s session that has ended has no register and is left out.",
            "%(n)s sessions that have ended have no register and are left out.",
            att["sessions_without_register"],
        ) % {"n": att["sessions_without_register"]}
    return Chart(
        "attendance",
        _("Attendance rate by year group"),
        summary,
        attendance_table(doc),
        bars=_bars(items, scale=100),
        empty=_("No registers have been taken in %(year)s.") % {"year": doc["academic_year"]},
    )


def format_chart(doc: dict) -> Chart:
    fmt = doc["format"]
    groups = [(_("All attendees"), fmt["overall"])] + [(band_label(b), fmt["bands"][b]) for b in BANDS]
    bars = []
    for label, part in groups:
        if part["online"] + part["in_person"]:
            bars.append(
                Bar(
                    label,
                    0,
                    _("%(online)s online, %(in_person)s in person")
                    % {"online": part["online"], "in_person": part["in_person"]},
                    segments=stacked([part["online"], part["in_person"]]),
                )
            )
    overall = fmt["overall"]
    summary = (
        _("%(pct)s of attendances were online (%(online)s online, %(in_person)s in person).")
        % {"pct": percent(overall["online_pct"]), "online": overall["online"], "in_person": overall["in_person"]}
        if overall["online"] + overall["in_person"]
        else _("Nobody has attended a session with a register in %(year)s.") % {"year": doc["academic_year"]}
    )
    return Chart(
        "format",
        _("Online and in person"),
        summary,
        format_table(doc),
        bars=bars,
        legend=(_("Online"), _("In person")),
        empty=summary,
    )


def months_chart(doc: dict, previous: dict | None) -> Chart:
    """Attendance rate by month: this year's line and last year's, on 0–100 %."""
    width, height, left, top, bottom = 600, 240, 56, 12, 36
    inner_w, inner_h = width - left - 24, height - top - bottom
    keys = month_keys(doc)
    step = inner_w / (len(keys) - 1)

    def points(months: dict, pick) -> list[tuple[float, float, str]]:
        found = []
        for index, entry in enumerate(keys):
            part = months.get(pick(entry))
            if part and part["rate_pct"] is not None:
                x = left + index * step
                y = top + inner_h * (1 - part["rate_pct"] / 100)
                found.append((round(x, 1), round(y, 1), percent(part["rate_pct"])))
        return found

    this_year = points(doc["attendance"]["months"], lambda entry: entry[1])
    last_year = points(previous["attendance"]["months"], lambda entry: entry[2]) if previous else []
    line = {
        "width": width,
        "height": height,
        "this_year": " ".join(f"{x},{y}" for x, y, _t in this_year),
        "this_year_points": this_year,
        "last_year": " ".join(f"{x},{y}" for x, y, _t in last_year),
        "last_year_points": last_year,
        "x_labels": [(round(left + i * step, 1), label.split(" ")[0]) for i, (label, _a, _b) in enumerate(keys)],
        "y_labels": [(round(top + inner_h * (1 - v / 100), 1), f"{v}%") for v in (0, 25, 50, 75, 100)],
        "left": left,
        "right": width - 24,
        "label_y": height - 12,
        "this_label": doc["academic_year"],
        "last_label": previous["academic_year"] if previous else "",
    }
    if this_year:
        rates = [
            doc["attendance"]["months"][entry[1]]["rate_pct"]
            for entry in keys
            if entry[1] in doc["attendance"]["months"]
        ]
        rates = [rate for rate in rates if rate is not None]
        summary = _("Monthly attendance in %(year)s ranged from %(low)s to %(high)s.") % {
            "year": doc["academic_year"],
            "low": percent(min(rates)),
            "high": percent(max(rates)),
        }
        if last_year:
            summary += " " + _("The dashed line is %(year)s for comparison.") % {"year": previous["academic_year"]}
    else:
        summary = _("No month of %(year)s has a register yet.") % {"year": doc["academic_year"]}
    return Chart(
        "attendance_by_month",
        _("Attendance rate by month"),
        summary,
        months_table(doc, previous),
        line=line if this_year or last_year else None,
        empty=summary,
    )


def feedback_chart(doc: dict) -> Chart:
    feedback = doc["feedback"]
    items = [
        (
            metric_label(key),
            part["mean"],
            _("mean %(mean)s of 5, %(agree)s gave 4 or 5 (n=%(n)s)")
            % {"mean": number(part["mean"]), "agree": percent(part["agree_pct"]), "n": part["n"]},
        )
        for key, part in feedback["metrics"].items()
        if not part.get("suppressed")
    ]
    if items:
        summary = ngettext(
            "%(n)s feedback response after sessions.", "%(n)s feedback responses after sessions.", feedback["responses"]
        ) % {"n": number(feedback["responses"])}
        if "overall" in feedback["metrics"] and not feedback["metrics"]["overall"].get("suppressed"):
            summary += " " + _("Overall rating: mean %(mean)s of 5.") % {
                "mean": number(feedback["metrics"]["overall"]["mean"])
            }
    else:
        summary = _("Fewer than %(n)s feedback responses in %(year)s: nothing to show yet.") % {
            "n": feedback["minimum"],
            "year": doc["academic_year"],
        }
    return Chart(
        "feedback",
        _("Feedback after sessions"),
        summary,
        feedback_table(doc),
        bars=_bars(items, scale=5),
        empty=summary,
    )


def survey_preference_chart(doc: dict) -> Chart | None:
    survey = doc["survey"]
    if not survey or not survey["format_preference"]:
        return None
    preference = survey["format_preference"]
    table = next(t for t in survey_tables(doc) if t.key == "survey_format_preference")
    labels = survey["labels"].get("format_preference", {})
    bars, parts = [], []
    for label, part in [
        (_("All respondents"), preference["overall"]),
        *((band_label(b), preference["bands"].get(b)) for b in BANDS),
    ]:
        if not part or part.get("suppressed"):
            continue
        shares = "; ".join(f"{labels[value]} {percent(part[value]['pct'])}" for value in labels if value in part)
        bars.append(
            Bar(
                label,
                0,
                _("%(shares)s (n=%(n)s)") % {"shares": shares, "n": part["n"]},
                segments=stacked([part[value]["n"] for value in labels if value in part]),
            )
        )
        parts.append(_("%(group)s: %(shares)s") % {"group": label, "shares": shares})
    summary = (
        ". ".join(parts) + "."
        if parts
        else _("Too few answers to show the preferred format (fewer than %(n)s).") % {"n": survey["minimum"]}
    )
    return Chart(
        "survey_format_preference",
        _("Preferred format (survey)"),
        summary,
        table,
        bars=bars,
        legend=tuple(labels.values()),
        empty=summary,
    )


def motivations_chart(doc: dict) -> Chart:
    motivations = doc["teaching"]["motivations"]
    items = [(motivation_label(key), n, str(n)) for key, n in motivations.items()]
    if items:
        top = list(motivations)[:2]
        summary = _("Most often given reasons to teach: %(reasons)s.") % {
            "reasons": _(" and ").join(
                motivation_label(k).lower() if i else motivation_label(k) for i, k in enumerate(top)
            )
        }
    else:
        summary = _("No application to teach was approved in %(year)s.") % {"year": doc["academic_year"]}
    return Chart(
        "motivations", _("Why members teach"), summary, motivations_table(doc), bars=_bars(items), empty=summary
    )


def themes_chart(doc: dict) -> Chart:
    themes = [theme for theme in doc["themes"] if theme["comments"]]
    items = [(theme["name"], theme["comments"], str(theme["comments"])) for theme in themes]
    summary = (
        _("Coded comments by theme: %(themes)s.")
        % {"themes": "; ".join(f"{theme['name']} {theme['comments']}" for theme in themes)}
        if themes
        else _("No comments from %(year)s have been coded yet.") % {"year": doc["academic_year"]}
    )
    return Chart("themes", _("Themes in comments"), summary, themes_table(doc), bars=_bars(items), empty=summary)


def charts(doc: dict, previous: dict | None = None) -> list[Chart]:
    found = [
        participants_chart(doc),
        attendance_chart(doc),
        format_chart(doc),
        months_chart(doc, previous),
        feedback_chart(doc),
        survey_preference_chart(doc),
        motivations_chart(doc),
        themes_chart(doc),
    ]
    return [chart for chart in found if chart is not None]
