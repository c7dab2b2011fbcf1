"""What teachers and the committee read of session feedback: a session's results, a teacher's
results across their sessions, and the committee's moderation of written comments."""

import uuid

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from events.models import Session
from feedback import permissions, results
from feedback.models import Answer
from feedback.services import FeedbackError, set_held_back
from members.permissions import is_teacher


class SessionResultsView(LoginRequiredMixin, TemplateView):
    """A session's aggregated, anonymous feedback, for its teachers and the committee (404 for
    anyone else, so a draft's existence does not leak)."""

    template_name = "feedback/results_session.html"

    def get_context_data(self, **kwargs):
        session = Session.objects.prefetch_related("roster__teacher").filter(pk=kwargs["pk"]).first()
        if session is None or not permissions.can_view_session_results(self.request.user, session):
            raise Http404
        moderates = permissions.can_see_held_back_comments(self.request.user, session)
        return super().get_context_data(**kwargs) | {
            "session": session,
            "results": results.session_results(session=session, include_held_back=moderates),
            "can_moderate": moderates,
        }


class MyResultsView(LoginRequiredMixin, UserPassesTestMixin, TemplateView):
    """A teacher's feedback across all the sessions they taught, and each session's count."""

    template_name = "feedback/results_mine.html"

    def test_func(self):
        return is_teacher(self.request.user)

    def get_context_data(self, **kwargs):
        # Teachers read their own results as teachers do, even when they also sit on the committee.
        return super().get_context_data(**kwargs) | {
            "results": results.teacher_results(teacher=self.request.user, include_held_back=False),
        }


class ModerationView(LoginRequiredMixin, UserPassesTestMixin, ListView):
    """The committee reads written comments on sessions and holds back any teachers should not see."""

    template_name = "feedback/moderation.html"
    context_object_name = "comments"
    paginate_by = 50

    def test_func(self):
        return permissions.can_moderate(self.request.user)

    def _session_id(self, value: str | None) -> int | None:
        return int(value) if value and value.isdigit() else None

    def get_queryset(self):
        self.session_id = self._session_id(self.request.GET.get("session"))
        return results.comments_for_moderation(viewer=self.request.user, session_id=self.session_id)

    def get_context_data(self, **kwargs):
        query = {"session": self.session_id} if self.session_id else {}
        sessions, own_left_out = results.sessions_with_comments(viewer=self.request.user)
        return super().get_context_data(**kwargs) | {
            "sessions": sessions,
            "own_left_out": own_left_out,
            "session_id": self.session_id,
            "query_string": urlencode(query),
        }

    def post(self, request, *args, **kwargs):
        action, _sep, pk = request.POST.get("action", "").partition(":")
        answer = _session_comment(pk, viewer=request.user) if action in ("hold", "release") else None
        if answer is None:
            messages.error(request, _("Choose a comment to hold back or release."))
            return redirect("feedback:moderation")
        try:
            set_held_back(answer=answer, held_back=action == "hold", by=request.user)
        except FeedbackError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                _("The comment is held back: teachers will not see it.")
                if action == "hold"
                else _("The comment is released: the session's teachers can see it."),
            )
        # Back to the same filter and page, at the same comment.
        keep = {name: value for name in ("session", "page") if (value := request.POST.get(name, "")).isdigit()}
        query = f"?{urlencode(keep)}" if keep else ""
        return redirect(f"{reverse('feedback:moderation')}{query}#comment-{answer.pk}")


def _session_comment(pk: str, *, viewer) -> Answer | None:
    """The answer to a session's feedback that `viewer` may moderate: not on a session they teach."""
    try:
        key = uuid.UUID(pk)
    except ValueError:
        return None
    return (
        Answer.objects.select_related("question")
        .filter(pk=key, response__session__isnull=False)
        .exclude(response__session__in=permissions.sessions_taught_by(viewer))
        .first()
    )


urlpatterns = [
    path("sessions/<int:pk>/feedback/results/", SessionResultsView.as_view(), name="session_results"),
    path("teaching/feedback/", MyResultsView.as_view(), name="my_results"),
    path("feedback/moderation/", ModerationView.as_view(), name="moderation"),
]
