from django.db import models
from django.utils.translation import gettext_lazy as _


class TeachingRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    CO_TEACHER = "co_teacher", _("Co-teacher")
