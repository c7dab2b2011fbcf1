"""Anonymous responses: who may give feedback on a session, sealed submissions, releases and
moderation.

Anonymity (see `feedback.anonymity`): a response is written sealed, as a `PendingResponse` with no
member and no time, beside the member's `Receipt` in the same transaction. Releases open the
envelopes and write them as responses in random order: a session's when it has N, a survey's
all at once when it closes.

Locking: a submission locks its scope's row (the session, or the survey) with SELECT … FOR UPDATE,
then re-checks the receipt; the receipt's unique constraints are the backstop. A submission holds
its form (`_hold_form`) so that an edit of the form waits for it.
"""

import datetime as dt
import logging
import random

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.enums import AttendanceStatus, RegistrationState
from attendance.models import RegisterTaken, Registration
from events.enums import SessionStatus
from events.feedback_window import feedback_closes_at
from events.models import Session
from events.permissions import teaches
from feedback.enums import (
    ANSWER_TEXT_MAX_LENGTH,
    SCALE_VALUES,
    QuestionKind,
    YearBand,
)
from feedback.errors import FeedbackError, date_and_time_shown, date_shown
from feedback.models import (
    Answer,
    Form,
    FormChoice,
    Option,
    PendingResponse,
    Question,
    Receipt,
    Response,
    Survey,
    scope_label,
)
from feedback.sealing import SealBroken, envelope_size, seal, unseal
from feedback.services.forms import form_for_session
from feedback.services.surveys import check_can_respond_to_survey
from members.models import Member
from members.permissions import is_teacher

logger = logging.getLogger(__name__)

# Shuffles each release (and each imported past survey). A module attribute so a test can swap
# in a known order.
shuffler = random.SystemRandom()


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
        raise FeedbackError(_("Feedback opens when the session ends, at %s.") % date_and_time_shown(session.ends_at))
    closes_at = feedback_closes_at(session)
    if now >= closes_at:
        raise FeedbackError(_("Feedback on this session closed on %s.") % date_shown(closes_at))


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
    shuffler.shuffle(pending)
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
        shuffler.shuffle(rows)
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
            FormChoice.objects.get_or_create(session=locked, defaults={"form": form})
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
