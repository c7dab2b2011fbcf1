import csv

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events import services
from events.enums import SessionStatus
from events.models import Series, Session, SessionChange, SessionTargetYear


class TargetYearInline(admin.TabularInline):
    model = SessionTargetYear
    extra = 0


class ChangeInline(admin.TabularInline):
    model = SessionChange
    extra = 0
    can_delete = False
    readonly_fields = ["field", "old_value", "new_value", "changed_by", "changed_at"]

    def has_add_permission(self, request, obj=None):
        return False


def _safe_cell(value) -> str:
    """Spreadsheets run cells that start with = + - @ (or a tab/CR) as formulas: make them text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "format", "status", "series", "topic"]
    list_filter = ["status", "format", "series", "target_years__year", "starts_at"]
    search_fields = ["title", "topic", "description", "venue"]
    date_hierarchy = "starts_at"
    list_select_related = ["series"]
    inlines = [TargetYearInline, ChangeInline]
    readonly_fields = ["status", "published_at", "created_at", "created_by"]
    actions = ["approve", "cancel", "export_csv"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Approve selected sessions awaiting approval"))
    def approve(self, request, queryset):
        done = 0
        for session in queryset.filter(status=SessionStatus.SUBMITTED):
            services.approve_session(session=session, by=request.user)
            done += 1
        self.message_user(request, _("%d session(s) published.") % done, messages.SUCCESS)

    @admin.action(description=_("Cancel selected sessions (reason: cancelled by the committee)"))
    def cancel(self, request, queryset):
        done = 0
        for session in queryset.exclude(status__in=[SessionStatus.COMPLETED, SessionStatus.CANCELLED]):
            services.cancel_session(session=session, by=request.user, reason=str(_("Cancelled by the committee.")))
            done += 1
        self.message_user(request, _("%d session(s) cancelled.") % done, messages.SUCCESS)

    @admin.action(description=_("Export selected sessions as CSV"))
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="sessions-{timezone.localdate():%Y-%m-%d}.csv"'
        writer = csv.writer(response)
        writer.writerow(["id", "title", "starts_at", "ends_at", "format", "status", "target_years", "venue", "topic"])
        for session in queryset.prefetch_related("target_years"):
            writer.writerow([_safe_cell(v) for v in (
                session.pk, session.title, timezone.localtime(session.starts_at).isoformat(),
                timezone.localtime(session.ends_at).isoformat(), session.format, session.status,
                ";".join(str(y) for y in session.target_year_numbers), session.venue, session.topic,
            )])  # fmt: skip
        return response


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    search_fields = ["title"]
