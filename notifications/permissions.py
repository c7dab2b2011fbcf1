"""Who may act on the outbox beyond reading it."""

from notifications import registry


def can_send_outbox_now(user) -> bool:
    """Sending every waiting message at once (after an outage) is for the committee (the role
    `members` registers as the outbox's operators) and admins."""
    return user.is_authenticated and user.is_active and (user.is_superuser or registry.is_outbox_operator(user))


def can_view_outbox(user) -> bool:
    """The outbox's list is in the admin: staff with the permission to view messages."""
    return user.is_authenticated and user.is_active and user.is_staff and user.has_perm("notifications.view_message")
