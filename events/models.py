import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.enums import SessionFormat, SessionStatus
from members.enums import YearOfStudy


class Series(models.Model):
    """A run of related sessions, e.g. “Year 2 pathology revision”."""

    title = models.CharField(_("title"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["title"]

    def __str__(self):
        return self.title


# The years a session may be in: a typo such as 0001 or 20266 would otherwise be accepted as a
# completed session and add hours to teaching certificates and the dashboard.
SESSION_YEARS = range(2000, 2101)
_EARLIEST = dt.datetime(SESSION_YEARS.start, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(SESSION_YEARS.stop, 1, 1, tzinfo=dt.UTC)


class Session(models.Model):
    """One teaching session, online, in person or both."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    topic = models.CharField(_("topic"), max_length=100, blank=True, help_text=_("e.g. Cardiology"))
    series = models.ForeignKey(
        Series, verbose_name=_("series"), null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    format = models.CharField(_("format"), max_length=10, choices=SessionFormat.choices)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    meeting_url = models.URLField(_("meeting link"), blank=True, help_text=_("Teams, Zoom or another link."))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    is_open_to_all_years = models.BooleanField(
        _("open to all years"),
        default=False,
        help_text=_("Members of any year may register, not only the years above."),
    )
    capacity = models.PositiveIntegerField(
        _("in-person places"), null=True, blank=True, help_text=_("Leave blank for no limit.")
    )
    online_capacity = models.PositiveIntegerField(
        _("online places"), null=True, blank=True, help_text=_("Hybrid sessions only; blank for no limit.")
    )
    status = models.CharField(_("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.DRAFT)
    review_comment = models.TextField(_("committee's comment"), blank=True)
    cancellation_reason = models.TextField(_("reason for cancelling"), blank=True)
    recording_url = models.URLField(_("recording link"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sessions_created",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # iCalendar SEQUENCE: raised whenever attendees' calendars must update (time, place, cancellation).
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0, editable=False)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__gte=_EARLIEST, ends_at__lt=_LATEST), name="session_in_a_sane_year"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=SessionStatus.CANCELLED) | ~models.Q(cancellation_reason=""),
                name="session_cancelled_with_reason",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == SessionStatus.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == SessionStatus.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def is_hybrid(self) -> bool:
        return self.format == SessionFormat.HYBRID

    @property
    def duration_hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600

    @property
    def in_person_places_left(self) -> int | None:
        """Needs the `in_person_taken` annotation (events.selectors.with_places_taken); None = no limit."""
        if self.capacity is None or self.format == SessionFormat.ONLINE:
            return None
        return max(self.capacity - self.in_person_taken, 0)

    @property
    def online_places_left(self) -> int | None:
        """Needs the `online_taken` annotation; online places are limited in hybrid sessions only."""
        if self.online_capacity is None or self.format != SessionFormat.HYBRID:
            return None
        return max(self.online_capacity - self.online_taken, 0)

    @property
    def target_year_numbers(self) -> list[int]:
        # Reads the prefetched target years (selectors prefetch them), never a query per session.
        return sorted(t.year for t in self.target_years.all())


class SessionTargetYear(models.Model):
    """A year of study a session is meant for; a session has one or more."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="target_years")
    year = models.PositiveSmallIntegerField(_("year of study"), choices=YearOfStudy.choices)

    class Meta:
        verbose_name = _("target year")
        verbose_name_plural = _("target years")
        constraints = [
            models.UniqueConstraint(fields=["session", "year"], name="session_target_year_unique"),
            models.CheckConstraint(condition=models.Q(year__range=(1, 6)), name="session_target_year_1_to_6"),
        ]
        indexes = [models.Index(fields=["year", "session"])]

    def __str__(self):
        return f"{self.session} – {self.get_year_display()}"


class SessionChange(models.Model):
    """A change to a session that registrants must be told about (time, venue, link, status)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(_("field"), max_length=30)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("session change")
        verbose_name_plural = _("session changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.session}: {self.field}"


class CalendarToken(models.Model):
    """The secret in a member's personal calendar subscription URL; resetting it revokes the old URL."""

    member = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar token")
        verbose_name_plural = _("calendar tokens")

    def __str__(self):
        return f"{self.member}"


def _material_path(material: "Material", filename: str) -> str:
    # A random folder per upload: names never collide and cannot be guessed from the session.
    return f"materials/{material.session_id}/{secrets.token_hex(8)}/{filename}"


class Material(models.Model):
    """Slides, handouts or a link for a session; for its attendees and teachers only."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=_material_path, blank=True, max_length=300)
    url = models.URLField(_("link"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(file="") & ~models.Q(url="")) | (~models.Q(file="") & models.Q(url="")),
                name="material_file_or_link",
            )
        ]

    def __str__(self):
        return self.title
