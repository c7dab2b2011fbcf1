from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from meded.imports import SpreadsheetImportView
from members import permissions, selectors, services
from members.forms import (
    CloseAccountForm,
    MemberImportForm,
    ProfileForm,
    YearOfStudyDecisionForm,
    YearOfStudyRequestForm,
)
from members.models import YearOfStudyRequest


class ProfileView(LoginRequiredMixin, FormView):
    template_name = "members/profile_form.html"
    form_class = ProfileForm
    success_url = reverse_lazy("members:profile")

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"instance": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "year_request": selectors.latest_year_of_study_request(member=self.request.user)
        }

    def form_valid(self, form):
        try:
            services.update_profile(member=self.request.user, **form.cleaned_data)
        except services.YearOfStudyRefused as refusal:
            messages.error(self.request, str(refusal))
            return redirect("members:profile")
        messages.success(self.request, _("Your profile has been saved."))
        return super().form_valid(form)


class YearOfStudyRequestView(LoginRequiredMixin, FormView):
    """A member asks the committee to correct their year of study, and sees what became of their requests."""

    template_name = "members/year_request_form.html"
    form_class = YearOfStudyRequestForm
    success_url = reverse_lazy("members:profile")

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"member": self.request.user}

    def get_context_data(self, **kwargs):
        requests = list(selectors.year_of_study_requests_for(member=self.request.user))
        return super().get_context_data(**kwargs) | {
            "pending_request": next((r for r in requests if r.is_pending), None),
            "past_requests": [r for r in requests if not r.is_pending],
        }

    def form_valid(self, form):
        try:
            services.request_year_of_study_correction(
                member=self.request.user,
                year=form.cleaned_data["year_of_study"],
                reason=form.cleaned_data["reason"],
            )
        except services.YearOfStudyRefused as refusal:
            # A message rather than a form error: with a request already waiting the page shows no form.
            messages.warning(self.request, str(refusal))
            return redirect("members:year_request")
        messages.success(self.request, _("Your request has gone to the committee; the answer will show here."))
        return super().form_valid(form)


class WithdrawYearOfStudyRequestView(LoginRequiredMixin, View):
    """The member withdraws their own pending request (there is at most one, so no id is needed)."""

    http_method_names = ["post"]

    def post(self, request):
        try:
            services.withdraw_year_of_study_request(member=request.user)
        except services.YearOfStudyRefused as refusal:
            messages.warning(request, str(refusal))
        else:
            messages.success(request, _("Your request has been withdrawn."))
        return redirect("members:year_request")


class YearOfStudyRequestQueueView(LoginRequiredMixin, UserPassesTestMixin, TemplateView):
    """The committee's list of requests to correct a year of study, oldest first."""

    template_name = "members/year_request_queue.html"

    def test_func(self):
        return permissions.can_decide_year_of_study_requests(self.request.user)

    def get_context_data(self, **kwargs):
        user = self.request.user
        requests = list(selectors.pending_year_of_study_requests())
        for year_request in requests:
            year_request.can_decide = permissions.can_decide_year_of_study_request(user, year_request)
        return super().get_context_data(**kwargs) | {"year_requests": requests}


class DecideYearOfStudyRequestView(LoginRequiredMixin, View):
    """Approve or decline one request; answers the committee's list page."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        # The role before the object, so that whether a request exists does not leak to members.
        if not permissions.can_decide_year_of_study_requests(request.user):
            raise PermissionDenied
        year_request = get_object_or_404(YearOfStudyRequest.objects.select_related("member"), pk=pk)
        if not permissions.can_decide_year_of_study_request(request.user, year_request):
            raise PermissionDenied(_("Another committee member must decide your own request."))
        form = YearOfStudyDecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose to approve or decline the request."))
            return redirect("members:year_requests")
        name = year_request.member.get_full_name() or year_request.member.email
        year = year_request.get_year_of_study_display()
        try:
            if form.cleaned_data["decision"] == "approve":
                services.approve_year_of_study_request(
                    year_request=year_request, by=request.user, note=form.cleaned_data["note"]
                )
                messages.success(request, _("%(name)s is now in %(year)s.") % {"name": name, "year": year})
            else:
                services.decline_year_of_study_request(
                    year_request=year_request, by=request.user, note=form.cleaned_data["note"]
                )
                messages.success(request, _("The request from %(name)s has been declined.") % {"name": name})
        except services.YearOfStudyRefused as refusal:
            messages.warning(request, str(refusal))
        return redirect("members:year_requests")


class MemberImportView(SpreadsheetImportView):
    """Committee upload of the member spreadsheet; the same service as `import_members`."""

    template_name = "members/member_import.html"
    form_class = MemberImportForm
    success_url = reverse_lazy("members:import")
    refusal = services.MemberImportError

    def test_func(self):
        return permissions.can_import_members(self.request.user)

    def get_context_data(self, **kwargs):
        domains = settings.ALLOWED_EMAIL_DOMAINS
        return super().get_context_data(**kwargs) | {
            "allowed_domain": domains[0],
            "allowed_domains": " or ".join(f"@{d}" for d in domains),
        }

    def import_file(self, *, form, data, filename):
        return services.import_members(
            data=data, filename=filename, invite=form.cleaned_data["invite"], imported_by=self.request.user
        )


class CloseAccountView(LoginRequiredMixin, FormView):
    """The member closes their own account: a page that says what goes and what stays, and asks
    for their password (or e-mail address) again; the same service as the admin's action."""

    template_name = "members/account_close.html"
    form_class = CloseAccountForm

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"member": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"blockers": services.closing_blockers(member=self.request.user)}

    def form_valid(self, form):
        try:
            services.close_account(member=self.request.user, by=self.request.user)
        except services.AccountClosingRefused as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        logout(self.request)
        messages.success(self.request, _("Your account has been closed. Thank you for being part of the society."))
        return redirect("home")
