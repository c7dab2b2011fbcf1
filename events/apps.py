from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from members.closing import closing_forgets

# What the catalogue shows (events/cards.py): each model by its label, with the fields a save must
# write to change what is shown (None: any) and whether a new row does. The other apps' models are
# named, not imported, so events stays below them.
CATALOGUE_MODELS = {
    "events.Session": (None, True),
    "events.SessionTargetYear": (None, True),
    "events.Series": (None, True),
    "teachers.RosterEntry": (None, True),
    "attendance.Registration": (("session", "state", "mode"), True),  # the places left
    "members.Member": (("first_name", "last_name"), False),  # a teacher's name; a new member teaches nothing yet
}


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Sessions")

    def ready(self) -> None:
        # Imported here: these modules import models, not loaded until the app registry is ready.
        from events import (
            cards,
            closing,
            messages,  # noqa: F401 -- registers its message kinds and sweeps with notifications
        )

        for label, (fields, when_created) in CATALOGUE_MODELS.items():
            receiver = cards.changed_when_saved_with(fields, when_created=when_created)
            post_save.connect(receiver, sender=label, weak=False, dispatch_uid=f"catalogue-{label}")
            post_delete.connect(cards.catalogue_changed, sender=label, dispatch_uid=f"catalogue-deleted-{label}")
        closing_forgets.connect(closing.revoke_calendar, dispatch_uid="events.revoke_calendar")
