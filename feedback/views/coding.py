"""The committee's thematic coding: the coding screen, agreement between two coders with the
resolution of their disagreements, theme counts with the CSV export, and the codebook.

Every page here is for the committee (`can_code`). The coding screen shows a coder only their own
codes; the agreement page is where two coders' codes are compared.
"""

import uuid

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from feedback import coding
from feedback.enums import YearBand
from feedback.models import Code, Theme
from feedback.permissions import can_code
from feedback.services import set_held_back
from meded.spreadsheets import csv_response

ONLY_UNCODED, ALL_COMMENTS = "uncoded", "all"
DISAGREEMENTS_PER_PAGE = 20


class CodingPermissionMixin(LoginRequiredMixin):
    """Signed in, then the method (so a POST-only URL answers 405 to any GET), then the committee."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        if not can_code(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# Forms. The coding screen and the resolve forms draw their checkboxes by hand, grouped by theme.


class CommentFilterForm(forms.Form):
    """Which comments to show; read from the query string, so it survives save-and-next."""

    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        required=False,
        choices=[("", gettext_lazy("Sessions, surveys and interviews")), *coding.CommentSource.choices],
    )
    session = forms.TypedChoiceField(label=gettext_lazy("Session"), required=False, coerce=int, empty_value=None)
    band = forms.ChoiceField(
        label=gettext_lazy("Year band"),
        required=False,
        choices=[("", gettext_lazy("Any band")), *YearBand.choices],
        help_text=gettext_lazy(
            "Surveys only: session feedback records no band. A survey with too few answers in a band "
            "is never split by band."
        ),
    )
    show = forms.ChoiceField(
        label=gettext_lazy("Show"),
        required=False,
        choices=[
            (ONLY_UNCODED, gettext_lazy("Only comments I have not coded")),
            (ALL_COMMENTS, gettext_lazy("All comments, mine included")),
        ],
    )

    def __init__(self, *args, sessions: list[tuple], with_show: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = [("", _("Any session"))] + [
            (pk, f"{title} – {formats.date_format(timezone.localtime(starts_at), 'j M Y')}")
            for pk, title, starts_at in sessions
        ]
        if not with_show:
            del self.fields["show"]
        for form_field in self.fields.values():
            form_field.widget.attrs["class"] = "form-select form-select-sm"
        self.is_valid()  # a value that does not fit is ignored; the other filters still apply

    def filters_for(self, viewer) -> coding.CommentFilters:
        """The chosen filters, for `viewer` (who never sees held-back comments on their own sessions)."""
        data = self.cleaned_data
        return coding.CommentFilters(
            source=data.get("source") or "",
            session_id=data.get("session"),
            band=data.get("band") or "",
            viewer=viewer,
        )

    @property
    def only_uncoded(self) -> bool:
        return self.cleaned_data.get("show") != ALL_COMMENTS

    @property
    def query(self) -> dict[str, str]:
        """The chosen filters as query parameters (defaults left out)."""
        data = self.cleaned_data
        query = {name: str(data[name]) for name in ("source", "session", "band") if data.get(name)}
        if "show" in self.fields and not self.only_uncoded:
            query["show"] = ALL_COMMENTS
        return query


class CodesForm(forms.Form):
    """One comment's codes: a coder's own (the coding screen) or the agreed ones (a resolution)."""

    answer = forms.UUIDField(widget=forms.HiddenInput)
    codes = forms.ModelMultipleChoiceField(
        queryset=Code.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )


class CoderPairForm(forms.Form):
    a = forms.TypedChoiceField(label=gettext_lazy("First coder"), coerce=int)
    b = forms.TypedChoiceField(label=gettext_lazy("Second coder"), coerce=int)

    def __init__(self, *args, coders: list, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (coder.pk, _("%(name)s (%(count)s coded)") % {"name": coder, "count": coder.coded}) for coder in coders
        ]
        for form_field in self.fields.values():
            form_field.choices = choices
            form_field.widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        data = super().clean()
        if data.get("a") is not None and data.get("a") == data.get("b"):
            raise forms.ValidationError(_("Choose two different coders."))
        return data


class CodebookEntryForm(forms.Form):
    """A theme's or a code's name and description."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> carries the token


