"""Reads for feedback: what a member still has to answer, forms with their questions, the builder's list."""

import datetime as dt

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from attendance.enums import AttendanceStatus, RegistrationState
from attendance.models import Registration
from events.enums import SessionStatus
from events.feedback_window import feedback_not_closed, feedback_open
from events.models import Session
from events.permissions import on_roster
from feedback.enums import FormPurpose
from feedback.models import Form, Question, Receipt, Survey, SurveyYear
from feedback.results.counting import responses_counted
from feedback.results.moderation import comments_for_moderation
from members.models import Member


def registrations_owing_feedback(*, now: dt.datetime | None = None) -> QuerySet[Registration]:
    """The places whose holder may give feedback on the session now and has not: the SQL form of
    `services.check_can_respond_to_session` (a test checks they agree). A place held (walk-ins
    too) at a session held, its feedback open (`events.feedback_window`); marked present or late,
    or unmarked while no register has been taken; not one of the session's teachers; no receipt.
    """
    now = now or timezone.now()
    answered = Receipt.objects.filter(session_id=OuterRef("session_id"), member_id=OuterRef("member_id"))
    return (
        Registration.objects.filter(
            feedback_open(now=now, prefix="session__"),
            session__status__in=SessionStatus.held,
            state=RegistrationState.REGISTERED,
        )
        .filter(Q(attendance__in=AttendanceStatus.attended) | Q(attendance="", session__register_taken__isnull=True))
        .exclude(Exists(answered))
        .exclude(on_roster(member=OuterRef("member_id"), session=OuterRef("session_id")))
    )


def feedback_due(*, member: Member, now: dt.datetime | None = None) -> QuerySet[Session]:
    """Sessions whose feedback the member may give now and has not (`registrations_owing_feedback`),
    most recent first."""
    owing = registrations_owing_feedback(now=now).filter(member=member, session=OuterRef("pk"))
    return (
        Session.objects.filter(Exists(owing))
        .select_related("series")
        .prefetch_related("roster__teacher")
        .order_by("-ends_at", "pk")
    )


def owing_feedback(sender, *, now: dt.datetime, **kwargs) -> Exists:
    """The answer to `attendance.feedback.feedback_due_asked`: whether the outer registration's
    holder owes feedback (`registrations_owing_feedback`)."""
    return Exists(registrations_owing_feedback(now=now).filter(pk=OuterRef("pk")))


def comments_to_moderate(*, viewer, now: dt.datetime | None = None) -> QuerySet:
    """The written comments `viewer` moderates (`comments_for_moderation`) on sessions whose
    feedback is still open: the ones arriving now, which teachers are about to read."""
    now = now or timezone.now()
    return comments_for_moderation(viewer=viewer).filter(feedback_not_closed(now=now, prefix="response__session__"))


def open_surveys_for(*, member: Member, now: dt.datetime | None = None) -> QuerySet[Survey]:
    """Surveys open now, sent to the member's year (or to everyone), that they have not answered."""
    now = now or timezone.now()
    for_everyone = ~Exists(SurveyYear.objects.filter(survey=OuterRef("pk")))
    for_their_year = Exists(SurveyYear.objects.filter(survey=OuterRef("pk"), year=member.year_of_study))
    return (
        Survey.objects.filter(opens_at__lte=now, closes_at__gt=now)
        .filter(for_everyone | for_their_year)
        .exclude(Exists(Receipt.objects.filter(survey=OuterRef("pk"), member=member)))
        .order_by("closes_at", "pk")
    )


def session_for_feedback(*, pk: int) -> Session:
    """A session with what the feedback page reads: its form choice, its register flag and roster."""
    return (
        Session.objects.select_related("feedback_form_choice__form", "register_taken")
        .prefetch_related("roster__teacher", "target_years")
        .get(pk=pk)
    )


def with_questions(forms: QuerySet[Form]) -> QuerySet[Form]:
    return forms.prefetch_related(
        Prefetch("questions", queryset=Question.objects.order_by("position").prefetch_related("options"))
    )


def form_with_questions(*, pk: int) -> Form:
    return with_questions(Form.objects.all()).get(pk=pk)


def forms_for_builder() -> QuerySet[Form]:
    """Current versions of every form built by hand (not the interview form), with responses to
    this version and to all versions."""
    return (
        Form.objects.filter(is_current=True)
        .exclude(purpose=FormPurpose.INTERVIEW)
        .annotate(
            response_count=responses_counted(form=OuterRef("pk")),
            family_response_count=responses_counted(form__family=OuterRef("family")),
            question_count=Subquery(
                Question.objects.filter(form=OuterRef("pk"))
                .order_by()
                .values("form")
                .annotate(n=Count("pk"))
                .values("n")[:1],
                output_field=IntegerField(),
            ),
        )
        .order_by("purpose", "title", "pk")
    )


def session_forms() -> QuerySet[Form]:
    """Current session forms, the default first: the choices a session may pick from."""
    return Form.objects.filter(purpose=FormPurpose.SESSION, is_current=True).order_by("-is_default", "title", "pk")
