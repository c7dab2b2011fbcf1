from django.contrib import admin

from teachers.models import RosterEntry


@admin.register(RosterEntry)
class RosterEntryAdmin(admin.ModelAdmin):
    list_display = ["session", "teacher", "role"]
    list_filter = ["role"]
    search_fields = ["session__title", "teacher__email", "teacher__first_name", "teacher__last_name"]
    list_select_related = ["session", "teacher"]
    autocomplete_fields = ["teacher"]
    raw_id_fields = ["session"]
