"""Reading feedback back: anonymous, aggregated results for one session, for all of a teacher's
sessions and for a survey (by year band), the survey's research export, and the lists behind
moderation and the survey pages.

Everything is counted in the database — one GROUP BY per kind of figure, by question and value and,
for a breakdown, by session or year band — never a query per question. Python only adds groups up
and applies the rules below.

The minimum-N rule (N = settings.FEEDBACK_MIN_RESPONSES, 5 by default)
---------------------------------------------------------------------
0. Only released responses count (see `feedback.anonymity`): a session's are released in batches
   of N, a survey's all at once when it closes (until then only how many have answered is shown).
1. A session's results are shown only once it has at least N responses; below that its page says
   "n responses, not enough to show" (n is a count of people, not what they said).
2. In results that are shown, a question answered by fewer than N people (an optional question)
   shows how many answered and nothing else: no distribution, mean or agreement.
3. No figure lets a hidden group be worked out by subtraction:
   - A teacher's results across their sessions add up exactly the figures shown on the sessions'
     own pages: a session counts only if it has N responses, and each of its questions only if that
     session's answers to it reach N. Otherwise "all my sessions" minus the sessions shown would
     give away a small session, or a small optional question within one.
     The teaching portfolio reads these same results (`teacher_results`, with each counted
     session's own figures in `QuestionResult.by_session`), so it never shows more than they do.
   - A survey question is broken down by year band only when every band with answers — the group
     whose year was not recorded included — reaches N. Otherwise only the overall column is shown
     (if it reaches N), because overall minus one band would give the other.
   - The survey's research export has no rows until the survey has N responses, and writes the
     band only when every band × role-in-society group and every band × "answered the teachers'
     questions" group with responses reaches N (a lone band could single someone out). Written
     answers are exported apart, with their question only, so a comment is no join key.
   - A survey comment shows its band (on the coding screen, theme examples, disagreements, the
     coded-comments export) and can be filtered by band only when every band with released
     responses in that survey reaches N (`surveys_showing_bands`).
4. Free-text comments are single answers, not aggregates: they come with results that pass rule 1,
   in the order of their random key (which says nothing about when they arrived). Teachers never
   see comments the committee has held back.

Percentages are of the people who answered the question (so a multiple-choice question's can add
up to more than 100), to one decimal place; `agree_pct` is the share answering 4 or 5 on a Likert
question (the dashboard gives it for rating questions too).
"""

from feedback.results.counting import Bar, Comment, Figures, QuestionResult, Results, mean_of, minimum_responses
from feedback.results.moderation import comments_for_moderation, sessions_with_comments
from feedback.results.sessions import (
    SessionCount,
    TeacherResults,
    session_results,
    sessions_with_feedback_taught_by,
    teacher_results,
)
from feedback.results.surveys import (
    SurveyResults,
    survey_comments_export,
    survey_export,
    survey_results,
    survey_status,
    surveys_for_committee,
    surveys_showing_bands,
)

__all__ = [
    "Bar",
    "Comment",
    "Figures",
    "QuestionResult",
    "Results",
    "SessionCount",
    "SurveyResults",
    "TeacherResults",
    "comments_for_moderation",
    "mean_of",
    "minimum_responses",
    "session_results",
    "sessions_with_comments",
    "sessions_with_feedback_taught_by",
    "survey_comments_export",
    "survey_export",
    "survey_results",
    "survey_status",
    "surveys_for_committee",
    "surveys_showing_bands",
    "teacher_results",
]
