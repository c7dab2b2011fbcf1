"""Writes for feedback: forms and their versions, surveys, anonymous responses and moderation.

Anonymity (see `feedback.anonymity`): a response is written with no member, no time and a random
key; the member's `Receipt` is written in the same transaction, and the scope's receipts are then
rewritten in member order so that their physical order does not follow the order of arrival.

Locking: a submission locks its scope's row (the session, or the survey) with SELECT … FOR UPDATE,
then re-checks the receipt; the receipt's unique constraints are the backstop. Form edits lock the
form's versions (its family) so that two editors cannot both make "version 2".
"""

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from attendance.enums import AttendanceStatus, RegistrationState
from attendance.models import RegisterTaken, Registration
from events.enums import SessionStatus
from events.models import Session
from feedback.enums import SCALE_VALUES, FormPurpose, MetricKey, QuestionKind, YearBand
from feedback.models import Answer, Form, Option, Question, Receipt, Response, SessionForm, Survey, SurveyYear
from members.models import Member
from members.permissions import is_teacher

# Shuffles each released batch. A module attribute so a test can swap in a known order.
_rng = random.SystemRandom()

# Longest written answer kept; a comment box, not an essay.
ANSWER_TEXT_MAX_LENGTH = 2000

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
        if Response.objects.filter(session=locked).exists():
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
    and never to its own teachers, whatever the register says.
    """
    now = now or timezone.now()
    if session.status == SessionStatus.CANCELLED:
        raise FeedbackError(_("This session was cancelled, so there is no feedback to give."))
    if session.status not in SessionStatus.held:
        raise FeedbackError(_("This session has not taken place."))
    if Receipt.objects.filter(session=session, member=member).exists():
        raise FeedbackError(_("You have already given feedback on this session. Thank you!"))
    if session.roster.filter(teacher=member).exists():
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
    closes_at = session.ends_at + dt.timedelta(days=settings.FEEDBACK_WINDOW_DAYS)
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


def _rewrite_receipts(*, member: Member, **scope) -> None:
    """Add the member's receipt and rewrite all of the scope's receipts in member order.

    Deleting and re-inserting them all (not only the newcomer, nor only those not yet released)
    matters: the new rows get consecutive keys and physical places in member order, so neither
    the key sequence nor the table's order shows whose receipt came last, nor which receipts
    belong to which released batch of responses (a batch with one year-1 member, or one teacher,
    would otherwise give that member's response away). Two statements whatever the size; the
    rows written grow with the scope (`bench/survey_submissions.py` measures it).
    """
    members = set(Receipt.objects.filter(**scope).values_list("member_id", flat=True))
    if member.pk in members:
        raise FeedbackError(_("You have already responded. Thank you!"))
    # No signals or cascades hang on receipts: one DELETE, without reading the rows first.
    Receipt.objects.filter(**scope)._raw_delete(Receipt.objects.db)
    try:
        with transaction.atomic():
            Receipt.objects.bulk_create(Receipt(member_id=pk, **scope) for pk in sorted(members | {member.pk}))
    except IntegrityError:
        raise FeedbackError(_("You have already responded. Thank you!")) from None


def _release_if_due(**scope) -> bool:
    """Release the scope's pending responses once there are FEEDBACK_MIN_RESPONSES of them.

    Results read released responses only, so what teachers and the committee see changes only
    in steps of N, never by one response they could pin on the member who just said "done".
    At release the batch is rewritten in random order — read, deleted (answers cascade) and
    re-inserted with the same keys — so the table's physical order (SQLite rowid, PostgreSQL
    ctid) within a release says nothing about arrival. Pending responses have no codings and
    no held-back flags (nothing unreleased is ever shown), so deleting them loses nothing.
    Runs under the caller's lock on the scope's row.
    """
    pending = list(Response.objects.filter(is_released=False, **scope).order_by())
    if len(pending) < settings.FEEDBACK_MIN_RESPONSES:
        return False
    answers = list(Answer.objects.filter(response__in=pending).order_by())
    by_response = defaultdict(list)
    for answer in answers:
        by_response[answer.response_id].append(answer)
    Response.objects.filter(pk__in=[response.pk for response in pending]).delete()
    _rng.shuffle(pending)
    for response in pending:
        response.is_released = True
        _rng.shuffle(by_response[response.pk])
    Response.objects.bulk_create(pending)
    Answer.objects.bulk_create(answer for response in pending for answer in by_response[response.pk])
    return True


def submit_response(
    *,
    member: Member,
    answers: dict,
    session: Session | None = None,
    survey: Survey | None = None,
    now: dt.datetime | None = None,
) -> Response:
    """Record the member's anonymous answers to a session's feedback or to a survey (exactly one).

    `answers` maps question pks to values (see `_answers_for`). Locks the session (or survey) row,
    re-checks eligibility and the receipt, pins the session's form (its first response fixes it),
    writes the response, its answers and the member's receipt, then rewrites the scope's receipts
    in member order. The response carries no member and no time; survey responses carry the year
    band from the member's profile. `now` is when the response counts as given (the demo seeds
    past feedback); it is never stored.

    The response starts unreleased; when the scope has FEEDBACK_MIN_RESPONSES unreleased ones,
    they are released together in shuffled order (`_release_if_due`).

    Raises FeedbackError when the member may not respond (not eligible, not open, already
    responded), an answer does not fit its question, or the form was changed while they answered.
    """
    if (session is None) == (survey is None):
        raise ValueError("A response is to a session or to a survey, not both or neither.")
    try:
        return _submit(member=member, answers=answers, session=session, survey=survey, now=now)
    except IntegrityError:
        # A question or option deleted by an edit made while the member was answering: the
        # foreign keys (checked at commit) refuse the answers. The receipt's own conflicts are
        # turned into their message inside `_rewrite_receipts`.
        raise FeedbackError(_("The form has just been changed; reload the page and answer again.")) from None


def _submit(*, member: Member, answers: dict, session: Session | None, survey: Survey | None, now) -> Response:
    with transaction.atomic():
        if session is not None:
            locked = Session.objects.select_for_update().get(pk=session.pk)
            check_can_respond_to_session(session=locked, member=member, now=now)
            form = form_for_session(locked)
            # Pin the form on the first response, so a later change of default never splits a
            # session's answers across two forms.
            SessionForm.objects.get_or_create(session=locked, defaults={"form": form})
            scope, band = {"session": locked}, ""
        else:
            locked = Survey.objects.select_for_update().get(pk=survey.pk)
            check_can_respond_to_survey(survey=locked, member=member, now=now)
            form = locked.form
            scope, band = {"survey": locked}, YearBand.for_year(member.year_of_study)
        rows = _answers_for(form=form, answers=answers, member=member)
        response = Response.objects.create(form=form, year_band=band, **scope)
        for row in rows:
            row.response = response
        Answer.objects.bulk_create(rows)
        _rewrite_receipts(member=member, **scope)
        response.is_released = _release_if_due(**scope)
    return response


def set_held_back(*, answer: Answer, held_back: bool, by) -> Answer:
    """Hold a free-text answer back from teachers (moderation), or release it.

    Only released free-text answers can be held back; raises FeedbackError otherwise. `by` is the
    moderator; it is not stored next to the answer, as that would date it.
    """
    if answer.question.kind != QuestionKind.TEXT:
        raise FeedbackError(_("Only written comments can be held back."))
    # An unreleased answer is shown nowhere, and its release rewrites it: nothing to moderate yet.
    if not Answer.objects.filter(pk=answer.pk, response__is_released=True).update(is_held_back=held_back):
        raise FeedbackError(_("This comment is not shown yet, so there is nothing to hold back."))
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
        unanswered = ~Exists(Response.objects.filter(session=OuterRef("session_id")))
        SessionForm.objects.filter(unanswered, form=current).update(form=successor)
        Survey.objects.filter(~Exists(Response.objects.filter(survey=OuterRef("pk"))), form=current).update(
            form=successor
        )
    return successor


def _is_in_use(form: Form, now: dt.datetime | None = None) -> bool:
    """Whether `form` has responses, or could get one any moment: a survey open now, or a session
    whose feedback window is open that uses it (its choice, or the default it follows). Editing
    such a form in place could change the questions under a member answering it."""
    now = now or timezone.now()
    if Response.objects.filter(form=form).exists():
        return True
    if Survey.objects.filter(form=form, opens_at__lte=now, closes_at__gt=now).exists():
        return True
    open_sessions = Session.objects.filter(
        status__in=SessionStatus.held,
        ends_at__lte=now,
        ends_at__gt=now - dt.timedelta(days=settings.FEEDBACK_WINDOW_DAYS),
    )
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
        answered = Exists(Response.objects.filter(session=OuterRef("session_id")))
        SessionForm.objects.filter(~answered, form=form).delete()
    form.is_default = True
    return form
