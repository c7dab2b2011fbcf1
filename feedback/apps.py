from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from attendance.feedback import feedback_due_asked


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Feedback")

    def ready(self):
        # Imported here: these modules import models, not loaded until the registry is ready.
        from feedback import (
            messages,  # noqa: F401 -- registers its message kinds with notifications
            selectors,
        )

        feedback_due_asked.connect(selectors.owing_feedback, dispatch_uid="feedback.owing_feedback")
