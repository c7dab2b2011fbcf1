from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from notifications import permissions, selectors, services
from notifications.enums import PRERENDERED_KINDS
from notifications.models import Message, Unsubscription
from notifications.rendering import mask_links


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox: read-only rows, with a resend action (the row is the record of what was sent),
    above them how many wait and since when, and for the committee and admins "Send now"."""

    list_display = ["kind", "recipient", "status", "attempts", "created_at", "sent_at", "short_error"]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["recipient__email", "recipient__last_name", "occurrence"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A deleted row is a cause forgotten: the next sweep would write and send it again.
        return False

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("notifications.change_message")

    def may_send_now(self, request) -> bool:
        return self.has_view_permission(request) and permissions.can_send_outbox_now(request.user)

    def get_urls(self):
        send_now = self.admin_site.admin_view(require_POST(self.send_now_view))
        return [path("send-now/", send_now, name="notifications_message_send_now"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "outbox": selectors.outbox_status(),
            "may_send_now": self.may_send_now(request),
        }
        return super().changelist_view(request, extra_context)

    def send_now_view(self, request):
        """Queue every waiting message now (`services.send_waiting_now`), then back to the list."""
        if not self.may_send_now(request):
            raise PermissionDenied
        found, queued = services.send_waiting_now()
        if queued < found:
            self.message_user(
                request,
                gettext(
                    "Queued %(queued)d of %(found)d waiting messages: the broker could not be reached. "
                    "The rest go at the first sweep once it is back."
                )
                % {"queued": queued, "found": found},
                messages.ERROR,
            )
        else:
            self.message_user(
                request,
                ngettext(
                    "%d waiting message queued to be sent now.", "%d waiting messages queued to be sent now.", queued
                )
                % queued,
                messages.SUCCESS,
            )
        return redirect("admin:notifications_message_changelist")

    @admin.display(description=_("last error"))
    def short_error(self, message: Message) -> str:
        return message.last_error[:80]

    @admin.action(description=_("Send the selected messages again"), permissions=["resend"])
    def resend(self, request, queryset):
        count = services.resend(messages=queryset)
        self.message_user(
            request,
            ngettext("%d message queued to be sent again.", "%d messages queued to be sent again.", count) % count,
            messages.SUCCESS,
        )

    # An account e-mail's details are the e-mail itself, and its link is a key to the account (a
    # reset link also signs in): admins see where it went and what it said with the keys hidden,
    # and can resend it; nobody but its recipient needs the link.
    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and obj.kind in PRERENDERED_KINDS:
            return [("rendered_email" if name == "context" else name) for name in fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.kind in PRERENDERED_KINDS:
            return [*fields, "rendered_email"]
        return fields

    @admin.display(description=_("e-mail (links hidden)"))
    def rendered_email(self, message: Message) -> str:
        stored = message.context
        text = f"To: {', '.join(stored['to'])}\nSubject: {stored['subject']}\n\n{stored['text']}"
        return format_html("<pre>{}</pre>", mask_links(text))


@admin.register(Unsubscription)
class UnsubscriptionAdmin(admin.ModelAdmin):
    list_display = ["member", "category", "created_at"]
    list_filter = ["category"]
    search_fields = ["member__email"]
    list_select_related = ["member"]
