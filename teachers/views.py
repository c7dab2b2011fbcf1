from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from events import selectors as event_selectors
from events.enums import SessionStatus
from events.forms import SessionForm
from members.permissions import is_teacher
from teachers import services


class TeacherRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self):
        return is_teacher(self.request.user)


class ProposeSessionView(TeacherRequiredMixin, FormView):
    template_name = "events/session_form.html"
    form_class = SessionForm

    def form_valid(self, form):
        submit = "submit" in self.request.POST
        session = services.propose_session(
            teacher=self.request.user, submit=submit, target_years=form.cleaned_data["target_years"],
            **form.session_fields,
        )  # fmt: skip
        if submit:
            messages.success(self.request, _("“%s” has been sent to the committee for approval.") % session.title)
        else:
            messages.success(self.request, _("“%s” is saved as a draft.") % session.title)
        return redirect("events:detail", pk=session.pk)


class TeachingDashboardView(TeacherRequiredMixin, TemplateView):
    """A teacher's sessions by what they need next."""

    template_name = "teachers/dashboard.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        groups = {"drafts": [], "awaiting": [], "upcoming": [], "past": [], "cancelled": []}
        for session in event_selectors.sessions_taught_by(teacher=self.request.user):
            if session.status == SessionStatus.DRAFT:
                groups["drafts"].append(session)
            elif session.status == SessionStatus.SUBMITTED:
                groups["awaiting"].append(session)
            elif session.status == SessionStatus.CANCELLED:
                groups["cancelled"].append(session)
            elif session.ends_at > now:
                groups["upcoming"].append(session)
            else:
                groups["past"].append(session)
        groups["past"].reverse()
        return super().get_context_data(**kwargs) | groups
