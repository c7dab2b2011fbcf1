"""Forms, anonymous responses, receipts, surveys and thematic coding.

Anonymity is a property of these tables, not of the views: see `feedback.anonymity` for the
threat model. In short, a `Response` and its `Answer`s carry no member, no time and no
sequential key; a `Receipt` says only that a member has responded to a session or a survey.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feedback.enums import FormPurpose, ImportSource, InterviewRole, MetricKey, QuestionKind, YearBand
from members.enums import YearOfStudy


class Form(models.Model):
    """One version of a questionnaire.

    Versions of the same questionnaire share a `family`. A version that has responses is never
    changed in a way that alters their meaning: editing it makes the next version, which becomes
    the current one, and the old answers keep pointing at the questions they answered.
    """

    family = models.SlugField(_("family"), max_length=60, help_text=_("Shared by every version of this form."))
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    purpose = models.CharField(_("used for"), max_length=10, choices=FormPurpose.choices)
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True, help_text=_("Shown above the questions."))
    is_default = models.BooleanField(
        _("default for sessions"),
        default=False,
        help_text=_("Sessions use this form's current version unless they pick another."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("form")
        verbose_name_plural = _("forms")
        ordering = ["title", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="form_version_once"),
            models.UniqueConstraint(fields=["family"], condition=Q(is_current=True), name="form_one_current_version"),
            models.UniqueConstraint(
                fields=["purpose"],
                condition=Q(is_default=True, is_current=True),
                name="form_one_default_per_purpose",
            ),
        ]

    def __str__(self):
        return f"{self.title} (v{self.version})"


class Question(models.Model):
    """One question of one form version. Scales store 1–5; choices point at an `Option`."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    is_required = models.BooleanField(_("required"), default=True)
    metric_key = models.CharField(
        _("metric"),
        max_length=30,
        choices=MetricKey.choices,
        blank=True,
        help_text=_("What the dashboard reads this question as, if anything."),
    )
    # Survey questions shown only to members who teach (e.g. motivations for teaching).
    is_for_teachers_only = models.BooleanField(_("for teachers only"), default=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["form", "position"]
        constraints = [
            models.UniqueConstraint(fields=["form", "position"], name="question_position_once"),
            models.UniqueConstraint(
                fields=["form", "metric_key"], condition=~Q(metric_key=""), name="question_metric_once_per_form"
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def is_text(self) -> bool:
        return self.kind == QuestionKind.TEXT

    @property
    def is_rating(self) -> bool:
        return self.kind == QuestionKind.RATING

    @property
    def takes_several(self) -> bool:
        """A multiple-choice question: several options may be ticked."""
        return self.kind == QuestionKind.MULTIPLE


class Option(models.Model):
    """A choice of a single- or multiple-choice question. `value` is the stable key metrics count by."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(_("position"))
    label = models.CharField(_("label"), max_length=200)
    value = models.SlugField(_("value"), max_length=60)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="option_position_once"),
            models.UniqueConstraint(fields=["question", "value"], name="option_value_once"),
        ]

    def __str__(self):
        return self.label


class FormChoice(models.Model):
    """A session's choice of a form other than the default."""

    session = models.OneToOneField("events.Session", on_delete=models.CASCADE, related_name="feedback_form_choice")
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("session's feedback form")
        verbose_name_plural = _("sessions' feedback forms")

    def __str__(self):
        return f"{self.session}: {self.form}"


class Survey(models.Model):
    """A form sent to an audience (all members, or some years) for a period, not tied to a session."""

    title = models.CharField(_("title"), max_length=200)
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="surveys")
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="survey_closes_after_opening"),
        ]

    def __str__(self):
        return self.title


