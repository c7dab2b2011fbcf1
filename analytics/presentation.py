"""The metrics document as people read it: tables (shown under each chart, downloaded as CSV and
printed by the `metrics` command), charts with a text summary each, and the headline cards.
Everything here reads the document only, so every door shows the same figures."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from analytics.metrics import BANDS, YEARS
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


@dataclass
class Table:
    key: str  # the CSV's name and the anchor on the page
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)

    @property
    def filename_part(self) -> str:
        return self.key.replace("_", "-")


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


def _suppressed_text(part: dict, minimum: int) -> str:
    return _("%(n)s answered, fewer than %(minimum)s") % {"n": part.get("n", 0), "minimum": minimum}


# Tables


def participants_table(doc: dict) -> Table:
    part = doc["participants"]
    rows = [[band_label(band), part["bands"][band]["n"], percent(part["bands"][band]["pct"])] for band in BANDS]
    rows += [
        [year_label(year), part["years"][str(year)]["n"], percent(part["years"][str(year)]["pct"])] for year in YEARS
    ]
    rows += [[_("Year not recorded"), part["unknown"]["n"], percent(part["unknown"]["pct"])]]
    rows += [[_("All participants"), part["total"], ""]]
    return Table("participants", _("Participants"), [_("Group"), _("Participants"), _("Share")], rows)


def attendance_table(doc: dict) -> Table:
    att = doc["attendance"]

    def row(label, part):
        return [label, part["registered"], part["attended"], percent(part["rate_pct"])]

    rows = [row(band_label(band), att["bands"][band]) for band in BANDS]
    rows += [row(year_label(year), att["years"][str(year)]) for year in YEARS]
    rows += [row(_("Year not recorded"), att["unknown"]), row(_("All attendees"), att["overall"])]
    return Table("attendance", _("Attendance"), [_("Group"), _("Registered"), _("Attended"), _("Rate")], rows)


def months_table(doc: dict, previous: dict | None = None) -> Table:
    header = [_("Month"), _("Registered"), _("Attended"), _("Rate")]
    if previous:
        header.append(_("Rate in %(year)s") % {"year": previous["academic_year"]})
    rows = []
    for label, this_key, last_key in month_keys(doc):
        part = doc["attendance"]["months"].get(this_key)
        row = [label, *(([part["registered"], part["attended"], percent(part["rate_pct"])]) if part else ["", "", "–"])]
        if previous:
            last = previous["attendance"]["months"].get(last_key)
            row.append(percent(last["rate_pct"]) if last else "–")
        rows.append(row)
    return Table("attendance_by_month", _("Attendance by month"), header, rows)


def month_keys(doc: dict) -> list[tuple[str, str, str]]:
    """(label, this year's key, last year's key) for each month of the academic year."""
    start = dt.date.fromisoformat(doc["period"]["start"])
    months = []
    for offset in range(12):
        year, month = start.year + (start.month - 1 + offset) // 12, (start.month - 1 + offset) % 12 + 1
        day = dt.date(year, month, 1)
        months.append((date_format(day, "M Y"), f"{year}-{month:02d}", f"{year - 1}-{month:02d}"))
    return months


def format_table(doc: dict) -> Table:
    fmt = doc["format"]

    def row(label, part):
        return [label, part["online"], part["in_person"], percent(part["online_pct"])]

    rows = [row(band_label(band), fmt["bands"][band]) for band in BANDS] + [row(_("All attendees"), fmt["overall"])]
    return Table(
        "format", _("Online and in person"), [_("Group"), _("Online"), _("In person"), _("Online share")], rows
    )


def teaching_table(doc: dict) -> Table:
    teaching = doc["teaching"]
    rows = [
        [_("Teachers"), teaching["teachers"]],
        [_("Sessions completed"), teaching["sessions"]],
        [_("Teaching hours"), number(teaching["hours"])],
    ]
    return Table("teaching", _("Teaching"), [_("Figure"), _("Value")], rows)


def motivations_table(doc: dict) -> Table:
    rows = [[motivation_label(key), n] for key, n in doc["teaching"]["motivations"].items()]
    return Table("motivations", _("Motivations on applications to teach"), [_("Motivation"), _("Applications")], rows)


def feedback_table(doc: dict) -> Table:
    minimum = doc["feedback"]["minimum"]
    rows = []
    for key, part in doc["feedback"]["metrics"].items():
        if part.get("suppressed"):
            rows.append([metric_label(key), part["n"], _("fewer than %(n)s") % {"n": minimum}, ""])
        else:
            rows.append([metric_label(key), part["n"], number(part["mean"]), percent(part["agree_pct"])])
    return Table(
        "feedback", _("Feedback after sessions"), [_("Question"), _("Answers"), _("Mean (1–5)"), _("4 or 5")], rows
    )


def survey_tables(doc: dict) -> list[Table]:
    survey = doc["survey"]
    if not survey:
        return []
    minimum = survey["minimum"]
    labels = survey["labels"]
    respondents = survey["respondents"]
    preference_labels = labels.get("format_preference", {})
    tables = [
        Table(
            "survey_respondents",
            _("Survey respondents"),
            [_("Group"), _("Respondents"), _("Share")],
            [[band_label(b), respondents["bands"][b]["n"], percent(respondents["bands"][b]["pct"])] for b in BANDS]
            + [
                [_("Year not recorded"), respondents["unknown"]["n"], ""],
                [_("All respondents"), respondents["total"], ""],
            ],
        )
    ]
    lectures = survey["lecture_attendance"]
    if lectures:
        rows = []
        for label, part in [
            *((band_label(b), lectures["bands"].get(b)) for b in BANDS),
            (_("All"), lectures["overall"]),
        ]:
            if part is None:
                continue
            if part.get("suppressed"):
                rows.append([label, part["n"], "", _suppressed_text(part, minimum)])
            else:
                rows.append([label, part["n"], part["regular"], percent(part["pct"])])
        tables.append(
            Table(
                "survey_lecture_attendance",
                _("Lecture attendance (all or most lectures)"),
                [_("Group"), _("Answered"), _("All or most"), _("Share")],
                rows,
            )
        )
    preference = survey["format_preference"]
    if preference:
        choices = (
            [key for key in preference_labels if key in preference["overall"]]
            if not preference["overall"].get("suppressed")
            else []
        )
        rows = []
        for label, part in [
            *((band_label(b), preference["bands"].get(b)) for b in BANDS),
            (_("All"), preference["overall"]),
        ]:
            if part is None:
                continue
            if part.get("suppressed"):
                rows.append(
                    [label, part["n"], *([""] * (len(choices) - 1)), _suppressed_text(part, minimum)]
                    if choices
                    else [label, part["n"], _suppressed_text(part, minimum)]
                )
            else:
                rows.append(
                    [
                        label,
                        part["n"],
                        *(f"{part[c]['n']} ({percent(part[c]['pct'])})" if c in part else "–" for c in choices),
                    ]
                )
        tables.append(
            Table(
                "survey_format_preference",
                _("Preferred format"),
                [_("Group"), _("Answered"), *(preference_labels[c] for c in choices)]
                if choices
                else [_("Group"), _("Answered"), ""],
                rows,
            )
        )
    if survey["benefits"]:
        rows = [
            [
                metric_label(key),
                part["n"],
                _suppressed_text(part, minimum) if part.get("suppressed") else percent(part["agree_pct"]),
            ]
            for key, part in survey["benefits"].items()
        ]
        tables.append(
            Table("survey_benefits", _("What members gained"), [_("Statement"), _("Answered"), _("Agree")], rows)
        )
    motivations = survey["teaching_motivations"]
    if motivations:
        rows = (
            [[_suppressed_text(motivations, minimum), "", ""]]
            if motivations.get("suppressed")
            else [
                [motivation_label(key, labels.get("teaching_motivations")), part["n"], percent(part["pct"])]
                for key, part in motivations.items()
            ]
        )
        tables.append(
            Table(
                "survey_motivations",
                _("Why teachers teach (survey)"),
                [_("Motivation"), _("Teachers"), _("Share")],
                rows,
            )
        )
    roles = survey["roles"]
    if roles:
        rows = (
            [[_suppressed_text(roles, minimum), ""]]
            if roles.get("suppressed")
            else [[labels.get("society_role", {}).get(key, key), n] for key, n in roles.items()]
        )
        tables.append(Table("survey_roles", _("Roles in the society"), [_("Role"), _("Respondents")], rows))
    return tables


def themes_table(doc: dict) -> Table:
    rows = [[theme["name"], theme["comments"], " | ".join(theme["quotes"])] for theme in doc["themes"]]
    return Table("themes", _("Themes in comments"), [_("Theme"), _("Comments"), _("Example quotes")], rows)


def all_tables(doc: dict, previous: dict | None = None) -> list[Table]:
    """Every table of the document, in the dashboard's order."""
    return [
        participants_table(doc),
        attendance_table(doc),
        months_table(doc, previous),
        format_table(doc),
        teaching_table(doc),
        motivations_table(doc),
        feedback_table(doc),
        *survey_tables(doc),
        themes_table(doc),
    ]


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
        (_("All"), preference["overall"]),
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
        _("Preferred format. %(parts)s.") % {"parts": ". ".join(parts)}
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


