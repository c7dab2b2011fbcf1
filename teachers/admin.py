from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from meded.admin_inlines import LabelledTabularInline
from teachers import services
from teachers.enums import ApplicationStatus
from teachers.models import ApplicationMotivation, RosterEntry, TeacherApplication


@admin.register(RosterEntry)
class RosterEntryAdmin(admin.ModelAdmin):
    list_display = ["session", "teacher", "role"]
    list_filter = ["role"]
    search_fields = ["session__title", "teacher__email", "teacher__first_name", "teacher__last_name"]
    list_select_related = ["session", "teacher"]
    autocomplete_fields = ["teacher"]
    raw_id_fields = ["session"]


class MotivationInline(LabelledTabularInline):
    model = ApplicationMotivation
    extra = 0


@admin.register(TeacherApplication)
class TeacherApplicationAdmin(admin.ModelAdmin):
    list_display = ["member", "year_of_study", "status", "created_at", "decided_by"]
    list_filter = ["status", "year_of_study", "motivations__motivation"]
    search_fields = ["member__email", "member__first_name", "member__last_name", "subjects"]
    list_select_related = ["member", "decided_by"]
    readonly_fields = ["status", "decided_by", "decided_at", "created_at"]
    inlines = [MotivationInline]
    actions = ["approve"]

    @admin.action(description=_("Approve selected applications"))
    def approve(self, request, queryset):
        done = 0
        for application in queryset.filter(status=ApplicationStatus.PENDING).select_related("member"):
            try:
                services.approve_application(application=application, by=request.user)
            except services.ApplicationRefused as refusal:
                self.message_user(request, str(refusal), messages.WARNING)
            else:
                done += 1
        self.message_user(
            request, ngettext("%d application approved.", "%d applications approved.", done) % done, messages.SUCCESS
        )
