import enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("Hybrid")

    @property
    def has_venue(self) -> bool:
        return self != SessionFormat.ONLINE

    @property
    def has_link(self) -> bool:
        return self != SessionFormat.IN_PERSON


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    PUBLISHED = "published", _("Published")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")

    # Sessions that take or took place: published in the catalogue, or completed after their end.
    held = enum.nonmember(("published", "completed"))


# The fields whose change registrants must hear about (the notifications outbox reads the log).
TRACKED_FIELDS = ("starts_at", "ends_at", "venue", "meeting_url", "status")
