"""Choices of comments saved at once, on real PostgreSQL connections: each is applied whole, one
after the other, and the portfolio never quotes more than five. The control shows that without
the lock on the teacher's row the same harness sees choices collide."""

import time

import pytest
from django.db import connection

from members.models import Member
from portfolio import services
from portfolio.models import PickedComment
from portfolio.selectors import choosable_comments
from tests.concurrency import all_at_once
from tests.factories import MemberFactory
from tests.feedback.factories import past_session, respond, session_form

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (as in CI)"),
]


@pytest.fixture
def teacher_with_comments(settings):
    settings.FEEDBACK_MIN_RESPONSES = 1
    teacher = MemberFactory(roles=["teacher"])
    session = past_session(lead=teacher)
    for index in range(8):
        respond(form=session_form(), session=session, overall=4, went_well=f"Comment {index}")
    return teacher


@pytest.fixture
def slow_check(monkeypatch):
    """Each save waits a little between checking the choice and writing it, so that saves made at
    once overlap there whatever the machine's speed."""
    check = services.choosable_comments

    def slow(*, teacher):
        found = check(teacher=teacher)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(services, "choosable_comments", slow)


def _choices(teacher):
    ids = [comment.id for comment in choosable_comments(teacher=teacher)]
    return [ids[0:5], ids[3:8], ids[1:6], ids[2:7]]


def test_choices_saved_at_once_are_each_applied_whole(teacher_with_comments, slow_check):
    choices = _choices(teacher_with_comments)

    failures = all_at_once(choices, lambda ids: services.pick_comments(teacher=teacher_with_comments, answer_ids=ids))

    assert failures == []
    saved = list(
        PickedComment.objects.filter(teacher=teacher_with_comments)
        .order_by("position")
        .values_list("answer_id", flat=True)
    )
    assert [str(answer_id) for answer_id in saved] in choices


def test_control_without_the_lock_choices_collide(teacher_with_comments, slow_check, monkeypatch):
    class Unlocked:
        class objects:
            @staticmethod
            def select_for_update():
                return Member.objects.all()

    choices = _choices(teacher_with_comments)
    monkeypatch.setattr(services, "Member", Unlocked)

    failures = all_at_once(choices, lambda ids: services.pick_comments(teacher=teacher_with_comments, answer_ids=ids))

    assert failures and all(isinstance(error, services.PortfolioError) for error in failures)
    assert PickedComment.objects.filter(teacher=teacher_with_comments).count() <= 5
