"""Surveys: sending a survey form to members of some years between two times, and who may answer."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.enums import (
    FormPurpose,
)
from feedback.errors import FeedbackError, date_and_time_shown, date_shown
from feedback.models import (
    Form,
    Receipt,
    Survey,
    SurveyYear,
)
from members.models import Member


def create_survey(*, form: Form, title: str, opens_at, closes_at, years: Iterable[int] = (), by) -> Survey:
    """Send `form` (a survey form) to members of `years` (none: every member) between the two times.

    Writes the survey and its audience in one transaction. Raises FeedbackError when the form is
    not a survey form or the survey would close before it opens.
    """
    if form.purpose != FormPurpose.SURVEY:
        raise FeedbackError(_("Choose a survey form; this one is for feedback after sessions."))
    if closes_at <= opens_at:
        raise FeedbackError(_("The survey must close after it opens."))
    with transaction.atomic():
        survey = Survey.objects.create(form=form, title=title, opens_at=opens_at, closes_at=closes_at, created_by=by)
        SurveyYear.objects.bulk_create(SurveyYear(survey=survey, year=year) for year in sorted(set(years)))
    return survey


def check_can_respond_to_survey(*, survey: Survey, member: Member, now: dt.datetime | None = None) -> None:
    """Raise FeedbackError saying why `member` cannot answer `survey` now, if they cannot."""
    now = now or timezone.now()
    if Receipt.objects.filter(survey=survey, member=member).exists():
        raise FeedbackError(_("You have already answered this survey. Thank you!"))
    if now < survey.opens_at:
        raise FeedbackError(_("This survey opens on %s.") % date_and_time_shown(survey.opens_at))
    if now >= survey.closes_at:
        raise FeedbackError(_("This survey closed on %s.") % date_shown(survey.closes_at))
    if not member.year_of_study:
        # The answer carries the year band; without a year it would sit in a group of its own.
        raise FeedbackError(_("Add your year of study to your profile to answer this survey."))
    years = sorted(survey.audience_years.values_list("year", flat=True))
    if years and member.year_of_study not in years:
        raise FeedbackError(
            _("This survey is for year %(years)s; your profile says %(yours)s.")
            % {
                "years": ", ".join(map(str, years)),
                "yours": _("year %s") % member.year_of_study,
            }
        )