# The coding screen


class CodingScreenView(CodingPermissionMixin, TemplateView):
    """One comment at a time with the codebook as checkboxes; save-and-next or skip. Without
    JavaScript it is a plain form; static/js/coding.js adds the keyboard shortcuts."""

    template_name = "feedback/coding_screen.html"

    def filter_form(self) -> CommentFilterForm:
        return CommentFilterForm(self.request.GET, sessions=coding.sessions_with_comments())

    def get_context_data(self, **kwargs):
        user = self.request.user
        filter_form = self.filter_form()
        filters = filter_form.filters_for(user)
        if "comment" in self.request.GET:  # a chosen comment, e.g. to look again at one already coded
            answer = coding.comments(viewer=user).filter(pk=_uuid(self.request.GET["comment"])).first()
            if answer is None:
                raise Http404
        else:
            candidates = coding.comments_for_coder(coder=user, filters=filters, only_uncoded=filter_form.only_uncoded)
            answer = coding.next_comment(candidates=candidates, after=_uuid(self.request.GET.get("after")))
        coded, total = coding.coding_progress(coder=user, filters=filters)
        query = filter_form.query
        return super().get_context_data(**kwargs) | {
            "filter_form": filter_form,
            "answer": answer,
            "mine": coding.codes_of(answer=answer, coder=user) if answer else set(),
            "themes": coding.codebook(),
            "coded": coded,
            "total": total,
            "query": urlencode(query),
            "skip_query": urlencode(query | {"after": answer.pk}) if answer else "",
        }

    def post(self, request, *args, **kwargs):
        form = CodesForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Those codes could not be saved: reload the page and try again."))
            return redirect(f"{reverse('feedback:coding')}?{request.GET.urlencode()}")
        answer = coding.comments(viewer=request.user).filter(pk=form.cleaned_data["answer"]).first()
        if answer is None:
            raise Http404
        coding.save_coding(answer=answer, coder=request.user, codes=form.cleaned_data["codes"])
        messages.success(request, _("Your codes have been saved."))
        query = self.filter_form().query | {"after": answer.pk}
        return redirect(f"{reverse('feedback:coding')}?{urlencode(query)}")


# Agreement and resolution


class AgreementView(CodingPermissionMixin, TemplateView):
    """Two coders' agreement per code (percent and Cohen's kappa) and their disagreements, each
    with a form to record the agreed codes."""

    template_name = "feedback/coding_agreement.html"

    def get_context_data(self, **kwargs):
        coders = coding.coders()
        context = super().get_context_data(**kwargs) | {"coders": coders}
        if len(coders) < 2:
            return context
        data = self.request.GET if "a" in self.request.GET else {"a": coders[0].pk, "b": coders[1].pk}
        pair_form = CoderPairForm(data, coders=coders)
        context["pair_form"] = pair_form
        if not pair_form.is_valid():
            return context
        by_pk = {coder.pk: coder for coder in coders}
        coder_a, coder_b = by_pk[pair_form.cleaned_data["a"]], by_pk[pair_form.cleaned_data["b"]]
        themes = coding.codebook()
        codes = [code for theme in themes for code in theme.codes.all()]
        result = coding.agreement(coder_a=coder_a, coder_b=coder_b, codes=codes)
        page = Paginator(result.disagreements, DISAGREEMENTS_PER_PAGE).get_page(self.request.GET.get("page"))
        coding.attach_answers(page.object_list, viewer=self.request.user)
        names = {code.pk: code.name for code in codes}
        for disagreement in page.object_list:
            disagreement.names_a = sorted(names[pk] for pk in disagreement.codes_a)
            disagreement.names_b = sorted(names[pk] for pk in disagreement.codes_b)
            disagreement.names_agreed = sorted(names[pk] for pk in disagreement.agreed or ())
            # Offer the agreed codes if there are some, else what both coders ticked.
            disagreement.ticked = (
                disagreement.agreed
                if disagreement.agreed is not None
                else (disagreement.codes_a & disagreement.codes_b)
            )
        return context | {
            "coder_a": coder_a,
            "coder_b": coder_b,
            "result": result,
            "unresolved": sum(1 for d in result.disagreements if d.agreed is None),
            "page_obj": page,
            "themes": themes,
            "pair_query": urlencode({"a": coder_a.pk, "b": coder_b.pk}),
        }