# Headline cards


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    n_text: str
    previous: str  # last year's figure, or ""
    change: str  # e.g. "+12" or "+4.2 points", or ""
    direction: str  # "up", "down", "same" or ""


def _change(now: float | None, before: float | None, *, points: bool) -> tuple[str, str]:
    if now is None or before is None:
        return "", ""
    delta = round(now - before, 1)
    if delta == 0:
        return _("no change"), "same"
    sign = "+" if delta > 0 else "−"
    amount = f"{abs(delta):.1f}" if points else f"{abs(int(delta)):,}"
    text = _("%(sign)s%(amount)s points") % {"sign": sign, "amount": amount} if points else f"{sign}{amount}"
    return text, "up" if delta > 0 else "down"


def headlines(doc: dict, previous: dict | None) -> list[Headline]:
    def figures(d: dict | None) -> dict:
        if d is None:
            return {}
        return {
            "participants": d["participants"]["total"],
            "rate": d["attendance"]["overall"]["rate_pct"],
            "sessions": d["teaching"]["sessions"],
            "teachers": d["teaching"]["teachers"],
            "responses": d["feedback"]["responses"],
        }

    now, before = figures(doc), figures(previous)
    cards = [
        ("participants", _("Participants"), number(now["participants"]), _("members who registered or taught")),
        (
            "rate",
            _("Attendance rate"),
            percent(now["rate"]),
            _("of %(n)s registrations") % {"n": number(doc["attendance"]["overall"]["registered"])},
        ),
        (
            "sessions",
            _("Sessions completed"),
            number(now["sessions"]),
            _("%(hours)s teaching hours") % {"hours": number(doc["teaching"]["hours"])},
        ),
        ("teachers", _("Teachers"), number(now["teachers"]), _("on the roster of a session")),
        ("responses", _("Feedback responses"), number(now["responses"]), _("released to results")),
    ]
    result = []
    for key, label, value, n_text in cards:
        last = before.get(key)
        change, direction = _change(now[key], last, points=key == "rate")
        shown = (percent(last) if key == "rate" else number(last)) if previous and last is not None else ""
        result.append(Headline(label, value, n_text, shown, change, direction))
    return result
