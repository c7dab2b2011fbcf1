"""Forms of questions: which form a session's feedback uses, building forms and their versions.

Form edits lock the form's versions (its family) so that two editors cannot both make "version 2";
a version with responses (or in use) is never changed: editing it makes the next version.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from events.enums import SessionStatus
from events.feedback_window import feedback_open
from events.models import Session
from feedback.enums import (
    FormPurpose,
    MetricKey,
    QuestionKind,
)
from feedback.errors import FeedbackError
from feedback.models import (
    Form,
    FormChoice,
    Option,
    PendingResponse,
    Question,
    Response,
    Survey,
)
from members.models import Member

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


def _has_feedback(**scope) -> bool:
    """Whether the scope has any response, released or still sealed."""
    return Response.objects.filter(**scope).exists() or PendingResponse.objects.filter(**scope).exists()


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
            FormChoice.objects.filter(session=locked).delete()
        else:
            FormChoice.objects.update_or_create(session=locked, defaults={"form": form})
    return form


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
        # In primary-key order, as every lock on several rows is (docs/architecture.md, Locks).
        versions = list(Form.objects.select_for_update().filter(family=form.family).order_by("pk"))
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
            version=max(v.version for v in versions) + 1,
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
        FormChoice.objects.filter(unanswered, form=current).update(form=successor)
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
        FormChoice.objects.filter(~answered, form=form).delete()
    form.is_default = True
    return form
