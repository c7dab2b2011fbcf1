from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from events import selectors as event_selectors
from events.enums import SessionStatus
from events.forms import SessionForm
from members.permissions import is_committee, is_teacher
from teachers import services
from teachers.forms import TimetableImportForm


class TeacherRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self):
        return is_teacher(self.request.user)


class ProposeSessionView(TeacherRequiredMixin, FormView):
    template_name = "events/session_form.html"
    form_class = SessionForm

    def form_valid(self, form):
        submit = "submit" in self.request.POST
        session = services.propose_session(
            teacher=self.request.user,
            submit=submit,
            target_years=form.cleaned_data["target_years"],
            **form.session_fields,
        )
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


class TimetableImportView(LoginRequiredMixin, UserPassesTestMixin, FormView):
    """The committee uploads a term's timetable; the same service as `import_sessions`."""

    template_name = "teachers/timetable_import.html"
    form_class = TimetableImportForm

    def test_func(self):
        return is_committee(self.request.user)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            result = services.import_timetable(data=upload.read(), filename=upload.name, imported_by=self.request.user)
        except services.TimetableImportError as error:
            return self.render_to_response(
                self.get_context_data(form=form, import_errors=error.errors, filename=upload.name)
            )
        messages.success(
            self.request, _("Imported %(file)s: %(summary)s") % {"file": upload.name, "summary": result.summary}
        )
        if result.ignored_columns:
            messages.info(self.request, _("Columns ignored: %s.") % ", ".join(result.ignored_columns))
        return redirect("teachers:import_sessions")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"time_zone": settings.TIME_ZONE}
