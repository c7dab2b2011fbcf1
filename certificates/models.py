"""Certificates as issued: what each says, frozen, checkable by its code, revocable by the committee."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.enums import CertificateKind


class Certificate(models.Model):
    """A certificate as issued. `body` is the document itself (see `certificates.document`): the
    PDF and the public verification page are both drawn from it, so the page says exactly what
    the PDF says. It never changes once issued; the committee can only revoke it."""

    code = models.CharField(_("verification code"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CertificateKind.choices)
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates")
    holder_name = models.CharField(_("name on the certificate"), max_length=300)
    # What the certificate is of, for kinds issued once per thing (an attendance certificate's
    # registration, "registration:12"); empty for snapshots issued afresh each time.
    reference = models.CharField(_("reference"), max_length=50, blank=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    body = models.JSONField(_("document"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revocation_reason = models.TextField(_("reason for revoking"), blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "reference"],
                condition=Q(revoked_at__isnull=True) & ~Q(reference=""),
                name="certificate_one_current_per_reference",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=False) | Q(revocation_reason=""),
                name="certificate_reason_only_when_revoked",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.holder_name} – {self.code}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
