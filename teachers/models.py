from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from teachers.enums import TeachingRole


class RosterEntry(models.Model):
    """Who teaches a session: one lead, any number of co-teachers."""

    session = models.ForeignKey("events.Session", on_delete=models.CASCADE, related_name="roster")
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="roster_entries")
    role = models.CharField(_("role"), max_length=10, choices=TeachingRole.choices)

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster")
        ordering = ["-role", "pk"]  # "lead" sorts after "co_teacher": the lead comes first
        constraints = [
            models.UniqueConstraint(fields=["session", "teacher"], name="roster_teacher_once_per_session"),
            models.UniqueConstraint(
                fields=["session"], condition=models.Q(role=TeachingRole.LEAD), name="roster_one_lead_per_session"
            ),
        ]

    def __str__(self):
        return f"{self.teacher} ({self.get_role_display()}) – {self.session}"