class SurveyYear(models.Model):
    """A year of study a survey is sent to. A survey without any is sent to every member."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="audience_years")
    year = models.PositiveSmallIntegerField(_("year of study"), choices=YearOfStudy.choices)

    class Meta:
        verbose_name = _("survey year")
        verbose_name_plural = _("survey years")
        constraints = [models.UniqueConstraint(fields=["survey", "year"], name="survey_year_once")]

    def __str__(self):
        return f"{self.survey}: {self.get_year_display()}"


class Interview(models.Model):
    """An interview of the society's evaluation, as its transcript's excerpts are coded.

    Only the pseudonym's number, the interviewee's role and the academic year: no name, no date,
    no timestamp and no file. Its excerpts are `Response`s (one each) of the interview form.
    """

    academic_year = models.CharField(_("academic year"), max_length=7, help_text=_("e.g. 2025-26"))
    participant = models.PositiveSmallIntegerField(_("participant number"))
    role = models.CharField(_("interviewee's role"), max_length=10, choices=InterviewRole.choices)

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        ordering = ["academic_year", "participant"]
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "participant"], name="interview_participant_once"),
        ]

    def __str__(self):
        return f"{self.pseudonym} ({self.academic_year})"

    @property
    def pseudonym(self) -> str:
        return _("Participant %s") % self.participant


class Response(models.Model):
    """One anonymous set of answers to a session's feedback or to a survey, released to results.

    No member, no timestamp, and a random key: see `feedback.anonymity`. A response exists only
    once released: until then it waits sealed as a `PendingResponse`, and each release writes its
    responses in random order. The year band is kept for surveys only (their results are read by
    band); a session's responses carry no band, as in a small session the band alone could
    single someone out.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="responses")
    session = models.ForeignKey(
        "events.Session", null=True, blank=True, on_delete=models.CASCADE, related_name="feedback_responses"
    )
    survey = models.ForeignKey(Survey, null=True, blank=True, on_delete=models.CASCADE, related_name="responses")
    # An interview's excerpt: one response per turn of the interviewee, coded like a comment.
    interview = models.ForeignKey(Interview, null=True, blank=True, on_delete=models.CASCADE, related_name="excerpts")
    year_band = models.CharField(_("year band"), max_length=10, choices=YearBand.choices, blank=True)
    # Brought in from a survey export (`SurveyImport`), not given in MedEd: no receipt exists for it.
    is_imported = models.BooleanField(_("imported"), default=False)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        # The key is random, so this order says nothing about when a response came in.
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=False, survey__isnull=True, interview__isnull=True)
                | Q(session__isnull=True, survey__isnull=False, interview__isnull=True)
                | Q(session__isnull=True, survey__isnull=True, interview__isnull=False),
                name="response_for_one_scope",
            ),
            models.CheckConstraint(
                condition=Q(survey__isnull=False) | Q(year_band=""), name="response_band_for_surveys_only"
            ),
        ]

    def __str__(self):
        return str(self.id)


class SurveyImport(models.Model):
    """One survey export brought into a survey: one release of its responses, all at once.

    Holds what the survey page says about it ("66 responses, all imported from Qualtrics") and the
    file's SHA-256, so the same file is never imported into the same survey twice. Nothing from
    the file's rows is kept here; its responses are ordinary `Response` rows marked as imported.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="imports")
    source = models.CharField(_("source"), max_length=20, choices=ImportSource.choices)
    file_sha256 = models.CharField(_("file's SHA-256"), max_length=64)
    responses = models.PositiveIntegerField(_("responses imported"))
    skipped = models.PositiveIntegerField(_("incomplete rows skipped"), default=0)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("survey import")
        verbose_name_plural = _("survey imports")
        ordering = ["survey", "imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "file_sha256"], name="survey_import_file_once"),
        ]

    def __str__(self):
        return f"{self.survey}: {self.get_source_display()} ({self.responses})"


class PendingResponse(models.Model):
    """A response given but not released yet: its answers sealed (`feedback.sealing`).

    Pending responses sit in the table in the order they arrived, so nothing in them may be
    readable: the envelope holds the answers, encrypted and padded. In the clear are only what
    releasing and counting need and what says nothing new — the scope, the form it answers (which
    the scope fixes) and, for surveys, the year band, which the committee may count while a
    survey is open (a member's band is on their profile anyway). Released at N for a session,
    and when it closes for a survey (`feedback.services`).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        "events.Session", null=True, blank=True, on_delete=models.CASCADE, related_name="pending_feedback"
    )
    survey = models.ForeignKey(
        Survey, null=True, blank=True, on_delete=models.CASCADE, related_name="pending_responses"
    )
    year_band = models.CharField(_("year band"), max_length=10, choices=YearBand.choices, blank=True)
    envelope = models.BinaryField(_("sealed answers"))

    class Meta:
        verbose_name = _("pending response")
        verbose_name_plural = _("pending responses")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=False, survey__isnull=True) | Q(session__isnull=True, survey__isnull=False),
                name="pending_for_session_or_survey",
            ),
            models.CheckConstraint(
                condition=Q(survey__isnull=False) | Q(year_band=""), name="pending_band_for_surveys_only"
            ),
        ]

    def __str__(self):
        return str(self.id)

    @property
    def scope_label(self) -> str:
        """What the envelope is sealed for: only an envelope of this scope opens here."""
        return scope_label(session_id=self.session_id, survey_id=self.survey_id)


