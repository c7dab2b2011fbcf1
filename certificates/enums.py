from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateKind(models.TextChoices):
    TEACHING = "teaching", _("Teaching certificate")
    PORTFOLIO = "portfolio", _("Teaching portfolio")
    ATTENDANCE = "attendance", _("Certificate of attendance")
