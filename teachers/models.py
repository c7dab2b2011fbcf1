from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.enums import YearOfStudy
from teachers.enums import ApplicationStatus, InvitationStatus, Motivation, TeachingRole


class RosterEntry(models.Model):
    """Who teaches a session: one lead, any number of co-teachers."""

    session = models.ForeignKey("events.Session", on_delete=models.CASCADE, related_name="roster")
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="roster_entries")
    role = models.CharField(_("role"), max_length=10, choices=TeachingRole.choices)
    # Recorded when the teacher joins the roster, as registrations record it, so the dashboard
    # counts a teacher in the year they were in when they taught, whatever the rollover did since.
    year_of_study = models.PositiveSmallIntegerField(_("year of study"), choices=YearOfStudy.choices, null=True)

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

    @property
    def is_lead(self) -> bool:
        """Whether this is the session's lead teacher: what `events.permissions` asks of the roster it
        reads through `session.roster` (events sits below teachers and does not import its enums)."""
        return self.role == TeachingRole.LEAD


class TeacherApplication(models.Model):
    """A member asking to teach; the committee approves (adding them to Teachers) or declines."""

    # PROTECT: the dashboard counts the motivations on approved applications; an account is
    # closed (the row kept), not deleted.
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="teacher_applications")
    subjects = models.TextField(_("subjects you can teach"))
    year_of_study = models.PositiveSmallIntegerField(_("year of study when applying"), null=True, blank=True)
    other_motivation = models.CharField(_("other motivation"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("applied at"), default=timezone.now)

    class Meta:
        verbose_name = _("teacher application")
        verbose_name_plural = _("teacher applications")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status=ApplicationStatus.PENDING),
                name="application_one_pending_per_member",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ApplicationStatus.DECLINED) | ~models.Q(decline_reason=""),
                name="application_declined_with_reason",
            ),
        ]

    def __str__(self):
        return f"{self.member} ({self.get_status_display()})"

    @property
    def motivation_values(self) -> list[str]:
        # Reads the prefetched motivations (selectors prefetch them).
        return [m.motivation for m in self.motivations.all()]


class ApplicationMotivation(models.Model):
    """One motivation ticked on an application: a row each, so the dashboard counts them in SQL."""

    application = models.ForeignKey(TeacherApplication, on_delete=models.CASCADE, related_name="motivations")
    motivation = models.CharField(_("motivation"), max_length=30, choices=Motivation.choices)

    class Meta:
        verbose_name = _("motivation")
        verbose_name_plural = _("motivations")
        constraints = [
            models.UniqueConstraint(fields=["application", "motivation"], name="application_motivation_once")
        ]

    def __str__(self):
        return self.get_motivation_display()


class CoTeachingInvitation(models.Model):
    """A lead teacher's invitation to another approved teacher to co-teach a session."""

    session = models.ForeignKey("events.Session", on_delete=models.CASCADE, related_name="co_teaching_invitations")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="co_teaching_invitations"
    )
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    responded_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("co-teaching invitation")
        verbose_name_plural = _("co-teaching invitations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "teacher"],
                condition=models.Q(status=InvitationStatus.PENDING),
                name="invitation_one_pending",
            )
        ]

    def __str__(self):
        return f"{self.teacher} → {self.session}"
