"""Writes for feedback: forms and their versions, surveys, anonymous responses and moderation.

Anonymity (see `feedback.anonymity`): a response is written sealed, as a `PendingResponse` with no
member and no time, beside the member's `Receipt` in the same transaction. Releases open the
envelopes and write them as responses in random order: a session's when it has N, a survey's
all at once when it closes.

Locking: a submission locks its scope's row (the session, or the survey) with SELECT … FOR UPDATE,
then re-checks the receipt; the receipt's unique constraints are the backstop. Form edits lock the
form's versions (its family) so that two editors cannot both make "version 2".
"""

import datetime as dt
import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from attendance.enums import AttendanceStatus, RegistrationState
from attendance.models import RegisterTaken, Registration
from events.enums import SessionStatus
from events.feedback_window import feedback_closes_at, feedback_open
from events.models import Session
from events.permissions import teaches
from feedback.enums import (
    ANSWER_TEXT_MAX_LENGTH,
    SCALE_VALUES,
    FormPurpose,
    MetricKey,
    QuestionKind,
    YearBand,
)
from feedback.models import (
    Answer,
    Form,
    Option,
    PendingResponse,
    Question,
    Receipt,
    Response,
    SessionForm,
    Survey,
    SurveyYear,
    scope_label,
)
from feedback.sealing import SealBroken, envelope_size, seal, unseal
from members.models import Member
from members.permissions import is_teacher

logger = logging.getLogger(__name__)

# Shuffles each release. A module attribute so a test can swap in a known order.
_rng = random.SystemRandom()

# The kinds of question each metric can be read from, so the dashboard never averages a comment.
METRIC_KINDS = {
    MetricKey.OVERALL: {QuestionKind.RATING, QuestionKind.LIKERT},
    MetricKey.TEACHING_QUALITY: {QuestionKind.RATING, QuestionKind.LIKERT},
    MetricKey.KNOWLEDGE: {QuestionKind.LIKERT, QuestionKind.RATING},
    MetricKey.CONFIDENCE: {QuestionKind.LIKERT, QuestionKind.RATING},
    MetricKey.CONFIDENCE_BEFORE: {QuestionKind.RATING, QuestionKind.LIKERT},
    MetricKey.CONFIDENCE_AFTER: {QuestionKind.RATING, QuestionKind.LIKERT},
    MetricKey.MOTIVATION: {QuestionKind.LIKERT, QuestionKind.RATING},
    MetricKey.COMMUNITY: {QuestionKind.LIKERT, QuestionKind.RATING},
    MetricKey.FORMAT_PREFERENCE: {QuestionKind.SINGLE},
    MetricKey.LECTURE_ATTENDANCE: {QuestionKind.SINGLE},
    MetricKey.SOCIETY_ROLE: {QuestionKind.SINGLE},
    MetricKey.TEACHING_MOTIVATIONS: {QuestionKind.MULTIPLE},
    MetricKey.WENT_WELL: {QuestionKind.TEXT},
    MetricKey.IMPROVE: {QuestionKind.TEXT},
    MetricKey.SOCIETY_GIVES: {QuestionKind.TEXT},
}


class FeedbackError(Exception):
    """The feedback action is refused; the message says why, in words fit for the member."""


def _day(value: dt.datetime) -> str:
    return date_format(timezone.localtime(value), "j F Y")


def _moment(value: dt.datetime) -> str:
    return date_format(timezone.localtime(value), "j F Y, H:i")


# Forms used by sessions and surveys


def form_for_session(session: Session) -> Form:
    """The form a session's feedback uses: its own choice, else the current default session form.

    Reads `session.feedback_form_choice` (select it with the session to save a query). Raises
    FeedbackError when no default session form exists.
    """
    try:
        return session.feedback_form_choice.form
    except Session.feedback_form_choice.RelatedObjectDoesNotExist:
        pass
    form = Form.objects.filter(purpose=FormPurpose.SESSION, is_default=True, is_current=True).first()
    if form is None:
        raise FeedbackError(_("No feedback form is set up for sessions yet."))
    return form


