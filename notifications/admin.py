from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import services
from notifications.models import Message, Unsubscription


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox: read-only rows, with a resend action (the row is the record of what was sent)."""

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


@admin.register(Unsubscription)
class UnsubscriptionAdmin(admin.ModelAdmin):
    list_display = ["member", "category", "created_at"]
    list_filter = ["category"]
    search_fields = ["member__email"]
    list_select_related = ["member"]
