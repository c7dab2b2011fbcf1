from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.shortcuts import redirect
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from certificates.enums import CertificateKind
from certificates.selectors import certificates_of
from members.permissions import is_teacher
from portfolio import selectors, services
from portfolio.document import portfolio_body
from portfolio.models import MAX_PICKED_COMMENTS


class PortfolioView(LoginRequiredMixin, UserPassesTestMixin, TemplateView):
    """A teacher's portfolio: sessions, attendees and feedback, and the comments it quotes; and
    its PDF, issued as a certificate anyone can verify."""

    template_name = "portfolio/portfolio.html"

    def test_func(self):
        return is_teacher(self.request.user)

    def get_context_data(self, **kwargs):
        portfolio = selectors.portfolio_for(teacher=self.request.user)
        # The comments ticked: those saved, unless a refused choice passes what the teacher ticked.
        context = {"chosen_ids": portfolio.picked_ids} | super().get_context_data(**kwargs)
        return context | {
            "portfolio": portfolio,
            # The page shows what the PDF would say if issued now: the same document.
            "document": portfolio_body(portfolio),
            "max_comments": MAX_PICKED_COMMENTS,
            "certificates": certificates_of(holder=self.request.user, kind=CertificateKind.PORTFOLIO),
        }

    def post(self, request, *args, **kwargs):
        if "issue" in request.POST:
            try:
                certificate = services.issue_portfolio_certificate(teacher=request.user)
            except services.PortfolioError as refusal:
                messages.error(request, str(refusal))
                return redirect("portfolio:mine")
            return redirect("certificates:pdf", code=certificate.code)
        chosen = request.POST.getlist("comment")
        try:
            picks = services.pick_comments(teacher=request.user, answer_ids=chosen)
        except services.PortfolioError as refusal:
            # Shown at the top of the page and at the choice, which keeps what the teacher ticked.
            error = {"anchor": "comment-1", "text": str(refusal)}
            context = self.get_context_data(pick_errors=[error], chosen_ids=set(chosen), has_form_errors=True)
            return self.render_to_response(context)
        else:
            messages.success(
                request,
                ngettext("Your portfolio now quotes %d comment.", "Your portfolio now quotes %d comments.", len(picks))
                % len(picks),
            )
        return redirect("portfolio:mine")