def choose_session_form(*, session: Session, form: Form, by: Member) -> Form:
    """Make `session` use `form` (a current session form); choosing the default clears the choice.

    The caller checks `feedback.permissions.can_choose_session_form`. Locks the session row.
    Raises FeedbackError for a survey form, an old version, or a session that already has
    feedback (its responses would otherwise be split across two forms).
    """
    if form.purpose != FormPurpose.SESSION:
        raise FeedbackError(_("Choose a form made for feedback after sessions."))
    if not form.is_current:
        raise FeedbackError(_("That is an old version of the form; choose its current version."))
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if _has_feedback(session=locked):
            raise FeedbackError(_("This session already has feedback, so its form can no longer change."))
        if form.is_default:
            SessionForm.objects.filter(session=locked).delete()
        else:
            SessionForm.objects.update_or_create(session=locked, defaults={"form": form})
    return form


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


# Who may respond


def check_can_respond_to_session(*, session: Session, member: Member, now: dt.datetime | None = None) -> None:
    """Raise FeedbackError saying why `member` cannot give feedback on `session` now, if they cannot.

    Open from the session's end for FEEDBACK_WINDOW_DAYS, to members registered for it (walk-ins
    included) marked present or late — or not marked at all while no register has been taken —
    and never to its own teachers, whatever the register says. Its SQL form is
    `feedback.selectors.registrations_owing_feedback`; a test checks they agree.
    """
    now = now or timezone.now()
    if session.status == SessionStatus.CANCELLED:
        raise FeedbackError(_("This session was cancelled, so there is no feedback to give."))
    if session.status not in SessionStatus.held:
        raise FeedbackError(_("This session has not taken place."))
    if Receipt.objects.filter(session=session, member=member).exists():
        raise FeedbackError(_("You have already given feedback on this session. Thank you!"))
    if teaches(member, session):
        raise FeedbackError(_("You taught this session, so its feedback is for its attendees to give."))
    registration = Registration.objects.filter(
        session=session, member=member, state=RegistrationState.REGISTERED
    ).first()
    if registration is None:
        raise FeedbackError(_("Only members registered for this session can give feedback on it."))
    if registration.attendance == AttendanceStatus.ABSENT:
        raise FeedbackError(_("The register shows you as absent from this session, so there is no feedback to give."))
    if registration.attendance == AttendanceStatus.EXCUSED:
        raise FeedbackError(_("You were excused from this session, so there is no feedback to give."))
    if not registration.attendance and RegisterTaken.objects.filter(session=session).exists():
        raise FeedbackError(
            _("The register does not show you at this session. If you were there, ask the teacher to correct it.")
        )
    if now < session.ends_at:
        raise FeedbackError(_("Feedback opens when the session ends, at %s.") % _moment(session.ends_at))
    closes_at = feedback_closes_at(session)
    if now >= closes_at:
        raise FeedbackError(_("Feedback on this session closed on %s.") % _day(closes_at))


def check_can_respond_to_survey(*, survey: Survey, member: Member, now: dt.datetime | None = None) -> None:
    """Raise FeedbackError saying why `member` cannot answer `survey` now, if they cannot."""
    now = now or timezone.now()
    if Receipt.objects.filter(survey=survey, member=member).exists():
        raise FeedbackError(_("You have already answered this survey. Thank you!"))
    if now < survey.opens_at:
        raise FeedbackError(_("This survey opens on %s.") % _moment(survey.opens_at))
    if now >= survey.closes_at:
        raise FeedbackError(_("This survey closed on %s.") % _day(survey.closes_at))
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


# Answers


def _is_blank(value) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, list | tuple | set | frozenset) and not value)


def _option_ids(value) -> list:
    values = value if isinstance(value, list | tuple | set | frozenset) else [value]
    try:
        return [int(item) for item in values]
    except (TypeError, ValueError):
        raise FeedbackError(_("Choose one of the options given.")) from None


