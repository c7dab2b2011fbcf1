from django.db import models
from django.utils.translation import gettext_lazy as _

YEARS_OF_STUDY = range(1, 7)


class YearOfStudy(models.IntegerChoices):
    YEAR_1 = 1, _("Year 1")
    YEAR_2 = 2, _("Year 2")
    YEAR_3 = 3, _("Year 3")
    YEAR_4 = 4, _("Year 4")
    YEAR_5 = 5, _("Year 5")
    YEAR_6 = 6, _("Year 6")


class Role(models.TextChoices):
    """Roles are Django groups; the value is the word used in imports, the label the group's name."""

    TEACHER = "teacher", _("Teachers")
    COMMITTEE = "committee", _("Committee")

    @property
    def group_name(self) -> str:
        # Group names are data (created by a migration), so they are not translated.
        return {"teacher": "Teachers", "committee": "Committee"}[self.value]


class YearRequestState(models.TextChoices):
    PENDING = "pending", _("Waiting for the committee")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class YearChangeSource(models.TextChoices):
    """What changed a member's year of study; every change is logged with one of these."""

    SIGN_UP = "sign_up", _("Sign-up")
    PROFILE = "profile", _("Profile (first year given)")
    IMPORT = "import", _("Member import")
    ROLLOVER = "rollover", _("Academic-year rollover")
    REQUEST = "request", _("Request approved")
    ADMIN = "admin", _("Admin site")
