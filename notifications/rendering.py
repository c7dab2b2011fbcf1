"""Rendering an outbox row into the e-mail that goes: its kind's context, the layouts, the
unsubscribe link of an optional category, and the kind's attachment.

A message is rendered when it is sent, from what it is about as it is then, so a confirmation
sent after a quick edit shows the new time. Each kind's builder is registered by the app that owns it
(`notifications.registry`, filled from each app's `messages.py`); it raises NotWanted when the
message no longer makes sense (a confirmation for a place cancelled meanwhile, a reminder for a
session that was cancelled): the row is then marked skipped rather than sent.

Templates: `templates/notifications/email/<kind>.html` defines the partials `subject`, `text`
and `html`; the layouts add the greeting, the footer and, for optional categories, the
unsubscribe link.

The exception is allauth's account e-mails (PRERENDERED_KINDS): they are rendered by allauth
from its own templates in the request that causes them — their context is the request and links
carrying keys, which a worker could not rebuild — and the row keeps them as written.
"""

import re
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string

from meded.links import site_host, site_url, url_for
from notifications import registry
from notifications.enums import PRERENDERED_KINDS
from notifications.models import Message, Unsubscription
from notifications.preferences import unsubscribe_token
from notifications.registry import Batch, NotWanted


def prepare(messages: list[Message]) -> Batch:
    """Read what the batch needs in a few queries: what its messages are about (one query per
    model, with the joins their app registered), its recipients' unsubscriptions, and whatever the apps'
    registered batch readers read for it (e.g. the recipients' places, their roles)."""
    by_type: dict[str, set[int]] = {}
    for message in messages:
        if message.about_type:
            by_type.setdefault(message.about_type, set()).add(message.about_id)
    about = {}
    for label, ids in by_type.items():
        # What a message is about is named by its model label, as a generic relation is; the app
        # that owns the model may register how to read it (its joins), else its default manager reads it.
        queryset = registry.about_queryset(label)
        manager = queryset() if queryset else apps.get_model(label).objects
        about |= {(label, pk): obj for pk, obj in manager.in_bulk(ids).items()}
    # An account e-mail may have no recipient (it is to an address, not to a member).
    recipients = {m.recipient_id: m.recipient for m in messages if m.recipient_id}
    for message in messages:
        if message.recipient_id:
            message.recipient = recipients[message.recipient_id]
    unsubscribed = set(Unsubscription.objects.filter(member_id__in=recipients).values_list("member_id", "category"))
    batch = Batch(about=about, unsubscribed=unsubscribed)
    for name, reader in registry.batch_readers().items():
        batch.found[name] = reader(messages, batch)
    return batch


def render(message: Message, batch: Batch | None = None) -> EmailMessage:
    """The e-mail for an outbox row, or NotWanted if it should no longer go. `batch` holds what
    `prepare` read for several messages at once; without it, it is read for this one. A
    pre-rendered kind is sent as it was written."""
    if message.kind in PRERENDERED_KINDS:
        return _prerendered(message)
    batch = batch or prepare([message])
    recipient = message.recipient
    if not recipient.is_active or not recipient.email:
        raise NotWanted("The recipient's account is closed.")
    kind = registry.kind(message.kind)
    if kind.category and (recipient.pk, kind.category) in batch.unsubscribed:
        raise NotWanted("The recipient has turned this kind of e-mail off.")
    about = None
    if message.about_type:
        about = batch.about.get((message.about_type, message.about_id))
        if about is None:
            raise NotWanted("What the message was about no longer exists.")
    context = {
        "recipient": recipient,
        "society_name": settings.SOCIETY_NAME,
        "site_url": site_url(),
        "preferences_url": url_for("notifications:preferences"),
        **kind.build(message, about, batch),
    }
    headers = {"Message-ID": _message_id(message)}
    if kind.category:
        unsubscribe_url = url_for(
            "notifications:unsubscribe", unsubscribe_token(member=recipient, category=kind.category)
        )
        context |= {"unsubscribe_url": unsubscribe_url, "category_label": kind.category.label}
        headers |= {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    template = f"notifications/email/{message.kind}.html"
    subject_line = " ".join(render_to_string(f"{template}#subject", context).split())
    context["body_text"] = render_to_string(f"{template}#text", context).strip()
    context["body_html"] = render_to_string(f"{template}#html", context)
    email = EmailMultiAlternatives(
        subject=f"[{settings.SOCIETY_NAME}] {subject_line}",
        body=render_to_string("notifications/email/layout.txt", context),
        to=[recipient.email],
        headers=headers,
    )
    email.attach_alternative(render_to_string("notifications/email/layout.html", context), "text/html")
    if kind.attachment:
        filename, data = kind.attachment(message, about, batch)
        email.attach(filename, data, "text/calendar; charset=utf-8; method=PUBLISH")
    return email


def _message_id(message: Message) -> str:
    """One Message-ID per row: a copy sent again after a worker died is recognisably the same e-mail."""
    return f"<outbox-{message.pk}.{message.resends}@{site_host()}>"


def _prerendered(message: Message) -> EmailMessage:
    """The e-mail as it was rendered when the row was written, to the address it was written for
    (for a confirmation, the address being confirmed, which need not be the member's main one)."""
    recipient = message.recipient
    if recipient is not None and not recipient.is_active:
        raise NotWanted("The recipient's account is closed.")
    stored = message.context
    headers = {"Message-ID": _message_id(message)}
    if not stored["text"]:
        email = EmailMessage(subject=stored["subject"], body=stored["html"], to=stored["to"], headers=headers)
        email.content_subtype = "html"
        return email
    email = EmailMultiAlternatives(subject=stored["subject"], body=stored["text"], to=stored["to"], headers=headers)
    if stored["html"]:
        email.attach_alternative(stored["html"], "text/html")
    return email


_LINK = re.compile(r"https?://[^\s<>\"']+")


def mask_links(text: str) -> str:
    """The text with each link's last path segment, query and fragment hidden, for showing an
    account e-mail to admins: its links end with the key that resets the password or confirms the
    address (and, with ACCOUNT_LOGIN_ON_PASSWORD_RESET, signs in), which nobody but the member
    should hold. What the link is for stays readable."""

    def hide(match: re.Match) -> str:
        link = urlsplit(match.group())
        segments = [segment for segment in link.path.split("/") if segment]
        if not segments and not link.query and not link.fragment:
            return match.group()
        parent = "".join(f"{segment}/" for segment in segments[:-1])
        return f"{link.scheme}://{link.netloc}/{parent}[hidden]"

    return _LINK.sub(hide, text)
