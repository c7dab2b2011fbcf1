from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView

from notifications import preferences
from notifications.forms import PreferencesForm
from notifications.models import Unsubscription


class PreferencesView(LoginRequiredMixin, FormView):
    template_name = "notifications/preferences.html"
    form_class = PreferencesForm
    success_url = reverse_lazy("notifications:preferences")

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"member": self.request.user}

    def get_initial(self):
        off = set(Unsubscription.objects.filter(member=self.request.user).values_list("category", flat=True))
        return {"categories": [c.value for c in preferences.categories_for(self.request.user) if c.value not in off]}

    def form_valid(self, form):
        preferences.set_preferences(member=self.request.user, subscribed=form.cleaned_data["categories"])
        messages.success(self.request, _("Your e-mail choices have been saved."))
        return super().form_valid(form)


# One-click unsubscribe (RFC 8058): mail clients POST to the link without cookies or a CSRF
# token, so the signed token is the only credential; a GET (a person, or a link scanner) only
# shows a confirmation button, so following the link never unsubscribes by itself.
@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    template_name = "notifications/unsubscribe.html"

    def _read(self, token):
        found = preferences.read_unsubscribe_token(token)
        if found is None:
            raise Http404(_("This unsubscribe link is not valid."))
        return found

    def get(self, request, token):
        member, category = self._read(token)
        done = Unsubscription.objects.filter(member=member, category=category).exists()
        return render(request, self.template_name, {"category": category, "done": done, "email": member.email})

    def post(self, request, token):
        member, category = self._read(token)
        preferences.unsubscribe(member=member, category=category)
        return render(request, self.template_name, {"category": category, "done": True, "email": member.email})