def _answers_for(*, form: Form, answers: dict, member: Member) -> list[Answer]:
    """Unsaved `Answer`s for `answers` ({question pk: value}), checked against the form's questions.

    Values: an integer 1–5 for scales, an option's pk for one choice, a list of option pks for
    several, a string for free text; None, "" or [] for a question left out.
    """
    questions = {question.pk: question for question in form.questions.prefetch_related("options")}
    if set(answers) - set(questions):
        raise FeedbackError(_("This form has changed since you opened it; please reload it and answer again."))
    teaches = is_teacher(member)
    rows = []
    for pk, question in questions.items():
        value = answers.get(pk)
        if question.is_for_teachers_only and not teaches:
            if not _is_blank(value):
                raise FeedbackError(_("“%s” is for members who teach.") % question.text)
            continue
        if _is_blank(value):
            if question.is_required:
                raise FeedbackError(_("Please answer “%s”.") % question.text)
            continue
        kind = QuestionKind(question.kind)
        if kind.is_scale:
            if isinstance(value, bool) or not isinstance(value, int) or value not in SCALE_VALUES:
                raise FeedbackError(_("Answer “%s” on the scale from 1 to 5.") % question.text)
            rows.append(Answer(question=question, number=value))
        elif kind.has_options:
            chosen = _option_ids(value)
            options = {option.pk: option for option in question.options.all()}
            if not chosen or any(pk not in options for pk in chosen) or len(set(chosen)) != len(chosen):
                raise FeedbackError(_("Choose from the options given for “%s”.") % question.text)
            if kind == QuestionKind.SINGLE and len(chosen) != 1:
                raise FeedbackError(_("Choose one option for “%s”.") % question.text)
            rows.extend(Answer(question=question, option=options[pk]) for pk in chosen)
        else:
            if not isinstance(value, str):
                raise FeedbackError(_("Answer “%s” in words.") % question.text)
            text = value.strip()
            if len(text) > ANSWER_TEXT_MAX_LENGTH:
                raise FeedbackError(
                    _("Keep your answer to “%(question)s” under %(limit)s characters.")
                    % {"question": question.text, "limit": ANSWER_TEXT_MAX_LENGTH}
                )
            rows.append(Answer(question=question, text=text))
    return rows


def _has_feedback(**scope) -> bool:
    """Whether the scope has any response, released or still sealed."""
    return Response.objects.filter(**scope).exists() or PendingResponse.objects.filter(**scope).exists()


def _add_receipt(*, member: Member, **scope) -> None:
    """Write the member's receipt for a survey: one insert, whatever the survey's size.

    A survey's responses are all released at once, at its close, in one random order, so the
    receipts' order (arrival) pairs with nothing readable: the pending envelopes beside them are
    sealed, and the released responses are in an order of their own.
    """
    try:
        with transaction.atomic():
            Receipt.objects.create(member=member, **scope)
    except IntegrityError:
        raise FeedbackError(_("You have already responded. Thank you!")) from None


def _rewrite_receipts(*, member: Member | None = None, **scope) -> None:
    """Add the member's receipt (if any) and rewrite all of the scope's receipts in member order.

    A session releases its responses in batches of N, each written as a block; receipts kept in
    arrival order would say which members made up each block. Rewritten in member order, they
    say only who has responded. Two statements; the rows grow with the session, which is
    bounded by its places. A survey's receipts are inserted one by one while it is open
    (`_add_receipt`) and rewritten once, at its release.
    """
    members = set(Receipt.objects.filter(**scope).values_list("member_id", flat=True))
    if member is not None:
        if member.pk in members:
            raise FeedbackError(_("You have already responded. Thank you!"))
        members.add(member.pk)
    # No signals or cascades hang on receipts: one DELETE, without reading the rows first.
    Receipt.objects.filter(**scope)._raw_delete(Receipt.objects.db)
    try:
        with transaction.atomic():
            Receipt.objects.bulk_create(Receipt(member_id=pk, **scope) for pk in sorted(members))
    except IntegrityError:
        raise FeedbackError(_("You have already responded. Thank you!")) from None


