"""Results of one session, and of all the sessions a teacher taught (see `feedback.results`)."""

from dataclasses import dataclass, field, replace

from django.db.models import F, OuterRef, QuerySet
from django.utils import timezone

from events.enums import SessionStatus
from events.models import Session
from events.permissions import on_roster
from feedback.models import PendingResponse, Response
from feedback.results.counting import (
    Results,
    Tally,
    comments_in,
    figures_for,
    groups_of,
    minimum_responses,
    questions_answered,
    result_for,
    rows_counted,
    tallies,
)


@dataclass(frozen=True)
class SessionCount:
    session: Session
    responses: int
    is_counted: bool


@dataclass
class TeacherResults(Results):
    sessions: list[SessionCount] = field(default_factory=list)


def session_results(*, session: Session, include_held_back: bool = False) -> Results:
    """One session's results under the minimum-N rule (see the module docstring).

    `include_held_back` is for the committee, who see held-back comments marked as such.
    """
    minimum = minimum_responses()
    responses = Response.objects.filter(session=session)
    count, pending = (
        Session.objects.filter(pk=session.pk)
        .annotate(
            released=rows_counted(Response, session=OuterRef("pk")),
            pending=rows_counted(PendingResponse, session=OuterRef("pk")),
        )
        .values_list("released", "pending")
        .get()
    )
    if count < minimum:
        # Only the number of people may be shown, so it may count those not released yet.
        return Results(responses=count + pending, is_shown=False, minimum=minimum)
    groups = groups_of(
        questions_answered(responses),
        tallies(responses, by=None),
        comments_in(responses, include_held_back=include_held_back),
    )
    return Results(
        responses=count,
        is_shown=True,
        minimum=minimum,
        pending=pending,
        questions=[
            result_for(group, figures_for(group, group.tally(), minimum=minimum), [c for _s, c in group.comments])
            for group in groups
        ],
    )


def sessions_with_feedback_taught_by(*, teacher, now=None) -> QuerySet[Session]:
    """The sessions a member teaches (any role) that have ended, newest first, with how many
    feedback responses each has (`responses_count`) and how many are released to results
    (`released_count`)."""
    now = now or timezone.now()
    return (
        Session.objects.filter(
            on_roster(member=teacher),
            status__in=SessionStatus.held,
            ends_at__lte=now,
        )
        .annotate(
            released_count=rows_counted(Response, session=OuterRef("pk")),
            pending_count=rows_counted(PendingResponse, session=OuterRef("pk")),
        )
        .annotate(responses_count=F("released_count") + F("pending_count"))
        .order_by("-starts_at", "-pk")
    )


def teacher_results(*, teacher, include_held_back: bool = False) -> TeacherResults:
    """A teacher's results across their sessions: only what the sessions' own pages show is added
    up (rule 3 of the module docstring), so no total reveals a hidden session or question."""
    minimum = minimum_responses()
    sessions = list(sessions_with_feedback_taught_by(teacher=teacher))
    counted = {session.pk for session in sessions if session.released_count >= minimum}
    listing = [SessionCount(s, s.responses_count, s.pk in counted) for s in sessions]
    count = sum(s.released_count for s in sessions if s.pk in counted)
    if not counted:
        return TeacherResults(responses=0, is_shown=False, minimum=minimum, sessions=listing)
    by = "response__session_id"
    responses = Response.objects.filter(session_id__in=counted)
    groups = groups_of(
        questions_answered(responses),
        tallies(responses, by=by),
        comments_in(responses, include_held_back=include_held_back, by=by),
    )
    questions = []
    for group in groups:
        # A session's answers to this question count only if that session's page shows them.
        shown = [session_id for session_id, cell in group.cells.items() if cell.n >= minimum]
        result = result_for(
            group,
            figures_for(group, group.tally(shown), minimum=minimum),
            [replace(comment, session_id=session_id) for session_id, comment in group.comments],
        )
        # Each session's figures are those its own page computes (`session_results`): the same
        # tally of the same answers, under the same rule.
        result.by_session = {
            session_id: figures_for(group, group.cells.get(session_id, Tally()), minimum=minimum)
            for session_id in sorted(counted)
        }
        questions.append(result)
    return TeacherResults(responses=count, is_shown=True, minimum=minimum, questions=questions, sessions=listing)
