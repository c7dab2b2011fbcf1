"""Writes for certificates: issuing, revoking, and forgetting a holder."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.models import Certificate
from members.models import Member


class CertificateError(Exception):
    """The certificate cannot be revoked (see the message)."""


def new_code() -> str:
    """Ten hexadecimal capitals: 2^40 codes, too many to find a genuine one by guessing."""
    return secrets.token_hex(5).upper()


def issue_certificate(*, kind: str, holder: Member, holder_name: str, body: dict, reference: str = "") -> Certificate:
    """Issue a certificate saying `body` (a `certificates.document`), with a fresh code. With a
    `reference`, a certificate not revoked for the same kind and reference is returned instead,
    as it was issued (so a certificate downloaded twice has one code); the partial unique
    constraint settles two issued at once. Raises nothing of its own."""
    if reference:
        current = Certificate.objects.filter(kind=kind, reference=reference, revoked_at__isnull=True).first()
        if current:
            return current
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Certificate.objects.create(
                    code=new_code(), kind=kind, holder=holder, holder_name=holder_name, body=body, reference=reference
                )
        except IntegrityError:
            # A code drawn twice (a 1 in 10^12 chance), or the same reference issued at this moment.
            if reference:
                current = Certificate.objects.filter(kind=kind, reference=reference, revoked_at__isnull=True).first()
                if current:
                    return current
    raise RuntimeError("Could not draw a free certificate code.")


def revoke_certificate(*, certificate: Certificate, by: Member, reason: str) -> Certificate:
    """Revoke a certificate: its verification page says so from now on, with the date and the
    reason. A conditional update, so two committee members revoking at once record one
    revocation. Raises CertificateError when it is already revoked or no reason is given."""
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Give a reason for revoking the certificate."))
    updated = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by, revocation_reason=reason
    )
    if updated != 1:
        raise CertificateError(_("This certificate has already been revoked."))
    certificate.refresh_from_db()
    return certificate


def forget_holder(*, member: Member) -> None:
    """Delete the certificates issued to a member whose account is being closed: they carry their
    name and would go on showing it on the public verification page. Raises nothing."""
    Certificate.objects.filter(holder=member).delete()
