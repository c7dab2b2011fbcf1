import enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class RegistrationState(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")

    # The statuses that count as having attended (certificates, feedback, the dashboard's rate).
    attended = enum.nonmember(("present", "late"))


class AttendanceSource(models.TextChoices):
    """How the attendance was taken."""

    QR = "qr", _("QR code")
    CODE = "code", _("Typed code")
    TEACHER = "teacher", _("Register")
    IMPORT = "import", _("Imported report")
