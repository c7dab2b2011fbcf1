"""The evaluation summary: the study's results paragraph written out from a year's metrics
document, ready to paste into a report, with the figures it used."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from analytics.presentation import band_label, metric_label, motivation_label, number, percent


@dataclass
class Summary:
    sentences: list[str] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)  # (what, value) as used

    @property
    def paragraph(self) -> str:
        return " ".join(self.sentences)


def _series(items: list[str]) -> str:
    """“a”, “a and b”, “a, b and c”."""
    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def _compare(first: float, second: float) -> str:
    if first > second:
        return _("higher")
    if first < second:
        return _("lower")
    return _("the same")


def evaluation_summary(doc: dict) -> Summary:
    summary = Summary()
    year = doc["academic_year"]
    survey = doc["survey"]
    if survey is None:
        summary.sentences.append(_("No survey closed in %(year)s.") % {"year": year})
    else:
        _survey_sentences(summary, survey, year)
    _activity_sentences(summary, doc)
    _theme_sentences(summary, doc)
    return summary


def _survey_sentences(summary: Summary, survey: dict, year: str) -> None:
    respondents = survey["respondents"]
    bands = respondents["bands"]
    early, late = bands["years_1_2"], bands["years_3_6"]
    summary.sentences.append(
        ngettext(
            "In %(year)s, %(total)s student completed the survey “%(title)s”, with %(n1)s (%(p1)s) from years 1–2 "
            "and %(n2)s (%(p2)s) from years 3–6.",
            "In %(year)s, %(total)s students completed the survey “%(title)s”, with %(n1)s (%(p1)s) from years 1–2 "
            "and %(n2)s (%(p2)s) from years 3–6.",
            respondents["total"],
        )
        % {
            "year": year,
            "total": number(respondents["total"]),
            "title": survey["title"],
            "n1": early["n"],
            "p1": percent(early["pct"]),
            "n2": late["n"],
            "p2": percent(late["pct"]),
        }
    )
    summary.figures += [
        (_("Survey respondents"), number(respondents["total"])),
        (_("Respondents, years 1–2"), f"{early['n']} ({percent(early['pct'])})"),
        (_("Respondents, years 3–6"), f"{late['n']} ({percent(late['pct'])})"),
    ]
    if not survey["is_shown"]:
        summary.sentences.append(
            _("The survey had fewer than %(n)s responses, so its answers are not reported.") % {"n": survey["minimum"]}
        )
        return
    lectures = (survey["lecture_attendance"] or {}).get("bands", {})
    one, two = lectures.get("years_1_2"), lectures.get("years_3_6")
    if one and two and not one.get("suppressed") and not two.get("suppressed"):
        summary.sentences.append(
            _(
                "Early-year students reported %(comparison)s lecture attendance (%(p1)s attending all or most "
                "lectures) than later-year students (%(p2)s)."
            )
            % {
                "comparison": _compare(one["pct"] or 0, two["pct"] or 0),
                "p1": percent(one["pct"]),
                "p2": percent(two["pct"]),
            }
        )
        summary.figures += [
            (_("Lecture attendance, years 1–2"), f"{one['regular']}/{one['n']} ({percent(one['pct'])})"),
            (_("Lecture attendance, years 3–6"), f"{two['regular']}/{two['n']} ({percent(two['pct'])})"),
        ]
    preference = (survey["format_preference"] or {}).get("bands", {})
    online = {
        band: part["online"]["pct"]
        for band, part in preference.items()
        if part and not part.get("suppressed") and "online" in part
    }
    if len(online) == 2:
        summary.sentences.append(
            _("Online sessions were preferred by %(p1)s of years 1–2 and %(p2)s of years 3–6.")
            % {"p1": percent(online["years_1_2"]), "p2": percent(online["years_3_6"])}
        )
        summary.figures += [
            (_("Prefer online, %(band)s") % {"band": band_label(band)}, percent(pct)) for band, pct in online.items()
        ]
    benefits = [
        (key, part)
        for key, part in survey["benefits"].items()
        if not part.get("suppressed") and part["agree_pct"] is not None
    ]
    if benefits:
        summary.sentences.append(
            _("Respondents agreed that the society improved their %(benefits)s.")
            % {
                "benefits": _series(
                    [f"{metric_label(key).lower()} ({percent(part['agree_pct'])})" for key, part in benefits]
                )
            }
        )
        summary.figures += [
            (_("Agree: %(what)s") % {"what": metric_label(key)}, percent(p["agree_pct"])) for key, p in benefits
        ]
    motivations = survey["teaching_motivations"]
    words = survey["labels"].get("teaching_motivations")
    if motivations and not motivations.get("suppressed"):
        top = sorted(motivations.items(), key=lambda item: (-item[1]["n"], item[0]))[:2]
        if top:
            summary.sentences.append(
                _("Among student-teachers, the main motivations for teaching were %(reasons)s.")
                % {
                    "reasons": _series(
                        [f"“{motivation_label(key, words)}” ({percent(part['pct'])})" for key, part in top]
                    )
                }
            )
            summary.figures += [
                (
                    _("Motivation: %(what)s") % {"what": motivation_label(key, words)},
                    percent(part["pct"]),
                )
                for key, part in top
            ]


def _activity_sentences(summary: Summary, doc: dict) -> None:
    participants = doc["participants"]
    attendance = doc["attendance"]
    teaching = doc["teaching"]
    if not participants["total"]:
        summary.sentences.append(
            _("MedEd recorded no sessions with participants in %(year)s.") % {"year": doc["academic_year"]}
        )
        return
    bands = participants["bands"]
    summary.sentences.append(
        _(
            "MedEd recorded %(total)s participants in %(year)s (%(n1)s (%(p1)s) in years 1–2, %(n2)s (%(p2)s) in "
            "years 3–6); %(teachers)s student-teachers completed %(sessions)s sessions (%(hours)s hours)."
        )
        % {
            "total": number(participants["total"]),
            "year": doc["academic_year"],
            "n1": bands["years_1_2"]["n"],
            "p1": percent(bands["years_1_2"]["pct"]),
            "n2": bands["years_3_6"]["n"],
            "p2": percent(bands["years_3_6"]["pct"]),
            "teachers": teaching["teachers"],
            "sessions": teaching["sessions"],
            "hours": number(teaching["hours"]),
        }
    )
    summary.figures += [
        (_("Participants"), number(participants["total"])),
        (_("Teachers"), number(teaching["teachers"])),
        (_("Sessions completed"), number(teaching["sessions"])),
        (_("Teaching hours"), number(teaching["hours"])),
    ]
    if attendance["overall"]["registered"]:
        rates = attendance["bands"]
        summary.sentences.append(
            ngettext(
                "Across %(sessions)s session with a register, %(rate)s of registrations were attended: %(r1)s in "
                "years 1–2 and %(r2)s in years 3–6.",
                "Across %(sessions)s sessions with a register, %(rate)s of registrations were attended: %(r1)s in "
                "years 1–2 and %(r2)s in years 3–6.",
                attendance["sessions_counted"],
            )
            % {
                "sessions": attendance["sessions_counted"],
                "rate": percent(attendance["overall"]["rate_pct"]),
                "r1": percent(rates["years_1_2"]["rate_pct"]),
                "r2": percent(rates["years_3_6"]["rate_pct"]),
            }
        )
        summary.figures += [
            (_("Attendance rate"), percent(attendance["overall"]["rate_pct"])),
            (_("Attendance rate, years 1–2"), percent(rates["years_1_2"]["rate_pct"])),
            (_("Attendance rate, years 3–6"), percent(rates["years_3_6"]["rate_pct"])),
        ]


def _theme_sentences(summary: Summary, doc: dict) -> None:
    themes = [theme for theme in doc["themes"] if theme["comments"]]
    if not themes:
        return
    summary.sentences.append(
        ngettext(
            "The coded comments fell under %(count)s theme: %(themes)s.",
            "The coded comments fell under %(count)s themes: %(themes)s.",
            len(themes),
        )
        % {
            "count": len(themes),
            "themes": _series(
                [
                    ngettext("%(name)s (%(n)s comment)", "%(name)s (%(n)s comments)", t["comments"])
                    % {"name": t["name"].lower(), "n": t["comments"]}
                    for t in themes
                ]
            ),
        }
    )
    summary.figures += [(_("Theme: %(name)s") % {"name": t["name"]}, number(t["comments"])) for t in themes]