def _hold_form(form: Form) -> None:
    """Keep `form`'s questions as they are until this submission commits.

    Sealed answers point at questions with no foreign key to stop an editor deleting them, so
    the submission takes a share lock on the form's row: an edit (which locks its versions for
    update, `update_form`) waits for it, then finds the form in use and makes a new version. On
    SQLite, writes are serialised anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM feedback_form WHERE id = %s FOR SHARE", [form.pk])


def _seal(rows: list[Answer], *, form: Form, band: str, **scope) -> PendingResponse:
    """Seal the checked answers as the scope's pending response.

    Sealed answers point at questions and options with no foreign key to refuse them, so before
    sealing, the questions and options answered are read again under a share lock: one an editor
    deleted since the form was read makes the member reload (as a foreign key would have), and
    none can be deleted until this submission commits.
    """
    _hold_answered(rows)
    label = scope_label(**{f"{name}_id": value.pk for name, value in scope.items()})
    answers = [[row.question_id, row.number, row.option_id, row.text] for row in rows]
    size = envelope_size(
        form.questions.annotate(options_count=Count("options")).values_list("kind", "options_count"),
        text_max=ANSWER_TEXT_MAX_LENGTH,
    )
    return PendingResponse.objects.create(
        form=form, year_band=band, envelope=seal({"answers": answers}, scope=label, size=size), **scope
    )


def _hold_answered(rows: list[Answer]) -> None:
    for model, ids in (
        (Question, {row.question_id for row in rows}),
        (Option, {row.option_id for row in rows if row.option_id is not None}),
    ):
        if not ids:
            continue
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"SELECT id FROM {table} WHERE id = ANY(%s) FOR SHARE", [list(ids)])  # noqa: S608
                found = {row[0] for row in cursor.fetchall()}
        else:
            found = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if found != ids:
            raise FeedbackError(_("The form has just been changed; reload the page and answer again."))


def _release(pending: list[PendingResponse]) -> int:
    """Open the envelopes and write them as responses, all in one random order; delete them.

    The responses get fresh random keys and are inserted shuffled, as are each one's answers,
    so neither the keys nor the table's physical order (SQLite's rowid, PostgreSQL's ctid) says
    anything about the order in which they were given. All or nothing: if any envelope cannot be
    opened (SECRET_KEY rotated without keeping the old one in SECRET_KEY_FALLBACKS), nothing is
    released — releasing the rest would show a smaller group than N — and the error is logged;
    the envelopes stay until the key is back. Returns how many were released. Runs under the
    caller's lock.
    """
    responses, answers = [], []
    _rng.shuffle(pending)
    payloads = []
    for envelope in pending:
        try:
            payload = unseal(envelope.envelope, scope=envelope.scope_label)
        except SealBroken:
            logger.error(
                "Responses to %s were not released: one cannot be opened with SECRET_KEY or "
                "SECRET_KEY_FALLBACKS. Put the key it was sealed with back among the fallbacks.",
                envelope.scope_label,
            )
            return 0
        payloads.append((envelope, payload["answers"]))
    # A question or option deleted since (only an admin's delete can, and only once the answers
    # were sealed): its answers mean nothing now, and must not stop the release.
    questions = set(Question.objects.filter(form__in={e.form_id for e, _a in payloads}).values_list("pk", flat=True))
    options = set(Option.objects.filter(question__in=questions).values_list("pk", flat=True))
    for envelope, given in payloads:
        response = Response(
            form_id=envelope.form_id,
            session_id=envelope.session_id,
            survey_id=envelope.survey_id,
            year_band=envelope.year_band,
        )
        rows = [
            Answer(response=response, question_id=question, number=number, option_id=option, text=text)
            for question, number, option, text in given
            if question in questions and (option is None or option in options)
        ]
        if len(rows) < len(given):
            logger.warning(
                "Answers to questions deleted since they were given were left out of %s.", envelope.scope_label
            )
        _rng.shuffle(rows)
        responses.append(response)
        answers.extend(rows)
    Response.objects.bulk_create(responses)
    Answer.objects.bulk_create(answers)
    PendingResponse.objects.filter(pk__in=[envelope.pk for envelope in pending]).delete()
    return len(responses)


def _release_if_due(session: Session) -> int:
    """Release the session's pending responses once there are FEEDBACK_MIN_RESPONSES of them.

    Results read released responses only, so what teachers and the committee see changes only
    in steps of N, never by one response they could pin on the member who just said "done".
    Runs under the caller's lock on the session's row.
    """
    pending = list(PendingResponse.objects.filter(session=session).order_by())
    if len(pending) < settings.FEEDBACK_MIN_RESPONSES:
        return 0
    return _release(pending)


def release_survey(survey: Survey, *, now: dt.datetime | None = None) -> int:
    """Release every response to `survey` if it has closed: all of them count, at once.

    While a survey is open its answers stay sealed and the committee sees only how many have
    answered; at the close they are opened together, in one random order, so there is nothing
    to compare before and after. The receipts are then rewritten in member order, so not even
    their arrival order is left. Locks the survey's row (a submission holds the same lock and
    re-checks the close), so no answer arrives after the release. Idempotent; returns how many
    were released now.

    A release never adds fewer than N to results already shown: a survey that had results
    before (one open when sealing began, whose batches were shown) keeps a smaller remainder
    sealed rather than show what a few people said by the difference.
    """
    now = now or timezone.now()
    if survey.closes_at > now:
        return 0
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.closes_at > now:
            return 0
        pending = list(PendingResponse.objects.filter(survey=locked).order_by())
        if not pending:
            return 0
        if len(pending) < settings.FEEDBACK_MIN_RESPONSES and Response.objects.filter(survey=locked).exists():
            return 0
        released = _release(pending)
        if released:
            _rewrite_receipts(survey=locked)
        return released


def release_due(*, now: dt.datetime | None = None) -> int:
    """Release whatever is due (beat runs it every few minutes): every survey that has closed, and
    any session with N pending that a submission did not release (one held back by a key that
    is now back among SECRET_KEY_FALLBACKS). Returns how many responses were released."""
    now = now or timezone.now()
    closed = Survey.objects.filter(closes_at__lte=now, pk__in=PendingResponse.objects.values("survey_id"))
    released = sum(release_survey(survey, now=now) for survey in closed)
    due = (
        PendingResponse.objects.filter(session__isnull=False)
        .values("session_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=settings.FEEDBACK_MIN_RESPONSES)
        .values("session_id")
    )
    for session_id in due:
        with transaction.atomic():
            locked = Session.objects.select_for_update().get(pk=session_id["session_id"])
            released += _release_if_due(locked)
    return released


def submit_response(
    *,
    member: Member,
    answers: dict,
    session: Session | None = None,
    survey: Survey | None = None,
    now: dt.datetime | None = None,
) -> PendingResponse:
    """Record the member's anonymous answers to a session's feedback or to a survey (exactly one).

    `answers` maps question pks to values (see `_answers_for`). Locks the session (or survey) row,
    re-checks eligibility and the receipt, pins the session's form (its first response fixes it),
    seals the answers as a pending response and writes the member's receipt. Nothing carries the
    member and a time together: the envelope has neither, the receipt no time. Survey responses
    carry the year band from the member's profile. `now` is when the response counts as given
    (the demo seeds past feedback); it is never stored.

    A session's pending responses are released together, shuffled, once it has
    FEEDBACK_MIN_RESPONSES of them (`_release_if_due`); a survey's when it closes
    (`release_survey`). Returns the pending response, which is gone once released.

    Raises FeedbackError when the member may not respond (not eligible, not open, already
    responded), an answer does not fit its question, or the form was changed while they answered.
    """
    if (session is None) == (survey is None):
        raise ValueError("A response is to a session or to a survey, not both or neither.")
    try:
        return _submit(member=member, answers=answers, session=session, survey=survey, now=now)
    except IntegrityError:
        # A question or option deleted by an edit made while the member was answering, caught by
        # a foreign key at a release. The receipt's own conflicts are turned into their message
        # inside `_rewrite_receipts` and `_add_receipt`; deleted questions before sealing in `_seal`.
        raise FeedbackError(_("The form has just been changed; reload the page and answer again.")) from None


def _submit(*, member: Member, answers: dict, session: Session | None, survey: Survey | None, now) -> PendingResponse:
    changed = _("The form has just been changed; reload the page and answer again.")
    with transaction.atomic():
        # Locks in the order a form edit takes them (`update_form`: the form, then the sessions
        # and surveys it moves): the form first, then the scope, then the form is checked again.
        if session is not None:
            form = form_for_session(Session.objects.select_related("feedback_form_choice__form").get(pk=session.pk))
            _hold_form(form)
            locked = Session.objects.select_for_update().get(pk=session.pk)
            check_can_respond_to_session(session=locked, member=member, now=now)
            if form_for_session(locked).pk != form.pk:
                raise FeedbackError(changed)
            # Pin the form on the first response, so a later change of default never splits a
            # session's answers across two forms.
            SessionForm.objects.get_or_create(session=locked, defaults={"form": form})
            rows = _answers_for(form=form, answers=answers, member=member)
            pending = _seal(rows, form=form, band="", session=locked)
            _rewrite_receipts(member=member, session=locked)
            _release_if_due(locked)
        else:
            form = Form.objects.get(surveys=survey.pk)
            _hold_form(form)
            locked = Survey.objects.select_for_update().get(pk=survey.pk)
            check_can_respond_to_survey(survey=locked, member=member, now=now)
            if locked.form_id != form.pk:
                raise FeedbackError(changed)
            if locked.closes_at <= timezone.now() and Response.objects.filter(survey=locked).exists():
                # Released all at once at its close; an answer after that would be shown alone.
                raise FeedbackError(_("This survey has closed and its results are out. Thank you!"))
            rows = _answers_for(form=form, answers=answers, member=member)
            pending = _seal(rows, form=form, band=YearBand.for_year(member.year_of_study), survey=locked)
            _add_receipt(member=member, survey=locked)
    return pending


def set_held_back(*, answer: Answer, held_back: bool, by) -> Answer:
    """Hold a free-text answer back from teachers (moderation), or release it.

    Only released free-text answers can be held back; raises FeedbackError otherwise. `by` is the
    moderator; it is not stored next to the answer, as that would date it.
    """
    if answer.question.kind != QuestionKind.TEXT:
        raise FeedbackError(_("Only written comments can be held back."))
    # Only released answers exist as answers: a pending one is sealed and cannot be moderated.
    if not Answer.objects.filter(pk=answer.pk).update(is_held_back=held_back):
        raise FeedbackError(_("This comment is no longer there."))
    answer.is_held_back = held_back
    return answer


# Building forms, and their versions


@dataclass(frozen=True)
class QuestionSpec:
    """A question as the builder describes it; options are (value, label) pairs."""

    kind: str
    text: str
    help_text: str = ""
    is_required: bool = True
    metric_key: str = ""
    is_for_teachers_only: bool = False
    options: tuple[tuple[str, str], ...] = ()


def specs_for(form: Form) -> list[QuestionSpec]:
    """The form's questions as specs, in order (prefetch `questions__options` to save queries)."""
    return [
        QuestionSpec(
            kind=q.kind,
            text=q.text,
            help_text=q.help_text,
            is_required=q.is_required,
            metric_key=q.metric_key,
            is_for_teachers_only=q.is_for_teachers_only,
            options=tuple((o.value, o.label) for o in q.options.all()),
        )
        for q in form.questions.all()
    ]


