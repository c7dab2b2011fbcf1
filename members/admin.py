from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from members import permissions, services
from members.enums import YearChangeSource, YearRequestState
from members.models import Member, YearOfStudyChange, YearOfStudyRequest, YearRollover


class YearOfStudyChangeInline(admin.TabularInline):
    """The member's changes of year, newest first; written only by the services, never here."""

    model = YearOfStudyChange
    fk_name = "member"
    fields = ["changed_at", "old_year", "new_year", "source", "changed_by", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("changes of year of study")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Member)
class MemberAdmin(UserAdmin):
    ordering = ["last_name", "first_name"]
    list_display = ["email", "first_name", "last_name", "year_of_study", "entry_year", "is_active", "is_staff"]
    list_filter = [
        "year_of_study",
        "groups",
        "is_active",
        "is_staff",
        "entry_year",
        ("closed_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["date_joined", "last_login", "graduated_on", "closed_at", "closed_by"]
    # Deleting a member who took part is refused (their registrations and teaching are protected,
    # see the delete pages' note); closing the account is the way to remove them.
    actions = ["close_accounts"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Member"), {"fields": ["first_name", "last_name", "year_of_study", "entry_year", "graduated_on"]}),
        (
            _("Roles and permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined", "closed_at", "closed_by"]}),
    ]
    inlines = [YearOfStudyChangeInline]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "first_name",
                    "last_name",
                    "year_of_study",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "year_of_study" in form.base_fields:
            # Compared with the year when the page was opened rather than when it is saved, so a year
            # moved meanwhile (the rollover, an approval) is not put back by saving another field.
            form.base_fields["year_of_study"].show_hidden_initial = True
        return form

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new member has no history yet

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            if not change:
                super().save_model(request, obj, form, change)
                services.record_first_year_of_study(member=obj, source=YearChangeSource.ADMIN, by=request.user)
                return
            # The year is written by the service, which logs it, and only when it was changed here:
            # the form's copy may be stale (the rollover or an approval may have moved it since the
            # page was opened), and saving it back would change it without a trace.
            if "year_of_study" in form.changed_data:
                services.change_year_of_study(
                    member=obj, year=obj.year_of_study, source=YearChangeSource.ADMIN, by=request.user
                )
            obj.save(
                update_fields=[
                    f.name for f in obj._meta.concrete_fields if not f.primary_key and f.name != "year_of_study"
                ]
            )

    def has_close_permission(self, request) -> bool:
        # Closing stands in for deleting, so it asks for the same permission.
        return request.user.has_perm("members.delete_member")

    def _reasons_not_to_close(self, request, member: Member) -> list[str]:
        if member.is_closed:
            return [_("Already closed.")]
        if member.pk == request.user.pk:
            # Closing signs the account out at once, mid-action; the profile page explains it first.
            return [_("This is your own account: close it from your profile page.")]
        return services.closing_blockers(member=member)

    @admin.action(description=_("Close selected accounts"), permissions=["close"])
    def close_accounts(self, request, queryset):
        """Shows a confirmation page listing what stops any account from closing, then closes
        each through `members.services.close_account`, as members do themselves."""
        rows = [(member, self._reasons_not_to_close(request, member)) for member in queryset.order_by("pk")]
        if request.POST.get("post") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Close accounts"),
                "opts": self.model._meta,
                "rows": rows,
                "closable": [member for member, reasons in rows if not reasons],
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/members/member/close_accounts.html", context)
        closed = 0
        for member, reasons in rows:
            if reasons:
                continue
            try:
                services.close_account(member=member, by=request.user)
            except services.AccountClosingRefused as error:  # something changed since the confirmation
                self.message_user(request, f"{member}: {error}", messages.WARNING)
            else:
                closed += 1
        self.message_user(
            request,
            ngettext("%d account closed.", "%d accounts closed.", closed) % closed,
            messages.SUCCESS if closed else messages.WARNING,
        )
        return None


@admin.register(YearRollover)
class YearRolloverAdmin(admin.ModelAdmin):
    list_display = ["academic_year", "performed_at", "promoted", "graduated"]
    readonly_fields = ["academic_year", "performed_at", "promoted", "graduated"]

    def has_add_permission(self, request):
        return False  # only `rollover_year` writes these


@admin.register(YearOfStudyRequest)
class YearOfStudyRequestAdmin(admin.ModelAdmin):
    """Requests are decided on the committee's page or by these actions; nothing here edits one by hand."""

    list_display = ["member", "year_when_asked", "year_of_study", "state", "created_at", "decided_by", "decided_at"]
    list_filter = ["state", "year_of_study"]
    list_select_related = ["member", "decided_by"]
    search_fields = ["member__email", "member__first_name", "member__last_name"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "member",
        "year_when_asked",
        "year_of_study",
        "reason",
        "state",
        "created_at",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    actions = ["approve", "decline"]

    def has_add_permission(self, request):
        return False

    def _decide(self, request, queryset, decide, done_message):
        done = skipped = 0
        for year_request in queryset.filter(state=YearRequestState.PENDING).select_related("member"):
            if not permissions.can_decide_year_of_study_request(request.user, year_request):
                skipped += 1
                continue
            try:
                decide(year_request=year_request, by=request.user)
            except services.YearOfStudyRefused as refusal:
                self.message_user(request, f"{year_request.member}: {refusal}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d request skipped: only the committee decides requests, and nobody their own.",
                    "%d requests skipped: only the committee decides requests, and nobody their own.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )

    @admin.action(description=_("Approve the selected requests (sets the year asked for)"))
    def approve(self, request, queryset):
        self._decide(
            request,
            queryset,
            services.approve_year_of_study_request,
            lambda n: ngettext("%d request approved.", "%d requests approved.", n) % n,
        )

    @admin.action(description=_("Decline the selected requests"))
    def decline(self, request, queryset):
        self._decide(
            request,
            queryset,
            services.decline_year_of_study_request,
            lambda n: ngettext("%d request declined.", "%d requests declined.", n) % n,
        )


@admin.register(YearOfStudyChange)
class YearOfStudyChangeAdmin(admin.ModelAdmin):
    """The log of changes of year of study: read-only, written only by the members services.

    Deleting a row is left to the usual permission, without a bulk action: deleting a member takes
    their log with it, and the admin refuses to delete a member whose related rows it may not delete.
    """

    actions = None
    list_display = ["member", "old_year", "new_year", "source", "changed_by", "changed_at", "note"]
    list_filter = ["source", "new_year"]
    list_select_related = ["member", "changed_by"]
    search_fields = ["member__email", "member__first_name", "member__last_name", "note"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
