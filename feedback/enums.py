from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class FormPurpose(models.TextChoices):
    SESSION = "session", _("Feedback after a session")
    SURVEY = "survey", _("Survey")
    # The one form interview excerpts are stored under (`INTERVIEW_FAMILY`); not built by hand.
    INTERVIEW = "interview", _("Interview transcripts")

    @classmethod
    def built_by_hand(cls) -> list[tuple[str, str]]:
        return [(value, label) for value, label in cls.choices if value != cls.INTERVIEW]


class SurveyStatus(models.TextChoices):
    """Where a survey stands at a moment (`feedback.results.survey_status`), from its dates."""

    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class QuestionKind(models.TextChoices):
    LIKERT = "likert", _("Agreement (strongly disagree … strongly agree)")
    RATING = "rating", _("Rating from 1 to 5")
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    TEXT = "text", _("Free text")

    @property
    def is_scale(self) -> bool:
        return self in (QuestionKind.LIKERT, QuestionKind.RATING)

    @property
    def has_options(self) -> bool:
        return self in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


# The labels of the two five-point scales, by stored value.
LIKERT_LABELS = {
    1: _("Strongly disagree"),
    2: _("Disagree"),
    3: _("Neither agree nor disagree"),
    4: _("Agree"),
    5: _("Strongly agree"),
}
# A rating's two ends say what 1 and 5 mean; confidence runs from not at all to very confident,
# not from poor to excellent.
RATING_ENDS = (_("poor"), _("excellent"))
CONFIDENCE_RATING_ENDS = (_("not at all confident"), _("very confident"))


def _rating_labels(low, high) -> dict:
    return {1: format_lazy("1 – {}", low), 2: "2", 3: "3", 4: "4", 5: format_lazy("5 – {}", high)}


RATING_LABELS = _rating_labels(*RATING_ENDS)
CONFIDENCE_RATING_LABELS = _rating_labels(*CONFIDENCE_RATING_ENDS)
SCALE_VALUES = range(1, 6)
# Longest written answer kept; a comment box, not an essay.
ANSWER_TEXT_MAX_LENGTH = 2000
# A scale answer of 4 or 5 counts as agreeing (the dashboard's agree_pct).
AGREE_VALUES = (4, 5)


class MetricKey(models.TextChoices):
    """What a question measures, for the dashboard. At most one question per form carries each key."""

    OVERALL = "overall", _("Overall rating")
    TEACHING_QUALITY = "teaching_quality", _("Teaching quality")
    KNOWLEDGE = "knowledge", _("Knowledge")
    CONFIDENCE = "confidence", _("Confidence")
    CONFIDENCE_BEFORE = "confidence_before", _("Confidence before")
    CONFIDENCE_AFTER = "confidence_after", _("Confidence after")
    MOTIVATION = "motivation", _("Motivation")
    COMMUNITY = "community", _("Sense of community")
    FORMAT_PREFERENCE = "format_preference", _("Preferred format")
    LECTURE_ATTENDANCE = "lecture_attendance", _("Lecture attendance")
    SOCIETY_ROLE = "society_role", _("Role in the society")
    TEACHING_MOTIVATIONS = "teaching_motivations", _("Motivations for teaching")
    WENT_WELL = "went_well", _("What went well")
    IMPROVE = "improve", _("What could improve")
    SOCIETY_GIVES = "society_gives", _("What the society gives")


# Answers to the survey's lecture-attendance question that count as attending regularly: "all or
# nearly all" and "most" (the options' stable values in the society survey instrument).
REGULAR_LECTURE_ATTENDANCE = ("always", "mostly")


class ImportSource(models.TextChoices):
    """Where an imported survey export came from (told apart by the file's shape)."""

    QUALTRICS = "qualtrics", _("Qualtrics")
    MS_FORMS = "ms_forms", _("Microsoft Forms")
    GOOGLE_FORMS = "google_forms", _("Google Forms")


# The society survey instrument's form family (created by a data migration); imports use its
# current version.
SOCIETY_SURVEY_FAMILY = "society-survey"


# The form whose single free-text question holds interview excerpts (made on the first upload).
INTERVIEW_FAMILY = "interview-transcripts"


class InterviewRole(models.TextChoices):
    """What an interviewee does in the society."""

    ATTENDEE = "attendee", _("Attends sessions")
    TEACHER = "teacher", _("Teaches sessions")
    BOTH = "both", _("Both attends and teaches")


class YearBand(models.TextChoices):
    """The study's year-group bands."""

    YEARS_1_2 = "years_1_2", _("Years 1–2")
    YEARS_3_6 = "years_3_6", _("Years 3–6")

    @classmethod
    def for_year(cls, year_of_study: int | None) -> "YearBand | str":
        if year_of_study is None:
            return ""
        return cls.YEARS_1_2 if year_of_study <= 2 else cls.YEARS_3_6


CONFIDENCE_METRICS = (MetricKey.CONFIDENCE, MetricKey.CONFIDENCE_BEFORE, MetricKey.CONFIDENCE_AFTER)


def rating_ends(*, metric_key: str) -> tuple:
    """What 1 and 5 mean on a rating question, by what it measures."""
    return CONFIDENCE_RATING_ENDS if metric_key in CONFIDENCE_METRICS else RATING_ENDS


def scale_labels(*, kind: str, metric_key: str) -> dict:
    """The labels of a scale question's five points, by stored value: the question's kind and
    what it measures decide them, so the form and its results say the same as the help text."""
    if kind == QuestionKind.LIKERT:
        return LIKERT_LABELS
    return CONFIDENCE_RATING_LABELS if metric_key in CONFIDENCE_METRICS else RATING_LABELS
