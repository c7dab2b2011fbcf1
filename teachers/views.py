from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from certificates.enums import CertificateKind
from certificates.selectors import certificates_of
from events import permissions as event_permissions
from events.forms import SessionForm
from events.views import SessionDetailView, warn_about_clashes
from meded.imports import SpreadsheetImportView
from members.permissions import is_committee, is_teacher
from teachers import selectors, services
from teachers.enums import ApplicationStatus
from teachers.forms import TeacherApplicationForm, TimetableImportForm
from teachers.models import CoTeachingInvitation, TeacherApplication


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
        warn_about_clashes(self.request, session)
        return redirect("events:detail", pk=session.pk)


class TeachingDashboardView(TeacherRequiredMixin, TemplateView):
    """A teacher's sessions by what they need next."""

    template_name = "teachers/dashboard.html"

    def get_context_data(self, **kwargs):
        groups = selectors.sessions_by_need(teacher=self.request.user)
        groups["invitations"] = selectors.pending_invitations(teacher=self.request.user)
        return super().get_context_data(**kwargs) | groups


class TimetableImportView(SpreadsheetImportView):
    """The committee uploads a term's timetable; the same service as `import_sessions`."""

    template_name = "teachers/timetable_import.html"
    form_class = TimetableImportForm
    success_url = reverse_lazy("teachers:import_sessions")
    refusal = services.TimetableImportError

    def test_func(self):
        return is_committee(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"time_zone": settings.TIME_ZONE}

    def import_file(self, *, form, data, filename):
        return services.import_timetable(data=data, filename=filename, imported_by=self.request.user)


class ApplyToTeachView(LoginRequiredMixin, FormView):
    """A member applies to become a student-teacher, or sees where their application stands."""

    template_name = "teachers/apply.html"
    form_class = TeacherApplicationForm

    def get_context_data(self, **kwargs):
        latest = selectors.latest_application(member=self.request.user)
        return super().get_context_data(**kwargs) | {
            "already_teacher": is_teacher(self.request.user),
            "pending": latest if latest and latest.status == ApplicationStatus.PENDING else None,
            "declined": latest if latest and latest.status == ApplicationStatus.DECLINED else None,
        }

    def form_valid(self, form):
        try:
            services.apply_to_teach(member=self.request.user, **form.cleaned_data)
        except services.ApplicationRefused as refusal:
            messages.error(self.request, str(refusal))
        else:
            messages.success(self.request, _("Thank you: your application is with the committee."))
        return redirect("teachers:apply")


class ApplicationQueueView(LoginRequiredMixin, UserPassesTestMixin, TemplateView):
    """The committee decides on applications to teach."""

    template_name = "teachers/application_queue.html"

    def test_func(self):
        return is_committee(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"applications": selectors.pending_applications()}

    def post(self, request, *args, **kwargs):
        decision, _sep, pk = request.POST.get("decision", "").partition(":")
        application = TeacherApplication.objects.select_related("member").filter(pk=pk if pk.isdigit() else 0).first()
        if application is None or decision not in ("approve", "decline"):
            messages.error(request, _("Choose an application to decide on."))
            return redirect("teachers:applications")
        name = application.member.get_full_name() or application.member.email
        try:
            if decision == "approve":
                services.approve_application(application=application, by=request.user)
                messages.success(request, _("%s is now a student-teacher.") % name)
            else:
                reason = request.POST.get(f"reason-{application.pk}", "").strip()
                if not reason:
                    # The queue again, the reason box of this application marked and named in the summary.
                    return self.render_to_response(
                        self.get_context_data(
                            refused_pk=application.pk,
                            decision_errors=[
                                {
                                    "anchor": f"reason-{application.pk}",
                                    "text": _("Give %s a reason before declining.") % name,
                                }
                            ],
                            has_form_errors=True,
                        )
                    )
                services.decline_application(application=application, by=request.user, reason=reason)
                messages.success(request, _("The application from %s has been declined.") % name)
        except services.ApplicationRefused as refusal:
            messages.warning(request, str(refusal))
        return redirect("teachers:applications")


class InviteCoTeacherView(SessionDetailView):
    """Invites a co-teacher; a name or address that finds no one (or someone who cannot be
    invited) is shown again on the session's page, as typed, with the reason."""

    http_method_names = ["post"]

    def check_permission(self) -> None:
        if not event_permissions.can_invite_co_teachers(self.request.user, self.session):
            raise PermissionDenied

    def post(self, request, *args, **kwargs):
        name_or_email = request.POST.get("name_or_email", "")
        try:
            teacher = services.find_teacher(name_or_email=name_or_email)
            services.invite_co_teacher(session=self.session, invited_by=request.user, teacher=teacher)
        except services.InvitationRefused as refusal:
            return self.render_to_response(
                self.get_context_data(
                    invitee=name_or_email,
                    invite_errors=[{"anchor": "invitee", "text": str(refusal)}],
                    has_form_errors=True,
                )
            )
        messages.success(request, _("%s has been invited to co-teach.") % teacher.get_full_name())
        return redirect("events:detail", pk=self.session.pk)


class AnswerInvitationView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        invitation = CoTeachingInvitation.objects.select_related("session").filter(pk=pk).first()
        if invitation is None or invitation.teacher_id != request.user.pk:
            raise Http404
        accept = request.POST.get("answer") == "accept"
        try:
            services.answer_invitation(invitation=invitation, teacher=request.user, accept=accept)
        except services.InvitationRefused as refusal:
            messages.warning(request, str(refusal))
        else:
            message = _("You are now co-teaching “%s”.") if accept else _("You have declined to co-teach “%s”.")
            messages.success(request, message % invitation.session.title)
        return redirect("teachers:dashboard")


class TeachingLogView(TeacherRequiredMixin, TemplateView):
    """The sessions a teacher has taught, hours in all, and their certificates."""

    template_name = "teachers/teaching_log.html"

    def get_context_data(self, **kwargs):
        log = selectors.teaching_log(teacher=self.request.user)
        return super().get_context_data(**kwargs) | {
            "log": log,
            "total_hours": f"{sum((entry['hours'] for entry in log), Decimal(0)).normalize():f}",
            "certificates": certificates_of(holder=self.request.user, kind=CertificateKind.TEACHING),
        }

    def post(self, request, *args, **kwargs):
        try:
            certificate = services.issue_teaching_certificate(teacher=request.user)
        except services.NothingToCertify as refusal:
            messages.error(request, str(refusal))
            return redirect("teachers:log")
        return redirect("certificates:pdf", code=certificate.code)
