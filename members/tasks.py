import logging
import smtplib
from urllib.parse import quote

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from celery import shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from members.models import Member

logger = logging.getLogger(__name__)


def _is_transient(error: OSError) -> bool:
    """A 4xx SMTP reply or a network failure may pass; a 5xx reply or a refused recipient will not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return False
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return True  # disconnections, timeouts, refused connections, DNS failures


@shared_task(bind=True, name="members.send_invitation", max_retries=8)
def send_invitation(self, *, member_id: int) -> None:
    """Email an imported member a link to set their password (allauth's reset-from-key flow).

    Retries network failures and temporary SMTP replies with exponential back-off (1 min up to
    about 2 h); a permanent refusal is logged and dropped, never retried.
    """
    member = Member.objects.filter(pk=member_id, is_active=True).first()
    if member is None or member.has_usable_password():
        return  # gone, or already set a password: nothing to invite
    key = f"{user_pk_to_url_str(member)}-{default_token_generator.make_token(member)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    context = {
        "member": member,
        "society_name": settings.SOCIETY_NAME,
        "set_password_url": settings.SITE_URL + path.replace("UID-KEY", quote(key)),
        "site_url": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=render_to_string("members/email/invitation_subject.txt", context).strip(),
        body=render_to_string("members/email/invitation_message.txt", context),
        to=[member.email],
    )
    message.attach_alternative(render_to_string("members/email/invitation_message.html", context), "text/html")
    try:
        message.send()
    except OSError as error:  # smtplib's errors are OSErrors too
        if not _is_transient(error):
            logger.error("The mail server refused the invitation to member %s: %s", member_id, error)
            return
        raise self.retry(exc=error, countdown=min(60 * 2**self.request.retries, 7200)) from error
    logger.info("Sent an invitation to member %s", member_id)


@shared_task(name="members.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete expired sign-in sessions so the table does not grow for ever."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
