"""The refusal every feedback write raises, and how its messages show a date."""

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format


class FeedbackError(Exception):
    """The feedback action is refused; the message says why, in words fit for the member."""


def date_shown(value: dt.datetime) -> str:
    """A day as a refusal shows it, in local time: "3 December 2026"."""
    return date_format(timezone.localtime(value), "j F Y")


def date_and_time_shown(value: dt.datetime) -> str:
    """A day and time as a refusal shows it, in local time: "3 December 2026, 18:00"."""
    return date_format(timezone.localtime(value), "j F Y, H:i")
