"""Who may do what with certificates."""

from certificates.models import Certificate
from members.permissions import is_committee


def can_download(user, certificate: Certificate) -> bool:
    """Its holder, and the committee."""
    return user.is_authenticated and (certificate.holder_id == user.pk or is_committee(user))


def can_revoke(user) -> bool:
    return is_committee(user)
