"""Answering: a session's feedback form, a survey, the thank-you pages and "Feedback to give".

Nothing here puts a response's key in a URL, a message or the member's web session: the
thank-you page is addressed by the session or survey (see `feedback.anonymity`).
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.generic import TemplateView

from events.feedback_window import feedback_closes_at
from events.models import Session
from events.permissions import can_view_session
from feedback import selectors, services
from feedback.forms import AnswerForm
from feedback.models import Receipt, Survey


class FeedbackToGiveView(LoginRequiredMixin, TemplateView):
    """Sessions awaiting the member's feedback and surveys open to them."""

    template_name = "feedback/answer_to_give.html"

    def get_context_data(self, **kwargs):
        sessions = list(selectors.feedback_due(member=self.request.user))
        for session in sessions:
            session.feedback_closes_at = feedback_closes_at(session)
        return super().get_context_data(**kwargs) | {
            "sessions": sessions,
            "surveys": list(selectors.open_surveys_for(member=self.request.user)),
        }


class _AnswerView(LoginRequiredMixin, TemplateView):
    """GET shows the form (or why it cannot be answered); POST submits it through the service."""

    template_name = "feedback/answer_form.html"
    refused_template_name = "feedback/answer_closed.html"

    def get_scope(self, pk: int):
        raise NotImplementedError

    def check(self, scope) -> None:
        raise NotImplementedError

    def form_of(self, scope):
        raise NotImplementedError

    def scope_kwargs(self, scope) -> dict:
        raise NotImplementedError

    def thanks_url(self, scope) -> str:
        raise NotImplementedError

    def render_page(self, scope, *, answer_form=None, refusal: str = ""):
        context = self.get_context_data(scope=scope, **self.scope_kwargs(scope))
        if refusal:
            self.template_name = self.refused_template_name
            return self.render_to_response(context | {"refusal": refusal})
        return self.render_to_response(context | {"form": answer_form, "questionnaire": answer_form.questionnaire})

    def _prepare(self, pk: int):
        scope = self.get_scope(pk)
        try:
            self.check(scope)
            questionnaire = selectors.form_with_questions(pk=self.form_of(scope).pk)
        except services.FeedbackError as refusal:
            return scope, None, str(refusal)
        return scope, questionnaire, ""

    def get(self, request, pk: int):
        scope, questionnaire, refusal = self._prepare(pk)
        if refusal:
            return self.render_page(scope, refusal=refusal)
        return self.render_page(scope, answer_form=AnswerForm(form=questionnaire, member=request.user))

    def post(self, request, pk: int):
        scope, questionnaire, refusal = self._prepare(pk)
        if refusal:
            return self.render_page(scope, refusal=refusal)
        answer_form = AnswerForm(request.POST, form=questionnaire, member=request.user)
        if not answer_form.is_valid():
            return self.render_page(scope, answer_form=answer_form)
        try:
            services.submit_response(member=request.user, answers=answer_form.answers(), **self.scope_kwargs(scope))
        except services.FeedbackError as refusal:
            answer_form.add_error(None, str(refusal))
            return self.render_page(scope, answer_form=answer_form)
        return redirect(self.thanks_url(scope))


def _visible_session(request, pk: int) -> Session:
    try:
        session = selectors.session_for_feedback(pk=pk)
    except Session.DoesNotExist:
        raise Http404 from None
    if not can_view_session(request.user, session):
        raise Http404
    return session


def _open_survey(pk: int) -> Survey:
    survey = Survey.objects.select_related("form").filter(pk=pk).first()
    if survey is None:
        raise Http404
    return survey


class SessionFeedbackView(_AnswerView):
    def get_scope(self, pk: int) -> Session:
        return _visible_session(self.request, pk)

    def check(self, scope) -> None:
        services.check_can_respond_to_session(session=scope, member=self.request.user)

    def form_of(self, scope):
        return services.form_for_session(scope)

    def scope_kwargs(self, scope) -> dict:
        return {"session": scope}

    def thanks_url(self, scope) -> str:
        return reverse("feedback:answer_session_thanks", args=[scope.pk])


class SurveyAnswerView(_AnswerView):
    def get_scope(self, pk: int) -> Survey:
        return _open_survey(pk)

    def check(self, scope) -> None:
        services.check_can_respond_to_survey(survey=scope, member=self.request.user)

    def form_of(self, scope):
        return scope.form

    def scope_kwargs(self, scope) -> dict:
        return {"survey": scope}

    def thanks_url(self, scope) -> str:
        return reverse("feedback:answer_survey_thanks", args=[scope.pk])


class SessionThanksView(LoginRequiredMixin, TemplateView):
    template_name = "feedback/answer_thanks.html"

    def get_context_data(self, **kwargs):
        session = _visible_session(self.request, kwargs["pk"])
        return super().get_context_data(**kwargs) | {
            "session": session,
            "has_responded": Receipt.objects.filter(session=session, member=self.request.user).exists(),
        }


class SurveyThanksView(LoginRequiredMixin, TemplateView):
    template_name = "feedback/answer_thanks.html"

    def get_context_data(self, **kwargs):
        survey = _open_survey(kwargs["pk"])
        return super().get_context_data(**kwargs) | {
            "survey": survey,
            "has_responded": Receipt.objects.filter(survey=survey, member=self.request.user).exists(),
        }


urlpatterns = [
    path("feedback/", FeedbackToGiveView.as_view(), name="to_give"),
    path("feedback/sessions/<int:pk>/", SessionFeedbackView.as_view(), name="answer_session"),
    path("feedback/sessions/<int:pk>/thanks/", SessionThanksView.as_view(), name="answer_session_thanks"),
    path("feedback/surveys/<int:pk>/", SurveyAnswerView.as_view(), name="answer_survey"),
    path("feedback/surveys/<int:pk>/thanks/", SurveyThanksView.as_view(), name="answer_survey_thanks"),
]
