from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from members.models import Member, YearRollover


@admin.register(Member)
class MemberAdmin(UserAdmin):
    ordering = ["last_name", "first_name"]
    list_display = ["email", "first_name", "last_name", "year_of_study", "entry_year", "is_active", "is_staff"]
    list_filter = ["year_of_study", "groups", "is_active", "is_staff", "entry_year"]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["date_joined", "last_login", "graduated_on"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Member"), {"fields": ["first_name", "last_name", "year_of_study", "entry_year", "graduated_on"]}),
        (
            _("Roles and permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
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


@admin.register(YearRollover)
class YearRolloverAdmin(admin.ModelAdmin):
    list_display = ["academic_year", "performed_at", "promoted", "graduated"]
    readonly_fields = ["academic_year", "performed_at", "promoted", "graduated"]

    def has_add_permission(self, request):
        return False  # only `rollover_year` writes these
