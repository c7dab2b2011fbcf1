from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from members.closing import closing_blockers_asked, closing_forgets


class TeachersConfig(AppConfig):
    name = "teachers"
    verbose_name = _("Teachers")

    def ready(self):
        # Imported here: these modules import models, not loaded until the registry is ready.
        from teachers import (
            closing,
            messages,  # noqa: F401 -- registers its message kinds with notifications
        )

        closing_blockers_asked.connect(closing.roster_blockers, dispatch_uid="teachers.roster_blockers")
        closing_forgets.connect(closing.forget_teaching, dispatch_uid="teachers.forget_teaching")
