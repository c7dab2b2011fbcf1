"""Whether a member owes feedback on a session they held a place at, for My sessions. The rule is
the feedback app's (`feedback.selectors.registrations_owing_feedback`), and `feedback` sits above
`attendance`, so the question is asked here: the feedback app answers `feedback_due_asked` with
the rule's SQL form, connected in its `AppConfig.ready()`, and My sessions annotates its
registrations with it, in the same query.
"""

from django.db.models import Expression
from django.dispatch import Signal

# Sent with `now`; a receiver returns a boolean expression on a `Registration` row: whether its
# holder may give feedback on its session now and has not.
feedback_due_asked = Signal()


def feedback_due(*, now) -> Expression:
    """The feedback app's answer. Raises LookupError when no app answers: no link would then be
    silently wrong."""
    answers = feedback_due_asked.send(sender=None, now=now)
    if len(answers) != 1:
        raise LookupError("One app answers feedback_due_asked (feedback.apps connects it).")
    return answers[0][1]
