from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendance.enums import AttendanceSource, AttendanceStatus, Mode, RegistrationState
from members.enums import YearOfStudy


class RegistrationQuerySet(models.QuerySet):
    """The states and modes other apps ask about, by name. The events app reads registrations
    through `session.registrations` without importing this app, and these methods spare it (and
    everyone) spelling a state."""

    def active(self):
        """Places held and places on the waiting list: everything not cancelled."""
        return self.exclude(state=RegistrationState.CANCELLED)

    def holding_places(self):
        return self.filter(state=RegistrationState.REGISTERED)

    def in_person(self):
        return self.filter(mode=Mode.IN_PERSON)

    def online(self):
        return self.filter(mode=Mode.ONLINE)


class Registration(models.Model):
    """A member's place (or place in the queue) at a session, in one mode.

    One row per member and session, ever: cancelling marks it cancelled, registering again reuses
    it (at the back of the queue). The year of study is recorded at registration, so attendance
    by year stays right after the yearly rollover.
    """

    session = models.ForeignKey("events.Session", on_delete=models.CASCADE, related_name="registrations")
    # PROTECT: deleting a member would delete their places and change past attendance figures;
    # accounts are closed instead (`members.services.close_account`), which keeps the row.
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations")
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    state = models.CharField(_("state"), max_length=10, choices=RegistrationState.choices)
    year_of_study = models.PositiveSmallIntegerField(_("year of study"), choices=YearOfStudy.choices, null=True)
    # Queue order: the time of (re-)registering, with the primary key breaking ties.
    queued_at = models.DateTimeField(_("registered at"), default=timezone.now)
    promoted_at = models.DateTimeField(_("promoted from the waiting list at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    is_walk_in = models.BooleanField(_("walk-in"), default=False)
    # Attendance, once taken. Blank until then; after the register is taken, blank counts as absent.
    attendance = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus.choices, blank=True)
    attended_mode = models.CharField(_("attended"), max_length=10, choices=Mode.choices, blank=True)
    attendance_source = models.CharField(_("taken by"), max_length=10, choices=AttendanceSource.choices, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="registration_once_per_member"),
        ]
        indexes = [
            models.Index(fields=["session", "mode", "state", "queued_at"]),
            # The dashboard reads places session by session from the index alone (attendance,
            # participants); marking attendance therefore updates this index too, a cost that a
            # register of a few dozen rows does not notice.
            models.Index(
                fields=["session"],
                include=["member", "year_of_study", "attendance", "attended_mode", "mode"],
                condition=models.Q(state=RegistrationState.REGISTERED),
                name="registration_places_covering",
            ),
            # Sessions whose attendance came from an imported report (a few): no scan to find them.
            models.Index(
                fields=["session"], condition=models.Q(attendance_source="import"), name="registration_imported"
            ),
        ]

    def __str__(self):
        return f"{self.member} – {self.session} ({self.get_state_display()})"

    @property
    def is_active(self) -> bool:
        """Holding a place or waiting for one: not cancelled."""
        return self.state != RegistrationState.CANCELLED

    @property
    def holds_place(self) -> bool:
        """Registered, not on the waiting list or cancelled."""
        return self.state == RegistrationState.REGISTERED

    @property
    def is_waitlisted(self) -> bool:
        return self.state == RegistrationState.WAITLISTED

    @property
    def is_in_person(self) -> bool:
        return self.mode == Mode.IN_PERSON

    @property
    def is_online(self) -> bool:
        return self.mode == Mode.ONLINE

    @property
    def has_attended(self) -> bool:
        """Marked present or late (`AttendanceStatus.attended`)."""
        return self.attendance in AttendanceStatus.attended


class RegisterTaken(models.Model):
    """Marks that a session's register has been taken: from then on, no status means absent."""

    session = models.OneToOneField("events.Session", on_delete=models.CASCADE, related_name="register_taken")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)

    class Meta:
        verbose_name = _("register taken")
        verbose_name_plural = _("registers taken")

    def __str__(self):
        return f"{self.session}"


class AttendanceChange(models.Model):
    """One change to a registrant's attendance status: who made it, when, how, and the status
    before and after. Written by every service that sets a status (check-in, the register, a
    walk-in, an imported report), never edited, so a disputed certificate or register can be
    checked against its history."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="attendance_changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    source = models.CharField(_("how"), max_length=10, choices=AttendanceSource.choices)
    old_status = models.CharField(_("before"), max_length=10, choices=AttendanceStatus.choices, blank=True)
    new_status = models.CharField(_("after"), max_length=10, choices=AttendanceStatus.choices, blank=True)

    class Meta:
        verbose_name = _("attendance change")
        verbose_name_plural = _("attendance changes")
        ordering = ["changed_at", "pk"]
        indexes = [models.Index(fields=["registration", "changed_at"], name="attendance_change_history")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(old_status=models.F("new_status")), name="attendance_change_changes"
            )
        ]

    def __str__(self):
        return f"{self.registration}: {self.old_status or '–'} → {self.new_status or '–'}"
