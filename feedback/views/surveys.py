"""The committee's surveys: the list, sending a survey form to an audience, the results by year
band and the anonymous research export."""

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.db.models import Count, Min, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from events.forms import DATETIME_LOCAL, DateTimeLocalInput
from feedback import permissions, results
from feedback.enums import FormPurpose, ImportSource, SurveyStatus
from feedback.models import Form, PendingResponse, Survey, SurveyImport
from feedback.results.counting import rows_counted
from feedback.services import FeedbackError, create_survey, release_survey
from meded.spreadsheets import csv_response, safe_cell
from members.enums import YearOfStudy


class SurveyForm(forms.Form):
    """A survey as the committee sends it. Times are London times (the site's time zone).

    It lives with its view rather than in `feedback/forms.py` because it serves this page only.
    """

    form = forms.ModelChoiceField(
        label=gettext_lazy("Questionnaire"),
        queryset=Form.objects.none(),
        help_text=gettext_lazy("The current version of a survey form."),
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    opens_at = forms.DateTimeField(label=gettext_lazy("Opens"), widget=DateTimeLocalInput())
    closes_at = forms.DateTimeField(label=gettext_lazy("Closes"), widget=DateTimeLocalInput())
    years = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Sent to"),
        choices=YearOfStudy.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Tick the years to ask; leave all unticked to ask every member."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = Form.objects.filter(purpose=FormPurpose.SURVEY, is_current=True).order_by(
            "title"
        )
        for name in ("opens_at", "closes_at"):
            self.fields[name].input_formats = [DATETIME_LOCAL, "%Y-%m-%d %H:%M"]
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The survey must close after it opens."))
        return data


class SurveyManagerMixin(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self):
        return permissions.can_manage_surveys(self.request.user)


class SurveyListView(SurveyManagerMixin, TemplateView):
    template_name = "feedback/survey_list.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        surveys = list(results.surveys_for_committee())
        for survey in surveys:
            survey.status = results.survey_status(survey, now=now)
            survey.years = sorted(entry.year for entry in survey.audience_years.all())
        return super().get_context_data(**kwargs) | {"surveys": surveys, "SurveyStatus": SurveyStatus}


class SurveyCreateView(SurveyManagerMixin, FormView):
    template_name = "feedback/survey_form.html"
    form_class = SurveyForm

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            survey = create_survey(
                form=data["form"],
                title=data["title"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                years=data["years"],
                by=self.request.user,
            )
        except FeedbackError as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("“%s” is ready: its members are invited by e-mail when it opens, and find it under Feedback to give.")
            % survey.title,
        )
        return redirect("feedback:surveys")


class SurveyObjectMixin(SurveyManagerMixin):
    def get_survey(self, pk: int) -> Survey:
        """The survey, its answers released first if it has closed and they are still sealed
        (beat releases them within minutes of the close; the committee need not wait for it)."""
        sealed = rows_counted(PendingResponse, survey=OuterRef("pk"))
        imports = SurveyImport.objects.filter(survey=OuterRef("pk")).order_by().values("survey")
        survey = (
            Survey.objects.select_related("form")
            .annotate(
                sealed_count=sealed,
                # Imported from exports: how many, and from which tool (the page names it when one).
                imported_count=Coalesce(Subquery(imports.annotate(n=Sum("responses")).values("n")), 0),
                import_sources=Coalesce(Subquery(imports.annotate(n=Count("source", distinct=True)).values("n")), 0),
                import_source=Subquery(imports.annotate(first=Min("source")).values("first")),
            )
            .filter(pk=pk)
            .first()
        )
        if survey is None:
            raise Http404
        if survey.sealed_count and results.survey_status(survey) == SurveyStatus.CLOSED:
            survey.sealed_count -= release_survey(survey)
        return survey


class SurveyExportMixin(SurveyObjectMixin):
    """Exports exist once a survey has closed; before that, back to its page, which says why."""

    def dispatch(self, request, *args, **kwargs):
        if not self.request.user.is_authenticated or not self.test_func():
            return super().dispatch(request, *args, **kwargs)
        survey = self.get_survey(kwargs["pk"])
        if results.survey_status(survey) != SurveyStatus.CLOSED:
            messages.info(request, _("The answers can be downloaded once the survey closes."))
            return redirect("feedback:survey_results", pk=survey.pk)
        self.survey = survey
        return super().dispatch(request, *args, **kwargs)


class SurveyResultsView(SurveyObjectMixin, TemplateView):
    template_name = "feedback/survey_results.html"

    def get_context_data(self, **kwargs):
        survey = self.get_survey(kwargs["pk"])
        source = ImportSource(survey.import_source).label if survey.import_sources == 1 else ""
        return super().get_context_data(**kwargs) | {
            "survey": survey,
            "import_source": source,
            "status": results.survey_status(survey).label,
            "results": results.survey_results(survey=survey),
        }


class SurveyExportView(SurveyExportMixin, View):
    """One row per response, in no order of arrival, no written answers, formula-safe (see
    `results.survey_export`)."""

    def get(self, request, pk: int):
        survey = self.survey
        header, rows = results.survey_export(survey=survey)
        return csv_response(
            filename=f"meded-survey-{survey.pk}-answers.csv",
            header=[safe_cell(name) for name in header],  # question texts are typed by people too
            rows=rows,
        )


class SurveyCommentsExportView(SurveyExportMixin, View):
    """The written answers alone, formula-safe (see `results.survey_comments_export`)."""

    def get(self, request, pk: int):
        survey = self.survey
        header, rows = results.survey_comments_export(survey=survey)
        return csv_response(filename=f"meded-survey-{survey.pk}-comments.csv", header=header, rows=rows)


urlpatterns = [
    path("feedback/surveys/", SurveyListView.as_view(), name="surveys"),
    path("feedback/surveys/new/", SurveyCreateView.as_view(), name="survey_create"),
    path("feedback/surveys/<int:pk>/results/", SurveyResultsView.as_view(), name="survey_results"),
    path("feedback/surveys/<int:pk>/answers.csv", SurveyExportView.as_view(), name="survey_csv"),
    path("feedback/surveys/<int:pk>/comments.csv", SurveyCommentsExportView.as_view(), name="survey_comments_csv"),
]