def _check_specs(questions: Sequence[QuestionSpec]) -> None:
    metrics = [spec.metric_key for spec in questions if spec.metric_key]
    if len(metrics) != len(set(metrics)):
        raise FeedbackError(_("Each metric can be measured by one question of a form only."))
    for spec in questions:
        kind = QuestionKind(spec.kind)
        if not spec.text.strip():
            raise FeedbackError(_("Every question needs its text."))
        if spec.metric_key and kind not in METRIC_KINDS[MetricKey(spec.metric_key)]:
            raise FeedbackError(
                _("“%(question)s” cannot measure “%(metric)s” as a question of this kind.")
                % {"question": spec.text, "metric": MetricKey(spec.metric_key).label}
            )
        if kind.has_options and len(spec.options) < 2:
            raise FeedbackError(_("“%s” needs at least two options.") % spec.text)
        if not kind.has_options and spec.options:
            raise FeedbackError(_("“%s” is not a choice question, so it has no options.") % spec.text)
        values = [value for value, _label in spec.options]
        if len(values) != len(set(values)) or not all(values):
            raise FeedbackError(_("The options of “%s” must differ from each other.") % spec.text)


def _write_questions(form: Form, questions: Sequence[QuestionSpec]) -> None:
    for position, spec in enumerate(questions, start=1):
        question = Question.objects.create(
            form=form,
            position=position,
            kind=spec.kind,
            text=spec.text.strip(),
            help_text=spec.help_text.strip(),
            is_required=spec.is_required,
            metric_key=spec.metric_key,
            is_for_teachers_only=spec.is_for_teachers_only,
        )
        Option.objects.bulk_create(
            Option(question=question, position=index, value=value, label=label)
            for index, (value, label) in enumerate(spec.options, start=1)
        )


