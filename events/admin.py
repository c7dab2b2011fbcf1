from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events import clashes, selectors, services
from events.enums import SessionStatus
from events.models import Series, Session, SessionChange, SessionTargetYear
from meded.admin_inlines import LabelledInlineFormSet, LabelledTabularInline
from meded.spreadsheets import csv_response


class TargetYearFormSet(LabelledInlineFormSet):
    """Names each row's year select and delete box: in a tabular inline only the column heads say
    what they are, which a screen reader does not announce for a control."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        year = form.instance.year if form.instance.pk else None
        form.fields["year"].widget.attrs["aria-label"] = _("Target year")
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = (
                _("Delete target year %(year)s") % {"year": year} if year else _("Delete this target year")
            )


class TargetYearInline(LabelledTabularInline):
    model = SessionTargetYear
    formset = TargetYearFormSet
    extra = 0


class ChangeInline(admin.TabularInline):
    model = SessionChange
    extra = 0
    can_delete = False
    readonly_fields = ["field", "old_value", "new_value", "changed_by", "changed_at"]

    def has_add_permission(self, request, obj=None):
        return False


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

    def has_change_permission(self, request, obj=None):
        # Completed and cancelled sessions are history: the service refuses edits, so does the admin.
        if obj is not None and obj.status in (SessionStatus.COMPLETED, SessionStatus.CANCELLED):
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            super().save_model(request, obj, form, change)
            return
        # Edits go through the service, so a published session's changes are logged for registrants.
        edited = {name: form.cleaned_data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS}
        original = Session.objects.get(pk=obj.pk)
        services.update_session(
            session=original, changed_by=request.user, target_years=original.target_year_numbers, **edited
        )

    @admin.action(description=_("Approve selected sessions awaiting approval"))
    def approve(self, request, queryset):
        """Shows a confirmation page with each session's clash and near-peer warnings (the
        approval queue's own, `events.clashes.warnings_for`), then publishes each through
        `events.services.approve_session`, as the queue does."""
        sessions = list(selectors.with_listing_joins(queryset.filter(status=SessionStatus.SUBMITTED)).order_by("pk"))
        if request.POST.get("post") != "yes":
            warnings = clashes.warnings_for(sessions)
            context = {
                **self.admin_site.each_context(request),
                "title": _("Approve sessions"),
                "opts": self.model._meta,
                "rows": [(session, warnings[session.pk]) for session in sessions],
                "warning_count": sum(len(found) for found in warnings.values()),
                "skipped": queryset.exclude(status=SessionStatus.SUBMITTED).count(),
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/events/session/approve.html", context)
        done = 0
        for session in sessions:
            try:
                services.approve_session(session=session, by=request.user)
            except services.InvalidTransition as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                done += 1
        self.message_user(
            request, ngettext("%d session published.", "%d sessions published.", done) % done, messages.SUCCESS
        )
        return None

    @admin.action(description=_("Cancel selected sessions (reason: cancelled by the committee)"))
    def cancel(self, request, queryset):
        done = 0
        for session in queryset.exclude(status__in=[SessionStatus.COMPLETED, SessionStatus.CANCELLED]):
            try:
                services.cancel_session(session=session, by=request.user, reason=str(_("Cancelled by the committee.")))
            except services.InvalidTransition as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                done += 1
        self.message_user(
            request, ngettext("%d session cancelled.", "%d sessions cancelled.", done) % done, messages.SUCCESS
        )

    @admin.action(description=_("Export selected sessions as CSV"))
    def export_csv(self, request, queryset):
        return csv_response(
            filename=f"sessions-{timezone.localdate():%Y-%m-%d}.csv",
            header=["id", "title", "starts_at", "ends_at", "format", "status", "target_years", "venue", "topic"],
            rows=(
                (
                    session.pk,
                    session.title,
                    timezone.localtime(session.starts_at).isoformat(),
                    timezone.localtime(session.ends_at).isoformat(),
                    session.format,
                    session.status,
                    ";".join(str(y) for y in session.target_year_numbers),
                    session.venue,
                    session.topic,
                )
                for session in queryset.prefetch_related("target_years")
            ),
        )


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    search_fields = ["title"]
