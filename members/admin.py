from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from members import services
from members.models import Member, YearRollover


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