class ResolveView(CodingPermissionMixin, View):
    """Records the agreed codes for one disagreement, then returns to the same page of the list."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = CodesForm(request.POST)
        back = {name: request.POST[name] for name in ("a", "b", "page") if request.POST.get(name, "").isdigit()}
        if not form.is_valid():
            messages.error(request, _("The agreed codes could not be saved: reload the page and try again."))
            return redirect(f"{reverse('feedback:coding_agreement')}?{urlencode(back)}")
        answer = coding.comments(viewer=request.user).filter(pk=form.cleaned_data["answer"]).first()
        if answer is None:
            raise Http404
        coding.resolve_coding(answer=answer, resolver=request.user, codes=form.cleaned_data["codes"])
        messages.success(request, _("The agreed codes have been saved; theme counts now use them."))
        return redirect(f"{reverse('feedback:coding_agreement')}?{urlencode(back)}#comment-{answer.pk}")


class QuoteView(CodingPermissionMixin, View):
    """Keeps an interview excerpt out of the quotes on the themes page and the dashboard, or lets
    it back in (`is_held_back`, which for a session's comment also hides it from its teachers).
    Session comments are moderated on the moderation page, by its rules."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        excerpt = (
            coding.comments(viewer=request.user)
            .filter(pk=_uuid(request.POST.get("answer")), response__interview__isnull=False)
            .first()
        )
        if excerpt is None:
            raise Http404
        held_back = request.POST.get("action") == "hold"
        set_held_back(answer=excerpt, held_back=held_back, by=request.user)
        messages.success(
            request,
            _("The excerpt is kept out of quotes.") if held_back else _("The excerpt may be quoted again."),
        )
        return redirect(f"{reverse('feedback:coding')}?{urlencode({'comment': excerpt.pk})}")


# Themes and the export


class ThemesView(CodingPermissionMixin, TemplateView):
    """Coded comments per theme and per code, with example quotes; the export link."""

    template_name = "feedback/coding_themes.html"

    def get_context_data(self, **kwargs):
        filter_form = CommentFilterForm(self.request.GET, sessions=coding.sessions_with_comments(), with_show=False)
        filters = filter_form.filters_for(self.request.user)
        themes, coded = coding.theme_counts(filters=filters)
        return super().get_context_data(**kwargs) | {
            "filter_form": filter_form,
            "themes": themes,
            "coded": coded,
            "interviews": coding.interview_counts(filters=filters),
            "query": urlencode(filter_form.query),
        }


def _source_columns(answer) -> tuple[str, str, str]:
    response = answer.response
    if response.session_id:
        session = response.session
        return "session", session.title, timezone.localtime(session.starts_at).date().isoformat()
    if response.interview_id:
        interview = response.interview
        return "interview", f"{interview.pseudonym} ({interview.get_role_display()}), {interview.academic_year}", ""
    return "survey", response.survey.title, ""


