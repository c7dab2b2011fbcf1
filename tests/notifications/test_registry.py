"""notifications/registry.py: every app's kinds and sweeps are registered once, from its messages.py."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from notifications import registry
from notifications.enums import PRERENDERED_KINDS, Category, MessageKind


def test_every_kind_rendered_when_sent_is_registered_by_an_app():
    assert registry.registered_kinds() == {kind for kind in MessageKind if kind not in PRERENDERED_KINDS}


def test_the_sweep_runs_each_app_s_time_based_messages():
    assert set(registry.sweeps()) == {"reminders", "details_checks", "register_requests", "digests"}


def test_the_teaching_and_digest_categories_have_audiences_and_the_others_go_to_everyone():
    assert registry.audience(Category.REMINDERS) is None
    assert registry.audience(Category.FEEDBACK) is None
    assert registry.audience(Category.TEACHING) is not None
    assert registry.audience(Category.DIGEST) is not None


def test_a_kind_registered_twice_is_refused():
    with pytest.raises(ImproperlyConfigured):
        registry.register_kind(MessageKind.SESSION_REMINDER, lambda message, about, batch: {})
    assert registry.kind(MessageKind.SESSION_REMINDER).category == Category.REMINDERS
