"""Each message kind: its optional category, the context it is rendered with, and its attachment.

A message is rendered when it is sent, from its subject as it is then, so a confirmation sent
after a quick edit shows the new time. A kind's builder raises NotWanted when the message no
longer makes sense (a confirmation for a place cancelled meanwhile, a reminder for a session
that was cancelled): the row is then marked skipped rather than sent.

Templates: `templates/notifications/email/<kind>.html` defines the partials `subject`, `text`
and `html`; the layouts add the greeting, the footer and, for optional categories, the
unsubscribe link.

The exception is allauth's account e-mails (PRERENDERED_KINDS): they are rendered by allauth
from its own templates in the request that causes them — their context is the request and links
carrying keys, which a worker could not rebuild — and the row keeps them as written.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from meded.links import absolute_url, site_host, site_url, url_for
from notifications.enums import PRERENDERED_KINDS, Category, MessageKind
from notifications.models import Message, Unsubscription
from notifications.services import moment


class NotWanted(Exception):
    """The message should not be sent any more; the text says why (kept as the row's note)."""


@dataclass(frozen=True)
class Kind:
    build: Callable[[Message, object, "Batch"], dict]
    category: Category | None = None
    # Returns (filename, bytes) of a calendar file to attach, or None.
    attachment: Callable[[Message, object, "Batch"], tuple[str, bytes] | None] | None = None


def _url(name: str, *args) -> str:
    return url_for(name, *args)


@dataclass
class Batch:
    """What rendering a batch of messages needs, read in a few queries rather than per message."""

    subjects: dict[tuple[str, int], object]
    registrations: dict[tuple[int, int], object]
    unsubscribed: set[tuple[int, str]]


def prepare(messages: list[Message]) -> Batch:
    """Read what the batch needs in a few queries: its subjects (one query per type; sessions
    with their roster and teachers), the recipients' registrations for the sessions they are told
    about, their roles (cached on each recipient, as `members.permissions` expects) and their
    unsubscriptions."""
    by_type: dict[str, set[int]] = {}
    for message in messages:
        if message.subject_type:
            by_type.setdefault(message.subject_type, set()).add(message.subject_id)
    subjects = {}
    for label, ids in by_type.items():
        manager = apps.get_model(label).objects
        if label == "attendance.registration":
            manager = manager.select_related("session").prefetch_related("session__roster__teacher")
        elif label == "events.session":
            manager = manager.prefetch_related("roster__teacher")
        subjects |= {(label, pk): obj for pk, obj in manager.in_bulk(ids).items()}
    about_sessions = [m for m in messages if m.subject_type == "events.session"]
    registrations = {}
    if about_sessions:
        found = apps.get_model("attendance.registration").objects.filter(
            session_id__in={m.subject_id for m in about_sessions},
            member_id__in={m.recipient_id for m in about_sessions},
        )
        registrations = {(r.session_id, r.member_id): r for r in found}
        for registration in registrations.values():
            # The session as read above, roster included, rather than one more query each.
            registration.session = subjects[("events.session", registration.session_id)]
    # An account e-mail may have no recipient (it is to an address, not to a member).
    recipients = {m.recipient_id: m.recipient for m in messages if m.recipient_id}
    memberships = apps.get_model(settings.AUTH_USER_MODEL).groups.through.objects.filter(member_id__in=recipients)
    names: dict[int, set[str]] = {pk: set() for pk in recipients}
    for member_id, group_name in memberships.values_list("member_id", "group__name"):
        names[member_id].add(group_name)
    for pk, recipient in recipients.items():
        recipient._meded_group_names = frozenset(names[pk])
    for message in messages:
        if message.recipient_id:
            message.recipient = recipients[message.recipient_id]
    unsubscribed = set(Unsubscription.objects.filter(member_id__in=recipients).values_list("member_id", "category"))
    return Batch(subjects=subjects, registrations=registrations, unsubscribed=unsubscribed)


# --- Builders ----------------------------------------------------------------------------------


def _session_context(session, **extra) -> dict:
    return {"session": session, "session_url": _url("events:detail", session.pk), **extra}


def _registration(registration, *, state: str) -> dict:
    from events.enums import SessionStatus

    if registration.state != state:
        raise NotWanted("The registration has changed since.")
    session = registration.session
    if session.status != SessionStatus.PUBLISHED:
        raise NotWanted("The session is no longer open.")
    is_online = registration.mode == "online"
    return _session_context(
        session,
        registration=registration,
        is_online=is_online,
        # The link is for those holding an online place, not for those waiting for one.
        meeting_url=session.meeting_url if is_online and state == "registered" else "",
        my_sessions_url=_url("attendance:mine"),
    )


def _still_current(message, at) -> None:
    """A registration row is reused when a member registers again: only the message of its latest
    cause (the occurrence names the moment) is still wanted."""
    if at is None or message.occurrence != moment(at):
        raise NotWanted("A later registration replaced this one.")


def _confirmed(message, registration, batch: Batch) -> dict:
    _still_current(message, registration.queued_at)
    return _registration(registration, state="registered")


def _promoted(message, registration, batch: Batch) -> dict:
    _still_current(message, registration.promoted_at)
    return _registration(registration, state="registered")


def _waitlisted(message, registration, batch: Batch) -> dict:
    from attendance.services import waitlist_position

    _still_current(message, registration.queued_at)
    context = _registration(registration, state="waitlisted")
    context["position"] = waitlist_position(registration)
    return context


def _reminder(message, session, batch: Batch) -> dict:
    from notifications.due import reminder_replaced  # the sweep's window, asked again at sending time

    registration = batch.registrations.get((session.pk, message.recipient_id))
    if registration is None:
        raise NotWanted("The recipient has no registration.")
    context = _registration(registration, state="registered")
    if session.starts_at <= timezone.now():
        raise NotWanted("The session has started.")
    if not message.occurrence.endswith(moment(session.starts_at)):
        raise NotWanted("The session has moved since; a reminder for the new time follows.")
    hours = message.context.get("hours")
    if hours is not None and reminder_replaced(hours=hours, until_start=session.starts_at - timezone.now()):
        raise NotWanted("A nearer reminder replaces it.")
    context["hours"] = hours
    return context


def _involved(message, session, batch: Batch) -> tuple[bool, object | None]:
    """Whether the recipient still teaches the session, and their registration (not cancelled)."""
    teaches = any(entry.teacher_id == message.recipient_id for entry in session.roster.all())
    registration = batch.registrations.get((session.pk, message.recipient_id))
    if registration is not None and registration.state == "cancelled":
        registration = None
    return teaches, registration


def _sees_link(message, session, registration) -> bool:
    """The meeting link goes to those holding an online place, the teachers and the committee."""
    from events.permissions import holds_online_place, sees_meeting_link

    return sees_meeting_link(message.recipient, session, online_place=holds_online_place(registration))


def _session_for_everyone(message, session, batch: Batch) -> dict:
    from events.enums import SessionStatus

    if session.status == SessionStatus.CANCELLED:
        raise NotWanted("The session has been cancelled since; the cancellation says so.")
    teaches, registration = _involved(message, session, batch)
    if not teaches and registration is None:
        raise NotWanted("The recipient no longer holds a place or teaches the session.")
    show_link = _sees_link(message, session, registration)
    return _session_context(
        session,
        changes=message.context.get("changes", []),
        meeting_url=session.meeting_url if show_link else "",
    )


def _cancelled(message, session, batch: Batch) -> dict:
    teaches, registration = _involved(message, session, batch)
    if not teaches and registration is None:
        raise NotWanted("The recipient no longer held a place.")
    return _session_context(session)


def _member_invitation(message, _subject, batch: Batch) -> dict:
    """An imported member's link to set a first password (allauth's reset-from-key flow); the
    token is made now, so the link is fresh whenever the message goes."""
    from urllib.parse import quote

    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    member = message.recipient
    if member.has_usable_password():
        raise NotWanted("The member has already set a password.")
    key = f"{user_pk_to_url_str(member)}-{default_token_generator.make_token(member)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return {"set_password_url": absolute_url(path.replace("UID-KEY", quote(key)))}


def _application(message, application, batch: Batch) -> dict:
    return {
        "application": application,
        "dashboard_url": _url("teachers:dashboard"),
        "apply_url": _url("teachers:apply"),
    }


def _invitation(message, invitation, batch: Batch) -> dict:
    from events.enums import SessionStatus

    if invitation.status != "pending":
        raise NotWanted("The invitation has been answered.")
    if invitation.session.status in (SessionStatus.CANCELLED, SessionStatus.COMPLETED):
        raise NotWanted("The session has been cancelled or has taken place.")
    return _session_context(invitation.session, invitation=invitation, dashboard_url=_url("teachers:dashboard"))


def _details_check(message, session, batch: Batch) -> dict:
    from events.enums import SessionStatus
    from events.permissions import can_edit_session

    if session.status != SessionStatus.PUBLISHED or session.starts_at <= timezone.now():
        raise NotWanted("The session is no longer upcoming.")
    if message.occurrence != moment(session.starts_at):
        raise NotWanted("The session has moved since.")
    return _session_context(
        session,
        # Co-teachers cannot edit a published session: they are pointed at the lead instead.
        edit_url=_url("events:edit", session.pk) if can_edit_session(message.recipient, session) else "",
        registered=session.registrations.filter(state="registered").count(),
    )


def _take_register(message, session, batch: Batch) -> dict:
    if hasattr(session, "register_taken"):
        raise NotWanted("The register has been taken.")
    return _session_context(session, register_url=_url("attendance:sheet", session.pk))


def _digest(message, _subject, batch: Batch) -> dict:
    from events.enums import SessionStatus
    from events.models import Session

    now = timezone.now()
    awaiting = list(Session.objects.filter(status=SessionStatus.SUBMITTED).order_by("starts_at")[:50])
    without_register = list(
        Session.objects.filter(
            status__in=SessionStatus.held,
            ends_at__range=(now - dt.timedelta(days=14), now),
            register_taken__isnull=True,
        ).order_by("starts_at")[:50]
    )
    return {
        "awaiting": awaiting,
        "without_register": without_register,
        "approvals_url": _url("events:approvals"),
        "week": message.occurrence,
    }


def _feedback(message, session, batch: Batch) -> dict:
    if session.feedback_receipts.filter(member_id=message.recipient_id).exists():
        raise NotWanted("The recipient has already given feedback.")
    if timezone.now() >= session.ends_at + dt.timedelta(days=settings.FEEDBACK_WINDOW_DAYS):
        raise NotWanted("Feedback on the session has closed.")
    return _session_context(session, feedback_url=absolute_url(message.context.get("path", "/")))


def _registration_ics(message, registration, batch: Batch) -> tuple[str, bytes]:
    from events.ical import calendar_bytes

    session = registration.session
    return "session.ics", calendar_bytes(
        [session], name=session.title, with_links=_sees_link(message, session, registration)
    )


def _changed_ics(message, session, batch: Batch) -> tuple[str, bytes]:
    from events.ical import calendar_bytes

    _teaches, registration = _involved(message, session, batch)
    with_link = _sees_link(message, session, registration)
    return "session.ics", calendar_bytes([session], name=session.title, with_links=with_link)


def _survey_invitation(message, survey, batch: Batch) -> dict:
    if survey.receipts.filter(member_id=message.recipient_id).exists():
        raise NotWanted("The recipient has already answered.")
    if not survey.opens_at <= timezone.now() < survey.closes_at:
        raise NotWanted("The survey is not open.")
    return {"survey": survey, "survey_url": absolute_url(message.context.get("path", "/"))}


KINDS: dict[str, Kind] = {
    MessageKind.MEMBER_INVITATION: Kind(_member_invitation),
    MessageKind.REGISTRATION_CONFIRMED: Kind(_confirmed, attachment=_registration_ics),
    MessageKind.WAITLIST_JOINED: Kind(_waitlisted),
    MessageKind.WAITLIST_PROMOTED: Kind(_promoted, attachment=_registration_ics),
    MessageKind.SESSION_REMINDER: Kind(_reminder, category=Category.REMINDERS),
    MessageKind.SESSION_CHANGED: Kind(_session_for_everyone, attachment=_changed_ics),
    MessageKind.SESSION_CANCELLED: Kind(_cancelled, attachment=_changed_ics),
    MessageKind.APPLICATION_APPROVED: Kind(_application),
    MessageKind.APPLICATION_DECLINED: Kind(_application),
    MessageKind.CO_TEACHING_INVITATION: Kind(_invitation),
    MessageKind.DETAILS_CHECK: Kind(_details_check, category=Category.TEACHING),
    MessageKind.TAKE_REGISTER: Kind(_take_register, category=Category.TEACHING),
    MessageKind.COMMITTEE_DIGEST: Kind(_digest, category=Category.DIGEST),
    MessageKind.FEEDBACK_REQUEST: Kind(_feedback, category=Category.FEEDBACK),
    MessageKind.FEEDBACK_REMINDER: Kind(_feedback, category=Category.FEEDBACK),
    MessageKind.SURVEY_INVITATION: Kind(_survey_invitation, category=Category.FEEDBACK),
}


def render(message: Message, batch: Batch | None = None) -> EmailMessage:
    """The e-mail for an outbox row, or NotWanted if it should no longer go. `batch` holds what
    `prepare` read for several messages at once; without it, it is read for this one. A
    pre-rendered kind is sent as it was written."""
    from notifications.services import unsubscribe_token

    if message.kind in PRERENDERED_KINDS:
        return _prerendered(message)
    batch = batch or prepare([message])
    recipient = message.recipient
    if not recipient.is_active or not recipient.email:
        raise NotWanted("The recipient's account is closed.")
    kind = KINDS[message.kind]
    if kind.category and (recipient.pk, kind.category) in batch.unsubscribed:
        raise NotWanted("The recipient has turned this kind of e-mail off.")
    subject = None
    if message.subject_type:
        subject = batch.subjects.get((message.subject_type, message.subject_id))
        if subject is None:
            raise NotWanted("What the message was about no longer exists.")
    context = {
        "recipient": recipient,
        "society_name": settings.SOCIETY_NAME,
        "site_url": site_url(),
        "preferences_url": _url("notifications:preferences"),
        **kind.build(message, subject, batch),
    }
    headers = {"Message-ID": _message_id(message)}
    if kind.category:
        unsubscribe_url = _url("notifications:unsubscribe", unsubscribe_token(member=recipient, category=kind.category))
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
        filename, data = kind.attachment(message, subject, batch)
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
