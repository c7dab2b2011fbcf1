"""What the other apps tell the outbox: their message kinds, how to read what a batch of messages
is about, their sweeps, and who an optional category or the outbox's "send now" is for.

`notifications` knows how to store, render, send and retry a message; it does not know why one is
due or what a session is. Each app registers its own from its `messages.py`, imported by its
`AppConfig.ready()` (as apps register with Django's admin or connect signals), so this module
imports no app: the apps import it.

- A kind (`register_kind`): the builder that turns a message and what it is about into the
  template's context, raising NotWanted when the message no longer makes sense; its optional
  category (one a member may turn off); and its attachment (a calendar file).
- What messages are about (`register_about`): the queryset that reads the objects of one model a
  batch's messages are about, its joins declared, so that building every message of a batch
  costs no query per message.
- Batch readers (`register_batch_reader`): more that a batch needs, read once for all of its
  messages (the recipients' places at the sessions they are told about, their roles); what a
  reader returns is kept in `Batch.found` under its name, for the builders of the same app.
- Sweeps (`register_sweep`): the functions that write the messages due at a moment, run by the
  `notifications.sweep` task (`notifications.due.write_due_messages`).
- Audiences (`register_audience`) and outbox operators (`register_outbox_operators`): role
  predicates, owned by `members`, which this app reaches otherwise only as AUTH_USER_MODEL.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from notifications.enums import Category, MessageKind
from notifications.models import Message


class NotWanted(Exception):
    """The message should not be sent any more; the text says why (kept as the row's note)."""


@dataclass
class Batch:
    """What rendering a batch of messages needs, read in a few queries rather than per message:
    what its messages are about by (model label, pk), who turned which category off, and what
    each registered batch reader found, by the reader's name."""

    about: dict[tuple[str, int], object]
    unsubscribed: set[tuple[int, str]]
    found: dict[str, object] = field(default_factory=dict)


Builder = Callable[[Message, object, Batch], dict]
# Returns (filename, bytes) of a calendar file to attach.
Attachment = Callable[[Message, object, Batch], tuple[str, bytes]]


@dataclass(frozen=True)
class Kind:
    build: Builder
    category: Category | None = None
    attachment: Attachment | None = None


_kinds: dict[str, Kind] = {}
_about: dict[str, Callable[[], models.QuerySet]] = {}
_batch_readers: dict[str, Callable[[list[Message], Batch], object]] = {}
_sweeps: dict[str, Callable[..., int]] = {}
_audiences: dict[Category, Callable[[object], bool]] = {}
_outbox_operators: list[Callable[[object], bool]] = []


def _once(registry: dict, key, what: str) -> None:
    if key in registry:
        raise ImproperlyConfigured(f"{what} {key!r} is registered twice.")


def register_kind(
    kind: MessageKind, build: Builder, *, category: Category | None = None, attachment: Attachment | None = None
) -> None:
    """Say how messages of this kind are rendered: `build(message, about, batch)` returns the
    template's context (or raises NotWanted); `attachment`, if given, the calendar file to attach."""
    _once(_kinds, kind, "Message kind")
    _kinds[kind] = Kind(build=build, category=category, attachment=attachment)


def kind(name: str) -> Kind:
    """The registered kind; KeyError for a kind no app registered (the message then fails)."""
    return _kinds[name]


def registered_kinds() -> frozenset[str]:
    return frozenset(_kinds)


def register_about(model: type[models.Model], queryset: Callable[[], models.QuerySet]) -> None:
    """Read the objects of this model a batch's messages are about with `queryset()` (its joins
    declared) rather than the plain manager."""
    label = model._meta.label_lower
    _once(_about, label, "Reading what messages are about, for")
    _about[label] = queryset


def about_queryset(label: str) -> Callable[[], models.QuerySet] | None:
    return _about.get(label)


def register_batch_reader(name: str, reader: Callable[[list[Message], Batch], object]) -> None:
    """Run `reader(messages, batch)` once per batch, after its recipients and what its messages
    are about are read; what it returns is kept as `batch.found[name]`."""
    _once(_batch_readers, name, "Batch reader")
    _batch_readers[name] = reader


def batch_readers() -> dict[str, Callable[[list[Message], Batch], object]]:
    return dict(_batch_readers)


def register_sweep(name: str, writer: Callable[..., int]) -> None:
    """`writer(now=...)` writes the messages due at that moment and returns how many are new. It
    must be safe to run as often as wanted, and late (the outbox's unique occurrence sees to the
    rest). The sweep task reports its count under `name`."""
    _once(_sweeps, name, "Sweep")
    _sweeps[name] = writer


def sweeps() -> dict[str, Callable[..., int]]:
    return dict(_sweeps)


def register_audience(category: Category, predicate: Callable[[object], bool]) -> None:
    """Offer this optional category only to members for whom `predicate(member)` holds; a
    category without an audience is offered to every member."""
    _once(_audiences, category, "Audience of")
    _audiences[category] = predicate


def audience(category: Category) -> Callable[[object], bool] | None:
    return _audiences.get(category)


def register_outbox_operators(predicate: Callable[[object], bool]) -> None:
    """Besides superusers, who may send every waiting message at once (`permissions.can_send_outbox_now`)."""
    _outbox_operators.append(predicate)


def is_outbox_operator(user) -> bool:
    return any(predicate(user) for predicate in _outbox_operators)
