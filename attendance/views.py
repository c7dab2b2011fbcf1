from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from attendance import selectors, services
from attendance.enums import RegistrationState
from attendance.models import Registration
from events.models import Session
from events.permissions import can_view_session


class RegisterView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        session = Session.objects.prefetch_related("target_years", "roster").filter(pk=pk).first()
        if session is None or not can_view_session(request.user, session):
            raise Http404
        try:
            registration = services.register(session=session, member=request.user, mode=request.POST.get("mode"))
        except services.RegistrationRefused as refusal:
            messages.error(request, str(refusal))
        else:
            if registration.state == RegistrationState.REGISTERED:
                messages.success(request, _("You have a place at “%s”.") % session.title)
            else:
                messages.info(
                    request,
                    _(
                        "“%(title)s” is full: you are number %(position)s on the waiting list, "
                        "and get the next place that frees up."
                    )
                    % {"title": session.title, "position": services.waitlist_position(registration)},
                )
        return redirect("events:detail", pk=pk)


class CancelRegistrationView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        registration = Registration.objects.select_related("session").filter(pk=pk, member=request.user).first()
        if registration is None:
            raise Http404
        try:
            services.cancel_registration(registration=registration)
        except services.RegistrationRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("You are no longer registered for “%s”.") % registration.session.title)
        if request.POST.get("next") == "mine":
            return redirect("attendance:mine")
        return redirect("events:detail", pk=registration.session_id)


class MySessionsView(LoginRequiredMixin, TemplateView):
    """Upcoming sessions with their links, places on waiting lists, and past sessions."""

    template_name = "attendance/my_sessions.html"

    def get_context_data(self, **kwargs):
        registrations = list(selectors.registrations_for_member(member=self.request.user))
        groups = selectors.split_by_time(registrations)
        for registration in groups["waitlisted"]:
            registration.position = services.waitlist_position(registration)
        return super().get_context_data(**kwargs) | groups
