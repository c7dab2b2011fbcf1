"""Writes for the teaching portfolio: the comments a teacher chooses to show."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from certificates import services as certificate_services
from certificates.enums import CertificateKind
from certificates.models import Certificate
from members.models import Member
from portfolio.document import portfolio_body
from portfolio.models import MAX_PICKED_COMMENTS, PickedComment
from portfolio.selectors import choosable_comments, portfolio_for


class PortfolioError(Exception):
    """The choice cannot be saved (see the message)."""


def pick_comments(*, teacher: Member, answer_ids: list[str]) -> list[PickedComment]:
    """Make `answer_ids` (in that order) the comments the teacher's portfolio quotes, replacing
    any earlier choice. Each must be a comment the teacher may see on their results page
    (released, not held back, on a session of theirs with enough responses); at most
    MAX_PICKED_COMMENTS. Locks the teacher's member row, so two choices saved at once are applied
    one after the other; the positions' unique constraint is the backstop. Raises PortfolioError."""
    chosen = list(dict.fromkeys(str(answer_id) for answer_id in answer_ids))
    if len(chosen) > MAX_PICKED_COMMENTS:
        raise PortfolioError(_("Choose at most %d comments.") % MAX_PICKED_COMMENTS)
    with transaction.atomic():
        Member.objects.select_for_update().get(pk=teacher.pk)
        allowed = {comment.id for comment in choosable_comments(teacher=teacher)}
        if not set(chosen) <= allowed:
            raise PortfolioError(_("Choose among the comments on your own sessions that your results show."))
        PickedComment.objects.filter(teacher=teacher).delete()
        try:
            with transaction.atomic():
                picks = PickedComment.objects.bulk_create(
                    PickedComment(teacher=teacher, answer_id=answer_id, position=position)
                    for position, answer_id in enumerate(chosen, start=1)
                )
        except IntegrityError as error:
            raise PortfolioError(_("Your choice changed meanwhile; please choose again.")) from error
    return picks


def issue_portfolio_certificate(*, teacher: Member) -> Certificate:
    """Issue the teacher's portfolio as it reads now, with the committee's sign-off, as a
    certificate with a fresh verification code. Raises PortfolioError when they have taught no
    session yet."""
    portfolio = portfolio_for(teacher=teacher)
    if not portfolio.sessions:
        raise PortfolioError(_("A portfolio lists the sessions you have taught; you have none yet."))
    return certificate_services.issue_certificate(
        kind=CertificateKind.PORTFOLIO,
        holder=teacher,
        holder_name=teacher.get_full_name() or teacher.email,
        body=portfolio_body(portfolio),
    )
