"""Feedback in the admin. Responses and answers are read-only and show no member; receipts are
read-only and never appear next to a response (see `feedback.anonymity`)."""

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback import services
from feedback.models import (
    Answer,
    Code,
    Form,
    Interview,
    Option,
    PendingResponse,
    Question,
    Receipt,
    Response,
    Survey,
    SurveyImport,
    SurveyYear,
    Theme,
)
from feedback.results.counting import responses_counted
from meded.admin_inlines import LabelledTabularInline


def _has_responses(form: Form | None) -> bool:
    return (
        form is not None
        and form.pk is not None
        and (Response.objects.filter(form=form).exists() or PendingResponse.objects.filter(form=form).exists())
    )


class QuestionInline(LabelledTabularInline):
    model = Question
    extra = 0
    fields = ["position", "kind", "text", "help_text", "is_required", "metric_key", "is_for_teachers_only"]
    show_change_link = True  # options are edited on the question's own page

    # A version with responses is frozen: its questions are what those responses answered.
    def has_add_permission(self, request, obj=None):
        return not _has_responses(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _has_responses(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _has_responses(obj) and super().has_delete_permission(request, obj)


@admin.register(Form)
class FormAdmin(admin.ModelAdmin):
    list_display = ["title", "family", "version", "purpose", "is_current", "is_default", "responses"]
    list_filter = ["purpose", "is_current", "is_default"]
    search_fields = ["title", "family"]
    readonly_fields = ["version", "is_current", "is_default", "created_at", "created_by"]
    inlines = [QuestionInline]
    actions = ["make_new_version", "make_default"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(response_total=responses_counted(form=OuterRef("pk")))

    @admin.display(description=_("responses"), ordering="response_total")
    def responses(self, obj):
        return obj.response_total

    def get_readonly_fields(self, request, obj=None):
        if _has_responses(obj):
            return [*self.readonly_fields, "family", "purpose", "title", "intro"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Make a new version of the selected forms, to edit"))
    def make_new_version(self, request, queryset):
        for form in queryset.filter(is_current=True):
            try:
                saved = services.new_version(form=form, by=request.user)
            except services.FeedbackError as error:
                self.message_user(request, f"{form}: {error}", messages.ERROR)
            else:
                if saved.pk == form.pk:
                    self.message_user(request, _("%s has no responses: edit it as it is.") % form, messages.INFO)
                else:
                    self.message_user(request, _("%s is now the current version.") % saved, messages.SUCCESS)

    @admin.action(description=_("Make the selected session form the default"))
    def make_default(self, request, queryset):
        for form in queryset[:1]:
            try:
                services.make_default(form=form, by=request.user)
            except services.FeedbackError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, _("Sessions now use %s by default.") % form, messages.SUCCESS)


class OptionInline(LabelledTabularInline):
    model = Option
    extra = 0
    fields = ["position", "value", "label"]

    def has_add_permission(self, request, obj=None):
        return obj is None or (not _has_responses(obj.form) and super().has_add_permission(request, obj))

    def has_change_permission(self, request, obj=None):
        return obj is None or (not _has_responses(obj.form) and super().has_change_permission(request, obj))

    def has_delete_permission(self, request, obj=None):
        return obj is None or (not _has_responses(obj.form) and super().has_delete_permission(request, obj))


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "form", "position", "kind", "metric_key", "is_required"]
    list_filter = ["kind", "metric_key", "form__purpose"]
    list_select_related = ["form"]
    search_fields = ["text"]
    inlines = [OptionInline]

    def has_add_permission(self, request):
        # A question added to an answered version would change what its responses answered.
        chosen = request.POST.get("form") or request.GET.get("form")
        if chosen and chosen.isdigit() and _has_responses(Form.objects.filter(pk=chosen).first()):
            return False
        return super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and _has_responses(obj.form)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and _has_responses(obj.form)) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "form":
            kwargs["queryset"] = Form.objects.exclude(Exists(Response.objects.filter(form=OuterRef("pk")))).exclude(
                Exists(PendingResponse.objects.filter(form=OuterRef("pk")))
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SurveyYearInline(LabelledTabularInline):
    model = SurveyYear
    extra = 0
    verbose_name_plural = _("audience (no years: every member)")


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["title", "form", "opens_at", "closes_at"]
    list_select_related = ["form"]
    readonly_fields = ["created_at", "created_by"]
    inlines = [SurveyYearInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is None or obj.pk is None:
            return fields
        # Its responses answered this form: another would split them across two questionnaires.
        if Response.objects.filter(survey=obj).exists() or PendingResponse.objects.filter(survey=obj).exists():
            fields.append("form")
        # A closed survey has released its responses all at once; reopening it would let a few
        # more be released later, and comparing the two would show what those few said.
        if obj.closes_at <= timezone.now():
            fields += ["opens_at", "closes_at"]
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "form":
            kwargs["queryset"] = Form.objects.filter(purpose="survey", is_current=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    fields = ["question", "number", "option", "text", "is_held_back"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question", "option")


@admin.register(Response)
class ResponseAdmin(_ReadOnlyAdmin):
    """Anonymous: the form, the session or survey and (surveys) the band. There is no member to show,
    and no receipt is shown here. Only released responses exist; pending ones are sealed and not
    listed."""

    list_display = ["id", "form", "session", "survey", "interview", "year_band", "is_imported"]
    list_filter = ["form__purpose", "year_band", "is_imported"]
    list_select_related = ["form", "session", "survey", "interview"]
    inlines = [AnswerInline]


@admin.register(Interview)
class InterviewAdmin(_ReadOnlyAdmin):
    """Interviews whose excerpts are coded (`import_transcript`): a number, a role, a year; no name."""

    list_display = ["__str__", "role", "academic_year"]
    list_filter = ["academic_year", "role"]


@admin.register(SurveyImport)
class SurveyImportAdmin(_ReadOnlyAdmin):
    """Past surveys brought in from exports (`import_survey_responses`); written only by the import."""

    list_display = ["survey", "source", "responses", "skipped", "imported_at", "imported_by"]
    list_filter = ["source"]
    list_select_related = ["survey", "imported_by"]


@admin.register(Answer)
class AnswerAdmin(_ReadOnlyAdmin):
    list_display = ["question", "number", "option", "short_text", "is_held_back"]
    list_filter = ["question__kind", "is_held_back"]
    list_select_related = ["question", "option"]
    search_fields = ["text"]

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return obj.text[:80]


@admin.register(Receipt)
class ReceiptAdmin(_ReadOnlyAdmin):
    """That a member has responded — never which response is theirs, and no list of a session's
    or survey's respondents: the change list shows the member and the kind of scope only, with
    no filter or ordering by session, so it cannot be laid beside that scope's responses."""

    list_display = ["member", "kind"]
    list_select_related = ["member"]
    fields = ["member", "kind"]
    readonly_fields = fields
    search_fields = ["member__email", "member__last_name"]
    ordering = ["member_id"]

    def lookup_allowed(self, lookup, value, request=None):
        # Filtering by member only, and by the member's key only: ?session_id=…, ?survey__id__exact=…
        # or ?member__feedback_receipts__session=… would list one session's or survey's respondents.
        if lookup not in (
            "member",
            "member__exact",
            "member_id",
            "member_id__exact",
            "member__id",
            "member__id__exact",
        ):
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("responded to"))
    def kind(self, obj):
        return _("a session") if obj.session_id else _("a survey")


class CodeInline(LabelledTabularInline):
    model = Code
    extra = 0
    fields = ["position", "name", "description"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    inlines = [CodeInline]