def _free_family(title: str) -> str:
    base = slugify(title)[:50] or "form"
    taken = set(Form.objects.filter(family__startswith=base).values_list("family", flat=True))
    family, number = base, 1
    while family in taken:
        number += 1
        family = f"{base}-{number}"
    return family


def create_form(
    *, title: str, purpose: str, by: Member | None, intro: str = "", questions: Sequence[QuestionSpec] = ()
) -> Form:
    """A new form (version 1, current) with its questions. Raises FeedbackError for invalid questions."""
    _check_specs(questions)
    with transaction.atomic():
        form = Form.objects.create(
            family=_free_family(title), purpose=purpose, title=title.strip(), intro=intro.strip(), created_by=by
        )
        _write_questions(form, questions)
    return form


def update_form(*, form: Form, title: str, intro: str, questions: Sequence[QuestionSpec], by: Member | None) -> Form:
    """Save the builder's edit of a form; returns the form now current (compare its pk or version).

    A version nobody has answered, and no open session or survey uses, changes in place. A
    version with responses (or in use: `_is_in_use`) is never changed:
    the edit becomes the next version, which takes over as current (and as default, if the old
    one was), and sessions and surveys still without responses move to it; old answers keep
    pointing at the questions they answered. Locks the family's versions. Raises FeedbackError
    for invalid questions or when `form` is not the current version.
    """
    _check_specs(questions)
    with transaction.atomic():
        versions = list(Form.objects.select_for_update().filter(family=form.family).order_by("version"))
        current = next((v for v in versions if v.is_current), None)
        if current is None or current.pk != form.pk:
            raise FeedbackError(_("Someone has saved a newer version of this form; edit that one instead."))
        if not _is_in_use(current):
            current.title, current.intro = title.strip(), intro.strip()
            current.save(update_fields=["title", "intro"])
            current.questions.all().delete()
            _write_questions(current, questions)
            return current
        Form.objects.filter(pk=current.pk).update(is_current=False, is_default=False)
        successor = Form.objects.create(
            family=current.family,
            version=versions[-1].version + 1,
            purpose=current.purpose,
            title=title.strip(),
            intro=intro.strip(),
            is_default=current.is_default,
            created_by=by,
        )
        _write_questions(successor, questions)
        unanswered = ~Exists(Response.objects.filter(session=OuterRef("session_id"))) & ~Exists(
            PendingResponse.objects.filter(session=OuterRef("session_id"))
        )
        SessionForm.objects.filter(unanswered, form=current).update(form=successor)
        Survey.objects.filter(
            ~Exists(Response.objects.filter(survey=OuterRef("pk"))),
            ~Exists(PendingResponse.objects.filter(survey=OuterRef("pk"))),
            form=current,
        ).update(form=successor)
    return successor


