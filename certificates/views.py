from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from certificates import permissions, selectors, services
from certificates.pdf import certificate_pdf


class CertificatePdfView(LoginRequiredMixin, View):
    """A certificate's PDF, for its holder and the committee (404 for anyone else)."""

    def get(self, request, code: str):
        certificate = selectors.certificate_by_code(code=code)
        if certificate is None or not permissions.can_download(request.user, certificate):
            raise Http404
        response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{certificate.kind}-{certificate.code}.pdf"'
        return response


class VerifyCertificateView(TemplateView):
    """Public: anyone holding a certificate checks it by its code and sees exactly what it says;
    the committee can revoke it here."""

    template_name = "certificates/verify.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "certificate": selectors.certificate_by_code(code=kwargs["code"]),
            "code": selectors.normalised_code(kwargs["code"]),
            "society_name": settings.SOCIETY_NAME,
            "can_revoke": permissions.can_revoke(self.request.user),
        }

    def post(self, request, code: str):
        if not permissions.can_revoke(request.user):
            raise PermissionDenied
        certificate = selectors.certificate_by_code(code=code)
        if certificate is None:
            raise Http404
        reason = request.POST.get("reason", "")
        try:
            services.revoke_certificate(certificate=certificate, by=request.user, reason=reason)
        except services.CertificateError as refusal:
            # At the top of the page and at the reason, which keeps what was typed.
            certificate.refresh_from_db()
            # Revoked meanwhile by someone else: the page shows that, and no form to point at.
            errors = [{"anchor": "" if certificate.is_revoked else "reason", "text": str(refusal)}]
            context = self.get_context_data(code=code, revoke_errors=errors, reason=reason, has_form_errors=True)
            return self.render_to_response(context)
        messages.success(request, _("The certificate is revoked: this page now says so."))
        return redirect("certificates:verify", code=certificate.code)
