from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from members import permissions, services
from members.forms import CloseAccountForm, MemberImportForm, ProfileForm
from members.my_data import export_member_data, member_data_zip


class HomeView(TemplateView):
    template_name = "members/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["profile_incomplete"] = user.is_authenticated and (
            not user.first_name or not user.last_name or (user.year_of_study is None and not user.is_staff)
        )
        return context


class ProfileView(LoginRequiredMixin, FormView):
    template_name = "members/profile_form.html"
    form_class = ProfileForm
    success_url = reverse_lazy("members:profile")

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"instance": self.request.user}

    def form_valid(self, form):
        services.update_profile(member=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("Your profile has been saved."))
        return super().form_valid(form)


class MemberImportView(LoginRequiredMixin, UserPassesTestMixin, FormView):
    """Committee upload of the member spreadsheet; the same service as `import_members`."""

    template_name = "members/member_import.html"
    form_class = MemberImportForm
    success_url = reverse_lazy("members:import")

    def test_func(self):
        return permissions.can_import_members(self.request.user)

    def get_context_data(self, **kwargs):
        domains = settings.ALLOWED_EMAIL_DOMAINS
        return super().get_context_data(**kwargs) | {
            "allowed_domain": domains[0],
            "allowed_domains": " or ".join(f"@{d}" for d in domains),
        }

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            result = services.import_members(
                data=upload.read(), filename=upload.name, invite=form.cleaned_data["invite"]
            )
        except services.MemberImportError as error:
            return self.render_to_response(
                self.get_context_data(form=form, import_errors=error.errors, filename=upload.name)
            )
        messages.success(
            self.request, _("Imported %(file)s: %(summary)s") % {"file": upload.name, "summary": result.summary}
        )
        if result.ignored_columns:
            messages.info(self.request, _("Columns ignored: %s.") % ", ".join(result.ignored_columns))
        return super().form_valid(form)


@method_decorator(never_cache, name="dispatch")
class MyDataView(LoginRequiredMixin, View):
    """The signed-in member's own data as a zip (JSON and CSV files); never anyone else's."""

    def get(self, request):
        data = member_data_zip(export_member_data(member=request.user))
        response = HttpResponse(data, content_type="application/zip")
        filename = f"{slugify(settings.SOCIETY_NAME)}-my-data-{timezone.localdate().isoformat()}.zip"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


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
