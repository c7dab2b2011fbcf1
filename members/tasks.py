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


@shared_task(
    name="members.send_invitation",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_invitation(*, member_id: int) -> None:
    """Email an imported member a link to set their password (allauth's reset-from-key flow)."""
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
    message.send()
    logger.info("Sent an invitation to member %s", member_id)


@shared_task(name="members.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete expired sign-in sessions so the table does not grow for ever."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
