from django.db import migrations, models


class Migration(migrations.Migration):
    """Message.subject_type / subject_id → about_type / about_id: the columns are renamed in place
    (no data is touched), and `message_once_per_cause` names the renamed fields. In the database
    the constraint follows its columns' new names by itself, so it changes only in the state."""

    dependencies = [
        ("notifications", "0002_account_messages"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveConstraint(model_name="message", name="message_once_per_cause")],
        ),
        migrations.RenameField(model_name="message", old_name="subject_type", new_name="about_type"),
        migrations.RenameField(model_name="message", old_name="subject_id", new_name="about_id"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddConstraint(
                    model_name="message",
                    constraint=models.UniqueConstraint(
                        fields=("kind", "recipient", "about_type", "about_id", "occurrence"),
                        name="message_once_per_cause",
                    ),
                ),
            ],
        ),
    ]
