"""The teaching portfolio's own data: the comments a teacher chose to show in it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A portfolio quotes at most this many comments: a choice, not the whole feedback.
MAX_PICKED_COMMENTS = 5


class PickedComment(models.Model):
    """A released, not held-back comment on a session the teacher taught, chosen for their
    portfolio. Positions 1 to MAX_PICKED_COMMENTS, each used once per teacher, so the database
    itself never holds more than five for anyone."""

    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="picked_comments")
    # The feedback app's anonymous answer; it carries no link to its author.
    answer = models.ForeignKey("feedback.Answer", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"))
    picked_at = models.DateTimeField(_("picked at"), default=timezone.now)

    class Meta:
        verbose_name = _("comment in a portfolio")
        verbose_name_plural = _("comments in portfolios")
        ordering = ["teacher", "position"]
        constraints = [
            models.UniqueConstraint(fields=["teacher", "answer"], name="picked_comment_once"),
            models.UniqueConstraint(fields=["teacher", "position"], name="picked_comment_position_once"),
            models.CheckConstraint(
                condition=models.Q(position__range=(1, MAX_PICKED_COMMENTS)), name="picked_comment_at_most_five"
            ),
        ]

    def __str__(self):
        return f"{self.teacher} #{self.position}"
