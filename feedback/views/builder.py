"""The form builder (committee) and a session's choice of feedback form (its lead teacher, the committee)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from events.models import Session
from events.permissions import can_view_session
from feedback import permissions, selectors, services
from feedback.forms import FormDetailsForm, SessionFormChoiceForm, question_formset
from feedback.models import Form, PendingResponse, Response


class _BuilderMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if request.method.lower() not in self.http_method_names:
                return self.http_method_not_allowed(request, *args, **kwargs)
            if not permissions.can_manage_forms(request.user):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class FormListView(_BuilderMixin, TemplateView):
    """Current versions of every form, with how many responses each has."""

    template_name = "feedback/builder_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"forms": list(selectors.forms_for_builder())}


class FormCreateView(_BuilderMixin, TemplateView):
    template_name = "feedback/builder_form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "details": kwargs.get("details") or FormDetailsForm(initial={"purpose": "session"}),
            "questions": kwargs.get("questions") or question_formset(),
        }

    def post(self, request):
        details, questions = FormDetailsForm(request.POST), question_formset(request.POST)
        if details.is_valid() and questions.is_valid():
            try:
                form = services.create_form(
                    title=details.cleaned_data["title"],
                    intro=details.cleaned_data["intro"],
                    purpose=details.cleaned_data["purpose"],
                    questions=questions.specs(),
                    by=request.user,
                )
            except services.FeedbackError as error:
                details.add_error(None, str(error))
            else:
                messages.success(request, _("“%s” is saved.") % form.title)
                return redirect("feedback:builder_edit", pk=form.pk)
        # Only a refused save comes back here, its reasons in the forms' errors (and so in the summary).
        return self.render_to_response(self.get_context_data(details=details, questions=questions))


class FormEditView(_BuilderMixin, TemplateView):
    """Edit the current version; when it has responses, saving makes the next version."""

    template_name = "feedback/builder_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and permissions.can_manage_forms(request.user):
            try:
                self.form = selectors.form_with_questions(pk=kwargs["pk"])
            except Form.DoesNotExist:
                raise Http404 from None
            if not self.form.is_current:
                current = Form.objects.filter(family=self.form.family, is_current=True).first()
                if current is None:
                    raise Http404
                messages.info(request, _("That was an old version; this is the current one."))
                return redirect("feedback:builder_edit", pk=current.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        form = self.form
        return super().get_context_data(**kwargs) | {
            "questionnaire": form,
            "response_count": Response.objects.filter(form=form).count()
            + PendingResponse.objects.filter(form=form).count(),
            "details": kwargs.get("details")
            or FormDetailsForm(initial={"title": form.title, "intro": form.intro}, with_purpose=False),
            "questions": kwargs.get("questions") or question_formset(specs=services.specs_for(form)),
        }

    def post(self, request, pk: int):
        details = FormDetailsForm(request.POST, with_purpose=False)
        questions = question_formset(request.POST, specs=services.specs_for(self.form))
        if details.is_valid() and questions.is_valid():
            try:
                saved = services.update_form(
                    form=self.form,
                    title=details.cleaned_data["title"],
                    intro=details.cleaned_data["intro"],
                    questions=questions.specs(),
                    by=request.user,
                )
            except services.FeedbackError as error:
                details.add_error(None, str(error))
            else:
                if saved.pk == self.form.pk:
                    messages.success(request, _("Your changes are saved."))
                else:
                    messages.success(
                        request,
                        _(
                            "This form already had responses, so your changes were saved as version %(version)s, "
                            "now the current one. Earlier responses keep the questions they answered."
                        )
                        % {"version": saved.version},
                    )
                return redirect("feedback:builder_edit", pk=saved.pk)
        # Only a refused save comes back here, its reasons in the forms' errors (and so in the summary).
        return self.render_to_response(self.get_context_data(details=details, questions=questions))


class MakeDefaultView(_BuilderMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        form = Form.objects.filter(pk=pk).first()
        if form is None:
            raise Http404
        try:
            services.make_default(form=form, by=request.user)
        except services.FeedbackError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Sessions now use “%s” unless they choose another form.") % form.title)
        return redirect("feedback:builder")


class SessionFormChoiceView(LoginRequiredMixin, TemplateView):
    """The session's lead teacher or the committee picks the form its feedback uses."""

    template_name = "feedback/session_form_choice.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            try:
                self.session = selectors.session_for_feedback(pk=kwargs["pk"])
            except Session.DoesNotExist:
                raise Http404 from None
            if not can_view_session(request.user, self.session):
                raise Http404
            if not permissions.can_choose_session_form(request.user, self.session):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _current(self) -> Form | None:
        try:
            return services.form_for_session(self.session)
        except services.FeedbackError:
            return None

    def get_context_data(self, **kwargs):
        current = self._current()
        return super().get_context_data(**kwargs) | {
            "session": self.session,
            "current": current,
            "has_responses": Response.objects.filter(session=self.session).exists()
            or PendingResponse.objects.filter(session=self.session).exists(),
            "form": kwargs.get("form")
            or SessionFormChoiceForm(forms_offered=selectors.session_forms(), initial={"form": current}),
        }

    def post(self, request, pk: int):
        form = SessionFormChoiceForm(request.POST, forms_offered=selectors.session_forms())
        if form.is_valid():
            try:
                chosen = services.choose_session_form(
                    session=self.session, form=form.cleaned_data["form"], by=request.user
                )
            except services.FeedbackError as error:
                form.add_error("form", str(error))
            else:
                messages.success(request, _("Feedback on this session will use “%s”.") % chosen.title)
                return redirect("events:detail", pk=self.session.pk)
        return self.render_to_response(self.get_context_data(form=form))


urlpatterns = [
    path("feedback/forms/", FormListView.as_view(), name="builder"),
    path("feedback/forms/new/", FormCreateView.as_view(), name="builder_create"),
    path("feedback/forms/<int:pk>/", FormEditView.as_view(), name="builder_edit"),
    path("feedback/forms/<int:pk>/default/", MakeDefaultView.as_view(), name="builder_default"),
    path("feedback/sessions/<int:pk>/form/", SessionFormChoiceView.as_view(), name="session_form"),
]