def _is_in_use(form: Form, now: dt.datetime | None = None) -> bool:
    """Whether `form` has responses, or could get one any moment: a survey open now, or a session
    whose feedback window is open that uses it (its choice, or the default it follows). Editing
    such a form in place could change the questions under a member answering it."""
    now = now or timezone.now()
    if Response.objects.filter(form=form).exists() or PendingResponse.objects.filter(form=form).exists():
        return True
    if Survey.objects.filter(form=form, opens_at__lte=now, closes_at__gt=now).exists():
        return True
    open_sessions = Session.objects.filter(feedback_open(now=now), status__in=SessionStatus.held)
    uses_it = Q(feedback_form_choice__form=form)
    if form.is_default:
        uses_it |= Q(feedback_form_choice__isnull=True)
    return open_sessions.filter(uses_it).exists()


def new_version(*, form: Form, by: Member | None) -> Form:
    """Copy the current version `form` as the next version, to be edited (the admin's way in)."""
    form = Form.objects.prefetch_related("questions__options").get(pk=form.pk)
    return update_form(form=form, title=form.title, intro=form.intro, questions=specs_for(form), by=by)


def make_default(*, form: Form, by: Member | None) -> Form:
    """Make the current session form `form` the one sessions use unless they choose another.

    Sessions with responses keep the form they were answered on (`submit_response` pins it).
    """
    if form.purpose != FormPurpose.SESSION or not form.is_current:
        raise FeedbackError(_("Only the current version of a session form can be the default."))
    with transaction.atomic():
        Form.objects.filter(purpose=FormPurpose.SESSION, is_default=True).exclude(pk=form.pk).update(is_default=False)
        Form.objects.filter(pk=form.pk).update(is_default=True)
        # A session that had picked this form, and has no responses yet, now simply uses the
        # default; one with responses keeps its form pinned, whatever the default becomes.
        answered = Exists(Response.objects.filter(session=OuterRef("session_id"))) | Exists(
            PendingResponse.objects.filter(session=OuterRef("session_id"))
        )
        SessionForm.objects.filter(~answered, form=form).delete()
    form.is_default = True
    return form
