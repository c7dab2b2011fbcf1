"""A member's e-mail choices: the optional categories offered to them, switching them on and
off, and the signed one-click unsubscribe link in every optional e-mail."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction

from notifications import registry
from notifications.enums import Category
from notifications.models import Unsubscription

Member = get_user_model()

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def categories_for(member: Member) -> list[Category]:
    """The optional categories that can reach this member at all: those with no audience, and
    those whose audience (a role, registered by `members`) the member belongs to."""
    return [category for category in Category if (audience := registry.audience(category)) is None or audience(member)]


def set_preferences(*, member: Member, subscribed: Iterable[str]) -> None:
    """Keep exactly the given optional categories switched on for the member (of those offered)."""
    subscribed = set(subscribed)
    offered = {c.value for c in categories_for(member)}
    with transaction.atomic():
        Unsubscription.objects.filter(member=member, category__in=offered & subscribed).delete()
        Unsubscription.objects.bulk_create(
            [Unsubscription(member=member, category=c) for c in sorted(offered - subscribed)], ignore_conflicts=True
        )


def forget_preferences(*, member: Member) -> None:
    """Remove the member's e-mail choices (an account being closed). Nothing more is sent to a
    closed account anyway: `rendering.render` skips every message to an inactive member."""
    Unsubscription.objects.filter(member=member).delete()


def unsubscribe(*, member: Member, category: str) -> None:
    """Switch one optional category off (the one-click link in every optional e-mail)."""
    Unsubscription.objects.get_or_create(member=member, category=Category(category))


def unsubscribe_token(*, member: Member, category: str) -> str:
    return signing.dumps([member.pk, str(category)], salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[Member, Category] | None:
    """The member and category a link was made for, or None if it was altered or is unknown."""
    try:
        member_id, category = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        category = Category(category)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    member = Member.objects.filter(pk=member_id, is_active=True).first()
    return (member, category) if member else None
