"""Invitations to set a password: outbox messages written with the import, sent by the worker."""

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from kombu import pools

from meded.celery import app as celery_app
from members.services import import_members
from members.tasks import clear_expired_sessions
from notifications.enums import MessageKind, MessageStatus
from notifications.models import Message
from notifications.sending import SWEEP_GRACE, send_messages, unsent_message_ids
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

CSV = b"email,first_name,last_name,year_of_study\nnia@example.ac.uk,Nia,Jones,1\nomar@example.ac.uk,Omar,Ali,2\n"


def test_an_import_with_invitations_mails_each_new_member_a_link_to_set_a_password(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        result = import_members(data=CSV, filename="m.csv", invite=True)

    assert result.invited == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["nia@example.ac.uk", "omar@example.ac.uk"]
    email = next(m for m in mailoutbox if m.to == ["nia@example.ac.uk"])
    assert email.subject == "[MedEd] Set your password to join"
    assert "Hello Nia," in email.body
    assert "https://meded.example.ac.uk/accounts/password/reset/key/" in email.body
    assert "List-Unsubscribe" not in email.extra_headers  # essential: nobody can unsubscribe from it
    assert set(Message.objects.values_list("kind", "status")) == {(MessageKind.MEMBER_INVITATION, MessageStatus.SENT)}


def test_an_import_without_invitations_writes_no_message():
    import_members(data=CSV, filename="m.csv", invite=False)
    assert not Message.objects.exists()


def test_importing_again_with_invitations_invites_again_only_those_without_a_password(
    django_capture_on_commit_callbacks, mailoutbox
):
    import_members(data=CSV, filename="m.csv", invite=True)
    nia = MemberFactory._meta.model.objects.get(email="nia@example.ac.uk")
    nia.set_password("chosen-password-1")
    nia.save()

    with django_capture_on_commit_callbacks(execute=True):
        result = import_members(data=CSV, filename="m.csv", invite=True)

    assert result.invited == 1
    assert Message.objects.filter(recipient__email="omar@example.ac.uk").count() == 2


def test_an_invitation_is_skipped_if_the_member_set_a_password_before_it_went(mailoutbox):
    import_members(data=CSV, filename="m.csv", invite=True)
    nia = MemberFactory._meta.model.objects.get(email="nia@example.ac.uk")
    nia.set_password("chosen-password-1")
    nia.save()

    send_messages(message_ids=Message.objects.values_list("pk", flat=True))

    assert [m.to for m in mailoutbox] == [["omar@example.ac.uk"]]
    assert Message.objects.get(recipient=nia).status == MessageStatus.SKIPPED


@pytest.fixture
def broker_down():
    """Point the Celery app at a port where nothing listens, as when Redis is down."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, "redis://127.0.0.1:9/0"
    _drop_connections()
    yield
    _drop_connections()
    conf.task_always_eager, conf.broker_url = saved


def _drop_connections():
    # The app and kombu cache connection and producer pools (kombu's per broker URL, even for
    # eager tasks); new ones pick up the current broker_url.
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    pools.reset()


def test_with_the_broker_down_the_import_succeeds_quickly_and_the_invitations_wait_in_the_outbox(
    broker_down, django_capture_on_commit_callbacks
):
    data = b"email,first_name,last_name,year_of_study\n" + b"".join(
        f"m{i}@example.ac.uk,M,N,1\n".encode() for i in range(250)
    )
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        result = import_members(data=data, filename="m.csv", invite=True)

    assert (result.created, result.invited) == (250, 250)
    assert result.summary.endswith("250 invitations to set a password are being sent.")
    assert time.monotonic() - started < 15  # one failed attempt to queue, not one per batch of 100
    assert Message.objects.filter(status=MessageStatus.PENDING).count() == 250
    # Once the sweep's grace has passed, every one of them is picked up for sending.
    assert len(unsent_message_ids(now=timezone.now() + SWEEP_GRACE * 2)) == 250


def test_expired_sign_in_sessions_are_cleared():
    store = SessionStore()
    store.set_expiry(-1)
    store.create()

    assert clear_expired_sessions() == 1
