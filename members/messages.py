"""What the outbox needs from members (registered with `notifications.registry` by
`MembersConfig.ready()`): the invitation an imported member gets to set a first password, the
recipients' roles read once per batch, and which roles the optional categories and the outbox's
"send now" are for. `notifications` reaches members otherwise only as AUTH_USER_MODEL."""

from urllib.parse import quote

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.urls import reverse

from meded.links import absolute_url
from members.models import Member
from members.permissions import cache_group_names, is_committee, is_teacher
from notifications import registry
from notifications.enums import Category, MessageKind
from notifications.registry import Batch, NotWanted


def _member_invitation(message, _about, batch: Batch) -> dict:
    """An imported member's link to set a first password (allauth's reset-from-key flow); the
    token is made now, so the link is fresh whenever the message goes."""
    member = message.recipient
    if member.has_usable_password():
        raise NotWanted("The member has already set a password.")
    key = f"{user_pk_to_url_str(member)}-{default_token_generator.make_token(member)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return {"set_password_url": absolute_url(path.replace("UID-KEY", quote(key)))}


def _roles(messages, batch: Batch) -> None:
    """The recipients' roles in one query, cached on each as the role predicates expect, so that
    a builder asking `is_committee` (who sees a meeting link, who may edit) costs no query."""
    recipients = {m.recipient_id: m.recipient for m in messages if m.recipient_id}
    memberships = Member.groups.through.objects.filter(member_id__in=recipients)
    names: dict[int, set[str]] = {pk: set() for pk in recipients}
    for member_id, group_name in memberships.values_list("member_id", "group__name"):
        names[member_id].add(group_name)
    for pk, recipient in recipients.items():
        cache_group_names(recipient, names[pk])


registry.register_kind(MessageKind.MEMBER_INVITATION, _member_invitation)
registry.register_batch_reader("roles", _roles)
registry.register_audience(Category.TEACHING, is_teacher)
registry.register_audience(Category.DIGEST, is_committee)
registry.register_outbox_operators(is_committee)