class ThemesExportView(CodingPermissionMixin, View):
    """Coded comments as formula-safe CSV: one row per comment, its codes under the counting rule."""

    def get(self, request, *args, **kwargs):
        filter_form = CommentFilterForm(request.GET, sessions=coding.sessions_with_comments(), with_show=False)
        rows = []
        for row in coding.coded_comments_for_export(filters=filter_form.filters_for(request.user)):
            answer = row.answer
            source_type, source, date = _source_columns(answer)
            rows.append(
                (
                    answer.text,
                    answer.question.text,
                    source_type,
                    source,
                    date,
                    answer.shown_band,
                    "; ".join(code.name for code in row.codes),
                    "; ".join(dict.fromkeys(code.theme.name for code in row.codes)),
                    "; ".join(coder.get_full_name() or coder.email for coder in row.coders),
                    "yes" if row.is_resolved else "",
                    "yes" if answer.is_held_back else "",
                )
            )
        return csv_response(
            filename=f"coded-comments-{timezone.localdate():%Y-%m-%d}.csv",
            header=[
                "comment",
                "question",
                "source_type",
                "source",
                "session_date",
                "band",
                "codes",
                "themes",
                "coders",
                "resolved",
                "held_back",
            ],
            rows=rows,
        )


# The codebook


class CodebookView(CodingPermissionMixin, TemplateView):
    """Themes and their codes: add and rename. (Removing or reordering is in the Django admin.)"""

    template_name = "feedback/coding_codebook.html"

    def get_context_data(self, **kwargs):
        # A form sent back with errors takes the place of its empty twin, so the page shows it as sent.
        failed = kwargs.get("failed_form")

        def entry_form(prefix: str, **initial) -> CodebookEntryForm:
            if failed is not None and failed.prefix == prefix:
                return failed
            return CodebookEntryForm(prefix=prefix, **initial)

        themes = coding.codebook()
        for theme in themes:
            theme.form = entry_form(f"theme-{theme.pk}", initial=_entry(theme))
            theme.new_code_form = entry_form(f"new-code-{theme.pk}")
            for code in theme.codes.all():
                code.form = entry_form(f"code-{code.pk}", initial=_entry(code))
        return super().get_context_data(**kwargs) | {
            "themes": themes,
            "new_theme_form": entry_form("new-theme"),
        }

    def post(self, request, *args, **kwargs):
        action, _sep, pk = request.POST.get("action", "").partition(":")
        prefixes = {"add_theme": "new-theme", "rename_theme": "theme", "add_code": "new-code", "rename_code": "code"}
        if action not in prefixes or (action != "add_theme" and not pk.isdigit()):
            raise Http404
        form = CodebookEntryForm(request.POST, prefix=f"{prefixes[action]}-{pk}" if pk else prefixes[action])
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(failed_form=form))
        name, description = form.cleaned_data["name"], form.cleaned_data["description"]
        try:
            if action == "add_theme":
                theme = coding.add_theme(name=name, description=description)
                messages.success(request, _("The theme “%s” has been added.") % theme.name)
            elif action == "rename_theme":
                theme = coding.update_theme(theme=_get(Theme, pk), name=name, description=description)
                messages.success(request, _("The theme “%s” has been saved.") % theme.name)
            elif action == "add_code":
                code = coding.add_code(theme=_get(Theme, pk), name=name, description=description)
                messages.success(request, _("The code “%s” has been added.") % code.name)
            else:
                code = coding.update_code(code=_get(Code, pk), name=name, description=description)
                messages.success(request, _("The code “%s” has been saved.") % code.name)
        except coding.CodingError as error:
            form.add_error("name", str(error))
            return self.render_to_response(self.get_context_data(failed_form=form))
        return redirect("feedback:coding_codebook")


def _entry(entry) -> dict:
    return {"name": entry.name, "description": entry.description}


def _get(model, pk: str):
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


urlpatterns = [
    path("feedback/coding/", CodingScreenView.as_view(), name="coding"),
    path("feedback/coding/agreement/", AgreementView.as_view(), name="coding_agreement"),
    path("feedback/coding/agreement/resolve/", ResolveView.as_view(), name="coding_resolve"),
    path("feedback/coding/quote/", QuoteView.as_view(), name="coding_quote"),
    path("feedback/coding/themes/", ThemesView.as_view(), name="coding_themes"),
    path("feedback/coding/themes.csv", ThemesExportView.as_view(), name="coding_export"),
    path("feedback/coding/codebook/", CodebookView.as_view(), name="coding_codebook"),
]
