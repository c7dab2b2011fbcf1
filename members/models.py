from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.enums import YearChangeSource, YearOfStudy, YearRequestState


class MemberManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("A member needs an email address.")
        member = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            member.set_password(password)
        else:
            member.set_unusable_password()
        member.save(using=self._db)
        return member

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class Member(AbstractBaseUser, PermissionsMixin):
    """A member of the society: signs in with a university email address.

    Roles (Teachers, Committee) are groups. Staff who are not students have no year of study.
    """

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    year_of_study = models.PositiveSmallIntegerField(
        _("year of study"), choices=YearOfStudy.choices, null=True, blank=True
    )
    entry_year = models.PositiveSmallIntegerField(
        _("entry year"),
        null=True,
        blank=True,
        help_text=_("The calendar year you started medical school, e.g. 2024."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False, help_text=_("Can sign in to the admin site."))
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    graduated_on = models.DateField(_("graduated on"), null=True, blank=True)
    # Set when the account is closed (`members.services.close_account`): the row stays, without
    # name, address or login, so the registrations and teaching that point at it stay counted.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("closed by")
    )

    objects = MemberManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="member_email_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(year_of_study__isnull=True) | models.Q(year_of_study__range=(1, 6)),
                name="member_year_of_study_1_to_6",
            ),
            models.CheckConstraint(
                condition=models.Q(entry_year__isnull=True) | models.Q(entry_year__range=(1950, 2200)),
                name="member_entry_year_plausible",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | models.Q(is_active=False),
                name="member_closed_is_inactive",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_graduated(self) -> bool:
        return self.graduated_on is not None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class YearRollover(models.Model):
    """One row per academic year whose rollover has run, so it cannot run twice."""

    academic_year = models.CharField(_("academic year"), max_length=7, unique=True)
    performed_at = models.DateTimeField(_("performed at"), default=timezone.now)
    promoted = models.PositiveIntegerField(_("members moved up a year"))
    graduated = models.PositiveIntegerField(_("members graduated"))

    class Meta:
        verbose_name = _("year rollover")
        verbose_name_plural = _("year rollovers")
        ordering = ["-academic_year"]

    def __str__(self):
        return self.academic_year


class YearOfStudyRequest(models.Model):
    """A member's request that the committee correct their year of study.

    Members do not set their own year once they have one (it decides which sessions they may
    register for and their survey band); they ask, and a committee member approves or declines.
    """

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="year_of_study_requests", verbose_name=_("member")
    )
    year_of_study = models.PositiveSmallIntegerField(_("year asked for"), choices=YearOfStudy.choices)
    year_when_asked = models.PositiveSmallIntegerField(
        _("year when asked"), choices=YearOfStudy.choices, null=True, blank=True
    )
    reason = models.TextField(_("reason"), max_length=1000, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=YearRequestState.choices, default=YearRequestState.PENDING
    )
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    decided_by = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decided_year_of_study_requests",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note to the member"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("year of study request")
        verbose_name_plural = _("year of study requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Two pending requests would race each other; the member withdraws one to ask again.
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(state=YearRequestState.PENDING),
                name="year_request_one_pending_per_member",
            ),
            models.CheckConstraint(condition=models.Q(year_of_study__range=(1, 6)), name="year_request_year_1_to_6"),
            models.CheckConstraint(
                condition=models.Q(year_when_asked__isnull=True) | ~models.Q(year_of_study=models.F("year_when_asked")),
                name="year_request_asks_for_a_change",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=[YearRequestState.PENDING, YearRequestState.WITHDRAWN], decided_at=None)
                | models.Q(state__in=[YearRequestState.APPROVED, YearRequestState.DECLINED], decided_at__isnull=False),
                name="year_request_decided_at_iff_decided",
            ),
        ]

    def __str__(self):
        return f"{self.member} → {self.get_year_of_study_display()} ({self.get_state_display()})"

    @property
    def is_pending(self) -> bool:
        return self.state == YearRequestState.PENDING

    @property
    def is_approved(self) -> bool:
        return self.state == YearRequestState.APPROVED

    @property
    def is_withdrawn(self) -> bool:
        return self.state == YearRequestState.WITHDRAWN


class YearOfStudyChange(models.Model):
    """One row for every change of a member's year of study, whatever made it (see YearChangeSource)."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="year_of_study_changes", verbose_name=_("member")
    )
    old_year = models.PositiveSmallIntegerField(_("from"), choices=YearOfStudy.choices, null=True, blank=True)
    new_year = models.PositiveSmallIntegerField(_("to"), choices=YearOfStudy.choices, null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=YearChangeSource.choices)
    changed_by = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="year_of_study_changes_made",
        verbose_name=_("changed by"),
    )
    request = models.ForeignKey(
        YearOfStudyRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("request"),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("change of year of study")
        verbose_name_plural = _("changes of year of study")
        ordering = ["-changed_at", "-pk"]
        constraints = [
            # A row that changes nothing is noise in an audit trail (NULL = NULL is not true, so a
            # change from or to no year passes, as it should).
            models.CheckConstraint(condition=~models.Q(old_year=models.F("new_year")), name="year_change_changes"),
            models.CheckConstraint(
                condition=models.Q(request__isnull=True) | models.Q(source=YearChangeSource.REQUEST),
                name="year_change_request_only_when_approved",
            ),
        ]

    def __str__(self):
        return f"{self.member}: {self.old_year or '–'} → {self.new_year or '–'} ({self.get_source_display()})"
