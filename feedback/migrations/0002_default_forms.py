"""The forms MedEd ships with: the default feedback form for sessions and the society's annual
survey (the instrument of the society's published evaluation). Question texts are data, written
in British English; the metric keys are what the dashboard reads."""

from django.db import migrations

SESSION_FAMILY = "session-feedback"
SURVEY_FAMILY = "society-survey"

# (kind, text, help text, required, metric key, for teachers only, options as (value, label))
SESSION_QUESTIONS = [
    ("rating", "Overall, how would you rate this session?", "", True, "overall", False, []),
    ("rating", "How would you rate the quality of the teaching?", "", True, "teaching_quality", False, []),
    ("likert", "This session improved my knowledge of the topic.", "", True, "knowledge", False, []),
    (
        "rating",
        "How confident did you feel about this topic before the session?",
        "1 = not at all confident, 5 = very confident.",
        True,
        "confidence_before",
        False,
        [],
    ),
    (
        "rating",
        "How confident do you feel about this topic after the session?",
        "1 = not at all confident, 5 = very confident.",
        True,
        "confidence_after",
        False,
        [],
    ),
    ("likert", "This session motivated me to study.", "", True, "motivation", False, []),
    ("likert", "I feel part of a community of peers.", "", True, "community", False, []),
    (
        "single",
        "Which format would you prefer for sessions like this?",
        "",
        True,
        "format_preference",
        False,
        [("online", "Online"), ("in_person", "In person"), ("no_preference", "No preference")],
    ),
    ("text", "What went well?", "Please do not name other students.", False, "went_well", False, []),
    ("text", "What could be improved?", "Please be kind and specific.", False, "improve", False, []),
]

# Year of study is not asked: it is taken from the member's profile and kept as a band only.
SURVEY_QUESTIONS = [
    (
        "single",
        "How often do you attend your medical school's lectures in person or live online?",
        "",
        True,
        "lecture_attendance",
        False,
        [
            ("always", "All or nearly all of them"),
            ("mostly", "Most of them"),
            ("sometimes", "About half of them"),
            ("rarely", "A few of them"),
            ("never", "None of them"),
        ],
    ),
    (
        "single",
        "Which format do you prefer for teaching sessions?",
        "",
        True,
        "format_preference",
        False,
        [("online", "Online"), ("in_person", "In person")],
    ),
    (
        "single",
        "What is your role in the society?",
        "",
        True,
        "society_role",
        False,
        [
            ("attendee", "I attend sessions"),
            ("teacher", "I teach sessions"),
            ("both", "Both: I attend and I teach"),
            ("neither", "Neither"),
        ],
    ),
    ("likert", "The society's sessions have improved my knowledge.", "", True, "knowledge", False, []),
    ("likert", "The society's sessions have motivated me to study.", "", True, "motivation", False, []),
    ("likert", "The society gives me a sense of community.", "", True, "community", False, []),
    ("likert", "The society has made me more confident in my studies.", "", True, "confidence", False, []),
    (
        "multiple",
        "Why do you teach with the society?",
        "Tick all that apply.",
        True,
        "teaching_motivations",
        True,
        [
            ("helping_others", "Helping others"),
            ("transferable_skills", "Developing transferable skills such as presenting and leadership"),
            ("consolidating_knowledge", "Consolidating my own knowledge"),
            ("career", "Career and portfolio evidence"),
            ("enjoyment", "Enjoying teaching"),
            ("community", "Being part of the community"),
        ],
    ),
    (
        "text",
        "What does the society give you?",
        "Anything it adds to your studies, your career or your wellbeing.",
        False,
        "society_gives",
        False,
        [],
    ),
]

FORMS = [
    (
        SESSION_FAMILY,
        "session",
        "Feedback on this session",
        "Your answers are anonymous: teachers see only totals from several responses, never who said what.",
        True,
        SESSION_QUESTIONS,
    ),
    (
        SURVEY_FAMILY,
        "survey",
        "Annual society survey",
        "Tell us what the society means to you. Your answers are anonymous; we keep only whether you "
        "are in years 1–2 or 3–6, never your name.",
        False,
        SURVEY_QUESTIONS,
    ),
]


def create_forms(apps, schema_editor):
    Form = apps.get_model("feedback", "Form")
    Question = apps.get_model("feedback", "Question")
    Option = apps.get_model("feedback", "Option")
    for family, purpose, title, intro, is_default, questions in FORMS:
        if Form.objects.filter(family=family).exists():
            continue
        form = Form.objects.create(
            family=family, version=1, is_current=True, purpose=purpose, title=title, intro=intro, is_default=is_default
        )
        for position, (kind, text, help_text, required, metric, teachers_only, options) in enumerate(questions, 1):
            question = Question.objects.create(
                form=form,
                position=position,
                kind=kind,
                text=text,
                help_text=help_text,
                is_required=required,
                metric_key=metric,
                is_for_teachers_only=teachers_only,
            )
            Option.objects.bulk_create(
                Option(question=question, position=index, value=value, label=label)
                for index, (value, label) in enumerate(options, 1)
            )


def remove_forms(apps, schema_editor):
    # Refused by the database (PROTECT) once anyone has answered them, as it should be.
    apps.get_model("feedback", "Form").objects.filter(family__in=[SESSION_FAMILY, SURVEY_FAMILY]).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(create_forms, remove_forms)]
