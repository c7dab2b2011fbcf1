"""The document's tables: shown under each chart, downloaded as CSV, printed by `metrics`."""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.metrics import BANDS, YEARS
from analytics.presentation.words import (
    band_label,
    metric_label,
    month_keys,
    motivation_label,
    number,
    percent,
    suppressed_text,
    year_label,
)


@dataclass
class Table:
    key: str  # the CSV's name and the anchor on the page
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)

    @property
    def filename_part(self) -> str:
        return self.key.replace("_", "-")


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
                rows.append([label, part["n"], "", suppressed_text(part, minimum)])
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
                    [label, part["n"], *([""] * (len(choices) - 1)), suppressed_text(part, minimum)]
                    if choices
                    else [label, part["n"], suppressed_text(part, minimum)]
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
                suppressed_text(part, minimum) if part.get("suppressed") else percent(part["agree_pct"]),
            ]
            for key, part in survey["benefits"].items()
        ]
        tables.append(
            Table("survey_benefits", _("What members gained"), [_("Statement"), _("Answered"), _("Agree")], rows)
        )
    motivations = survey["teaching_motivations"]
    if motivations:
        rows = (
            [[suppressed_text(motivations, minimum), "", ""]]
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
            [[suppressed_text(roles, minimum), ""]]
            if roles.get("suppressed")
            else [[labels.get("society_role", {}).get(key, key), n] for key, n in roles.items()]
        )
        tables.append(Table("survey_roles", _("Roles in the society"), [_("Role"), _("Respondents")], rows))
    return tables


def themes_table(doc: dict) -> Table:
    interviewed = doc.get("interviews", {}).get("total", 0)
    if not interviewed:
        rows = [[theme["name"], theme["comments"], " | ".join(theme["quotes"])] for theme in doc["themes"]]
        return Table("themes", _("Themes in comments"), [_("Theme"), _("Comments"), _("Example quotes")], rows)
    # Excerpts apart from comments, and how many of the interviewees mentioned each theme.
    rows = [
        [
            theme["name"],
            theme["comments"],
            theme["excerpts"],
            _("%(n)s of %(total)s") % {"n": theme["interviewees"], "total": interviewed},
            " | ".join(theme["quotes"]),
        ]
        for theme in doc["themes"]
    ]
    header = [_("Theme"), _("Comments"), _("Interview excerpts"), _("Interviewees"), _("Example quotes")]
    return Table("themes", _("Themes in comments and interviews"), header, rows)


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


def sessions_table(rows: list) -> Table:
    """The year's sessions (`analytics.selectors.sessions_table`) with their attendance and
    feedback, one row each."""
    header = [
        _("Date"),
        _("Session"),
        _("Format"),
        _("For years"),
        _("Registered"),
        _("Attendance counted"),
        _("Attended"),
        _("Rate"),
        _("Online"),
        _("In person"),
        _("Feedback responses"),
        _("Overall rating (mean)"),
    ]
    body = [
        [
            timezone.localtime(row.session.starts_at).strftime("%d/%m/%Y %H:%M"),
            row.session.title,
            row.session.get_format_display(),
            ", ".join(map(str, row.session.target_year_numbers)),
            row.places,
            row.registered if row.is_recorded else "",
            row.attended if row.is_recorded else "",
            percent(row.rate_pct) if row.is_recorded else _("no register"),
            row.online if row.is_recorded else "",
            row.in_person if row.is_recorded else "",
            row.responses,
            row.overall_mean if row.overall_mean is not None else "",
        ]
        for row in rows
    ]
    return Table("sessions", _("Sessions"), header, body)
