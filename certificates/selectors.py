"""Reads for certificates."""

from django.db.models import QuerySet

from certificates.models import Certificate


def normalised_code(code: str) -> str:
    """Codes are printed in capitals; a code typed in lower case, or with spaces, is the same code."""
    return "".join(code.split()).upper()


def certificate_by_code(*, code: str) -> Certificate | None:
    return Certificate.objects.select_related("revoked_by").filter(code=normalised_code(code)).first()


def certificates_of(*, holder, kind: str) -> QuerySet[Certificate]:
    return Certificate.objects.filter(holder=holder, kind=kind).order_by("-issued_at", "-pk")
