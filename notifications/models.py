from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.enums import Category, MessageKind, MessageStatus


class Message(models.Model):
    """One e-mail to send: a row of the outbox.

    Written in the same transaction as the change that causes it, and unique per
    (kind, recipient, what it is about, occurrence), so a cause can never produce it twice. The
    occurrence tells apart causes about the same object: a re-registration, a new SEQUENCE of a
    session, the 24-hour versus the 1-hour reminder, the week of a digest. The e-mail itself is
    rendered when it is sent, from what it is about as it is then and `context` — except the
    account e-mails allauth writes in a request, which `context` holds as rendered there (address,
    subject line, bodies) and which may have no recipient (a "no account with this address" reply).
    """

    kind = models.CharField(_("kind"), max_length=30, choices=MessageKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages", null=True, blank=True
    )
    # The object the message is about, as "app_label.model" and its key (0 when about nothing).
    about_type = models.CharField(_("about"), max_length=60, blank=True)
    about_id = models.PositiveBigIntegerField(_("about id"), default=0)
    occurrence = models.CharField(_("occurrence"), max_length=60, blank=True)
    context = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When a sender claimed the row; a claim older than the lease is taken to be a dead worker's.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claim = models.UUIDField(_("claimed by"), null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # When its id was last handed to the broker; the sweep re-queues only rows not handed over
    # since they fell due (or whose hand-over is older than the lease: a lost task).
    dispatched_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    # Bumped by each manual resend, so a resent e-mail has a Message-ID of its own.
    resends = models.PositiveSmallIntegerField(_("resends"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "about_type", "about_id", "occurrence"], name="message_once_per_cause"
            ),
            # Only an account e-mail may go to an address that belongs to nobody.
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | models.Q(kind=MessageKind.ACCOUNT),
                name="message_recipient_unless_account",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient or ', '.join(self.context.get('to', []))}"


class Unsubscription(models.Model):
    """A member's choice not to receive one optional category of e-mail."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unsubscriptions")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("unsubscription")
        verbose_name_plural = _("unsubscriptions")
        constraints = [models.UniqueConstraint(fields=["member", "category"], name="unsubscription_once")]

    def __str__(self):
        return f"{self.member}: {self.get_category_display()}"
