"""The codebook MedEd starts with: the three themes of the society's published evaluation, with
a few codes under each. The committee adds and renames codes as coding goes on."""

from django.db import migrations

CODEBOOK = [
    (
        "Academic value",
        "Knowledge and skills gained through the society's teaching.",
        [
            ("Knowledge and understanding", "Learning or consolidating content; filling gaps in the curriculum."),
            ("Exam preparation", "Revision, practice questions, OSCE and written exam readiness."),
            ("Teaching quality", "Clear, well-paced, interactive or relevant teaching."),
            ("Teaching skills", "Skills gained by teaching: presenting, explaining, preparing material."),
        ],
    ),
    (
        "Career prospects",
        "Longer-term professional benefits.",
        [
            ("Portfolio and applications", "Evidence for portfolios, foundation or specialty applications."),
            ("Career aspirations", "Interest in teaching, a specialty or academic medicine."),
            ("Professional development", "Leadership, organisation and professional skills."),
        ],
    ),
    (
        "Sense of community and wellbeing",
        "The social side: belonging, support and wellbeing.",
        [
            ("Belonging and peer support", "Feeling part of a community; support from peers across years."),
            ("Approachable near-peers", "Older students as approachable, relatable teachers and role models."),
            ("Confidence and wellbeing", "Feeling less anxious, more confident, supported in one's studies."),
            ("Inclusivity", "Teaching open to everyone, online access, feeling welcome."),
        ],
    ),
]


def create_codebook(apps, schema_editor):
    Theme = apps.get_model("feedback", "Theme")
    Code = apps.get_model("feedback", "Code")
    for position, (name, description, codes) in enumerate(CODEBOOK, 1):
        theme, _ = Theme.objects.get_or_create(name=name, defaults={"description": description, "position": position})
        for index, (code, code_description) in enumerate(codes, 1):
            Code.objects.get_or_create(
                theme=theme, name=code, defaults={"description": code_description, "position": index}
            )


def remove_codebook(apps, schema_editor):
    Theme = apps.get_model("feedback", "Theme")
    Code = apps.get_model("feedback", "Code")
    for name, _description, codes in CODEBOOK:
        Code.objects.filter(theme__name=name, name__in=[code for code, _ in codes], codings__isnull=True).delete()
        Theme.objects.filter(name=name, codes__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_default_forms")]

    operations = [migrations.RunPython(create_codebook, remove_codebook)]
