"""The teaching portfolio as it reads now: every session a member taught, its attendees, and the
feedback they may see — the figures of the results pages, computed by the same code
(`feedback.results.teacher_results`), so the portfolio never shows more than those pages do."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery

from attendance.selectors import with_attendee_counts
from events.models import Session
from feedback.results import Comment, Figures, QuestionResult, teacher_results
from members.models import Member
from portfolio.models import PickedComment
from teachers import selectors as teacher_selectors
from teachers.enums import TeachingRole
from teachers.models import RosterEntry, TeacherApplication


@dataclass(frozen=True)
class PortfolioSession:
    session: Session
    role: str
    registered: int
    attended: int
    # Whether the session has enough released responses for its results page to show them.
    is_counted: bool
    # Its figures for each of the portfolio's metric questions, in the same order (None where
    # the session's page shows nothing for that question).
    figures: tuple[Figures | None, ...] = ()

    @property
    def hours(self) -> Decimal:
        return Decimal(str(round(self.session.duration_hours, 2)))

    @property
    def target_years_text(self) -> str:
        return ", ".join(str(year) for year in self.session.target_year_numbers)


@dataclass
class Portfolio:
    teacher: Member
    minimum: int
    sessions: list[PortfolioSession]
    # Metric-tagged rating and agreement questions, with the figures across the counted sessions.
    metrics: list[QuestionResult]
    # Released responses on the counted sessions (0 when none is counted).
    responses: int
    # Comments the teacher may choose from: released, not held back, on counted sessions.
    comments: list[Comment] = field(default_factory=list)
    picked: list[Comment] = field(default_factory=list)
    approval: TeacherApplication | None = None

    @property
    def hours(self) -> Decimal:
        return sum((row.hours for row in self.sessions), Decimal(0))

    @property
    def hours_text(self) -> str:
        return f"{self.hours.normalize():f}"

    @property
    def attended(self) -> int:
        return sum(row.attended for row in self.sessions)

    @property
    def counted_sessions(self) -> int:
        return sum(row.is_counted for row in self.sessions)

    @property
    def picked_ids(self) -> set[str]:
        return {comment.id for comment in self.picked}

    @property
    def comment_choices(self) -> list[tuple[Comment, Session]]:
        """Each comment the teacher may quote, with the session it was written about, newest first."""
        sessions = {row.session.pk: row.session for row in self.sessions}
        return [(comment, sessions[comment.session_id]) for comment in self.comments]


def is_portfolio_metric(question: QuestionResult) -> bool:
    return bool(question.metric_key) and question.is_scale


def choosable_comments(*, teacher: Member) -> list[Comment]:
    """The comments a teacher may put in their portfolio: those their results page shows them
    (released, not held back, on sessions with enough responses to show)."""
    results = teacher_results(teacher=teacher, include_held_back=False)
    return [comment for question in results.questions if question.is_text for comment in question.comments]


def _sessions(*, teacher: Member, ids: list[int]) -> dict[int, Session]:
    role = RosterEntry.objects.filter(session=OuterRef("pk"), teacher=teacher).values("role")[:1]
    sessions: QuerySet[Session] = (
        with_attendee_counts(Session.objects.filter(pk__in=ids))
        .annotate(teaching_role=Subquery(role))
        .prefetch_related("target_years")
    )
    return {session.pk: session for session in sessions}


def portfolio_for(*, teacher: Member) -> Portfolio:
    """The member's teaching portfolio: their held sessions that have ended (lead or co-teacher),
    newest first, each with attendees and feedback under the minimum-responses rule. A bounded
    number of queries whatever the number of sessions."""
    results = teacher_results(teacher=teacher, include_held_back=False)
    # A metric question nobody answered on the sessions shown says nothing: left out.
    metrics = [q for q in results.questions if is_portfolio_metric(q) and q.figures.n > 0]
    sessions = _sessions(teacher=teacher, ids=[row.session.pk for row in results.sessions])
    rows = []
    for row in results.sessions:
        session = sessions[row.session.pk]
        rows.append(
            PortfolioSession(
                session=session,
                role=str(TeachingRole(session.teaching_role).label),
                registered=session.registered_count,
                attended=session.attended_count,
                is_counted=row.is_counted,
                figures=tuple(question.by_session.get(session.pk) if row.is_counted else None for question in metrics),
            )
        )
    comments = [comment for question in results.questions if question.is_text for comment in question.comments]
    by_id = {comment.id: comment for comment in comments}
    picked_ids = PickedComment.objects.filter(teacher=teacher).order_by("position").values_list("answer_id", flat=True)
    # A comment held back (or a session's feedback withdrawn) since it was picked drops out here.
    picked = [by_id[str(answer_id)] for answer_id in picked_ids if str(answer_id) in by_id]
    return Portfolio(
        teacher=teacher,
        minimum=results.minimum,
        sessions=rows,
        metrics=metrics if results.is_shown else [],
        responses=results.responses if results.is_shown else 0,
        comments=comments,
        picked=picked,
        approval=teacher_selectors.approval(teacher=teacher),
    )
