from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from attendance.models import AttendanceChange


@admin.register(AttendanceChange)
class AttendanceChangeAdmin(admin.ModelAdmin):
    """The history of attendance statuses, for settling a disputed register or certificate: read
    only, as a record should be."""

    list_display = ["changed_at", "session", "attendee", "old_status", "new_status", "changed_by", "source"]
    list_filter = ["source", "new_status", "changed_at"]
    search_fields = ["registration__session__title", "registration__member__email", "changed_by__email"]
    date_hierarchy = "changed_at"
    list_select_related = ["registration__session", "registration__member", "changed_by"]
    fields = list_display

    @admin.display(description=_("session"), ordering="registration__session__starts_at")
    def session(self, change: AttendanceChange):
        return change.registration.session

    @admin.display(description=_("attendee"), ordering="registration__member__email")
    def attendee(self, change: AttendanceChange):
        return change.registration.member

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