def scope_label(*, session_id=None, survey_id=None) -> str:
    return f"session:{session_id}" if session_id is not None else f"survey:{survey_id}"


class Answer(models.Model):
    """One answer to one question. Multiple choice stores one row per option ticked.

    Free-text answers can be held back by the committee before teachers see them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    number = models.PositiveSmallIntegerField(_("value"), null=True, blank=True)
    option = models.ForeignKey(Option, null=True, blank=True, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField(_("text"), blank=True)
    is_held_back = models.BooleanField(_("held back from teachers"), default=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(number__range=(1, 5)), name="answer_scale_1_to_5"
            ),
            models.UniqueConstraint(
                fields=["response", "question"], condition=Q(option__isnull=True), name="answer_once_per_question"
            ),
            models.UniqueConstraint(
                fields=["response", "question", "option"],
                condition=Q(option__isnull=False),
                name="answer_option_once",
            ),
        ]

    def __str__(self):
        return f"{self.question}: {self.number or self.option or self.text[:40]}"


class Receipt(models.Model):
    """That a member has responded to a session's feedback or to a survey — and nothing else.

    No time and no link to the response (see `feedback.anonymity` for why their order is harmless).
    """

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_receipts")
    session = models.ForeignKey(
        "events.Session", null=True, blank=True, on_delete=models.CASCADE, related_name="feedback_receipts"
    )
    survey = models.ForeignKey(Survey, null=True, blank=True, on_delete=models.CASCADE, related_name="receipts")

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["member_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=False, survey__isnull=True) | Q(session__isnull=True, survey__isnull=False),
                name="receipt_for_session_or_survey",
            ),
            models.UniqueConstraint(
                fields=["member", "session"], condition=Q(session__isnull=False), name="receipt_once_per_session"
            ),
            models.UniqueConstraint(
                fields=["member", "survey"], condition=Q(survey__isnull=False), name="receipt_once_per_survey"
            ),
        ]

    def __str__(self):
        return f"{self.member} – {self.session or self.survey}"


class Theme(models.Model):
    """A theme of the thematic analysis, e.g. “Academic value”."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Code(models.Model):
    """A code in the codebook, grouped under a theme."""

    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="codes")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("code")
        verbose_name_plural = _("codes")
        ordering = ["theme__position", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["theme", "name"], name="code_name_once_per_theme")]

    def __str__(self):
        return self.name


class Coding(models.Model):
    """One coder's codes for one free-text answer; or, with `is_agreed`, the resolved codes.

    Two coders code independently (one row each); agreement is computed from their rows. When
    they disagree, the resolution is a third row marked agreed, which theme counts prefer.
    """

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="codings")
    codes = models.ManyToManyField(Code, blank=True, related_name="codings")
    is_agreed = models.BooleanField(_("agreed resolution"), default=False)
    coded_at = models.DateTimeField(_("coded at"), auto_now=True)

    class Meta:
        verbose_name = _("coding")
        verbose_name_plural = _("codings")
        constraints = [
            models.UniqueConstraint(
                fields=["answer", "coder"], condition=Q(is_agreed=False), name="coding_once_per_coder"
            ),
            models.UniqueConstraint(fields=["answer"], condition=Q(is_agreed=True), name="coding_one_agreed"),
        ]

    def __str__(self):
        return f"{self.answer_id} by {self.coder}"
