from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from certificates import services
from certificates.models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Certificates are never edited: what was issued stays as it was; the committee revokes."""

    list_display = ["code", "kind", "holder_name", "issued_at", "revoked_at"]
    list_filter = ["kind", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["code", "holder_name", "holder__email"]
    list_select_related = ["holder"]
    readonly_fields = [f.name for f in Certificate._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke selected certificates"), permissions=["change"])
    def revoke(self, request, queryset):
        """Asks for the reason on a confirmation page (shown on each verification page), then
        revokes each through `certificates.services.revoke_certificate`."""
        current = list(queryset.filter(revoked_at__isnull=True).order_by("pk"))
        reason = request.POST.get("reason", "").strip()
        if request.POST.get("post") != "yes" or not reason:
            context = {
                **self.admin_site.each_context(request),
                "title": _("Revoke certificates"),
                "opts": self.model._meta,
                "certificates": current,
                "missing_reason": request.POST.get("post") == "yes",
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/certificates/certificate/revoke.html", context)
        done = 0
        for certificate in current:
            try:
                services.revoke_certificate(certificate=certificate, by=request.user, reason=reason)
            except services.CertificateError as refusal:
                self.message_user(request, f"{certificate.code}: {refusal}", messages.WARNING)
            else:
                done += 1
        self.message_user(
            request, ngettext("%d certificate revoked.", "%d certificates revoked.", done) % done, messages.SUCCESS
        )
        return None
