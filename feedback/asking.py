"""Asking for feedback: the request when a session ends, and one reminder to those who have not
answered. Both are messages in the notifications outbox, written by a sweep that runs every few
minutes and is safe to repeat (one message per kind, member and session, ever).

Who is asked: the members who may answer (`feedback.selectors.registrations_owing_feedback`, the
rule's SQL form): holding a place, marked present or late — or not marked while no register has
been taken — not teaching it, and without a receipt. The reminder goes
FEEDBACK_REMINDER_AFTER_DAYS after the end, while feedback is open. Receipts are read only to
leave out those who have answered; no message ever refers to a response.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from events.models import Session
from feedback.models import Receipt, Survey
from feedback.selectors import registrations_owing_feedback
from members.models import Member
from notifications.enums import MessageKind
from notifications.models import Message
from notifications.services import notify_many


def _members_to_ask(
    *, now: dt.datetime, ended_by: dt.datetime, asked_before: dt.datetime | None = None
) -> dict[int, list[int]]:
    """Members who may still answer (`registrations_owing_feedback`) on sessions that ended by
    `ended_by`, by session, in one query; with `asked_before`, only those whose request was
    written by then (so the reminder never comes with, or before, the request)."""
    may_answer = registrations_owing_feedback(now=now).filter(session__ends_at__lte=ended_by)
    if asked_before is not None:
        asked = Message.objects.filter(
            kind=MessageKind.FEEDBACK_REQUEST,
            about_type="events.session",
            about_id=OuterRef("session_id"),
            recipient_id=OuterRef("member_id"),
            created_at__lte=asked_before,
        )
        may_answer = may_answer.filter(Exists(asked))
    found: dict[int, list[int]] = {}
    for session_id, member_id in may_answer.values_list("session_id", "member_id"):
        found.setdefault(session_id, []).append(member_id)
    return found


def write_survey_invitations(*, now: dt.datetime) -> int:
    """An invitation to each member of an open survey's audience who has not answered it: active
    members with a year of study in the survey's years (any year when it names none). Written
    once per member and survey, so a member who joins while it is open is invited then."""
    written = 0
    for survey in Survey.objects.filter(opens_at__lte=now, closes_at__gt=now).prefetch_related("audience_years"):
        years = [entry.year for entry in survey.audience_years.all()]
        audience = Member.objects.filter(is_active=True, year_of_study__isnull=False).exclude(
            Exists(Receipt.objects.filter(survey=survey, member_id=OuterRef("pk")))
        )
        if years:
            audience = audience.filter(year_of_study__in=years)
        written += notify_many(
            kind=MessageKind.SURVEY_INVITATION,
            recipients=audience.values_list("pk", flat=True),
            about=survey,
            context={"path": reverse("feedback:answer_survey", args=[survey.pk])},
        )
    return written


def write_feedback_requests(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Write the feedback requests and reminders now due, and survey invitations; returns how many
    of each are new."""
    now = now or timezone.now()
    remind_after = dt.timedelta(days=settings.FEEDBACK_REMINDER_AFTER_DAYS)
    written = {"requests": 0, "reminders": 0, "surveys": write_survey_invitations(now=now)}
    plan = [
        ("requests", MessageKind.FEEDBACK_REQUEST, now, None),
        ("reminders", MessageKind.FEEDBACK_REMINDER, now - remind_after, now - remind_after),
    ]
    for key, kind, ended_by, asked_before in plan:
        for session_id, members in _members_to_ask(now=now, ended_by=ended_by, asked_before=asked_before).items():
            written[key] += notify_many(
                kind=kind,
                recipients=members,
                about=Session(pk=session_id),
                context={"path": reverse("feedback:answer_session", args=[session_id])},
            )
    return written
