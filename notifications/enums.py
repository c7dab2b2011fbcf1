from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """Optional e-mail a member can turn off. Kinds without a category are always sent."""

    REMINDERS = "reminders", _("Reminders before sessions I have registered for")
    FEEDBACK = "feedback", _("Requests for feedback after sessions, and the society's surveys")
    TEACHING = "teaching", _("Teaching reminders: checking a session's details and taking the register")
    DIGEST = "digest", _("The committee's weekly digest")


class MessageKind(models.TextChoices):
    MEMBER_INVITATION = "member_invitation", _("Invitation to set a password")
    REGISTRATION_CONFIRMED = "registration_confirmed", _("Registration confirmed")
    WAITLIST_JOINED = "waitlist_joined", _("Joined the waiting list")
    WAITLIST_PROMOTED = "waitlist_promoted", _("Promoted from the waiting list")
    SESSION_REMINDER = "session_reminder", _("Reminder before a session")
    SESSION_CHANGED = "session_changed", _("Session changed")
    SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
    APPLICATION_APPROVED = "application_approved", _("Teacher application approved")
    APPLICATION_DECLINED = "application_declined", _("Teacher application declined")
    CO_TEACHING_INVITATION = "co_teaching_invitation", _("Invitation to co-teach")
    DETAILS_CHECK = "details_check", _("Check of a session's details")
    TAKE_REGISTER = "take_register", _("Take the register")
    COMMITTEE_DIGEST = "committee_digest", _("Committee weekly digest")
    FEEDBACK_REQUEST = "feedback_request", _("Feedback request")
    FEEDBACK_REMINDER = "feedback_reminder", _("Feedback reminder")
    SURVEY_INVITATION = "survey_invitation", _("Invitation to answer a survey")
    # allauth's e-mails, written already rendered by its pages: confirming an address, resetting
    # a password, "no account with this address".
    ACCOUNT = "account", _("Account e-mail (confirming an address, resetting a password)")


# Kinds whose row holds the e-mail as rendered when it was written (`services.notify_rendered`),
# rather than being rendered from what it is about when sent. None has a category: they always go.
PRERENDERED_KINDS = frozenset({MessageKind.ACCOUNT})


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent (turned off or no longer relevant)")
    FAILED = "failed", _("Failed")
