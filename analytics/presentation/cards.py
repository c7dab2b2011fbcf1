"""The headline cards: this year's figures beside last year's, with the change."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from analytics.presentation.words import (
    number,
    percent,
)

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
