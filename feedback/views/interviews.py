"""The committee uploads an interview transcript for coding: the file, the academic year and the
interviewee's role; then who the interviewee is, a preview of the excerpts with every speaker's
name replaced, and a decision on each word that may be a name; then save. The same service as
`import_transcript`; between the steps the file waits as `feedback.views.uploads` keeps it."""

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from feedback import transcripts
from feedback.enums import InterviewRole
from feedback.past_evaluations import TranscriptError, import_transcript
from feedback.views import uploads
from feedback.views.coding import CodingPermissionMixin
from members.academic_year import AcademicYear

_SESSION_KEY = "feedback_transcript"
HIDE, KEEP = "hide", "keep"


class TranscriptUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Transcript file"),
        help_text=gettext_lazy("As Microsoft Teams gives it: .vtt or .docx. It is not kept."),
        widget=forms.ClearableFileInput(attrs={"accept": ".vtt,.docx,text/vtt"}),
    )
    academic_year = forms.CharField(
        label=gettext_lazy("Academic year"), max_length=7, help_text=gettext_lazy("e.g. 2025-26")
    )
    role = forms.ChoiceField(
        label=gettext_lazy("The interviewee"), choices=InterviewRole.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > transcripts.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than a transcript can be (5 MB)."))
        if not upload.name.lower().endswith((".vtt", ".docx")):
            raise forms.ValidationError(_("Upload the transcript as Teams gives it: a .vtt or a .docx file."))
        return upload

    def clean_academic_year(self):
        try:
            return AcademicYear.parse(self.cleaned_data["academic_year"]).label
        except ValueError:
            raise forms.ValidationError(_("Write the academic year like 2025-26.")) from None


class IntervieweeForm(forms.Form):
    interviewee = forms.ChoiceField(label=gettext_lazy("Who was interviewed?"), widget=forms.RadioSelect)

    def __init__(self, *args, speakers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interviewee"].choices = [(speaker, speaker) for speaker in speakers]
        self.helper = FormHelper()
        self.helper.form_tag = False


def _decisions(post) -> dict[str, str]:
    """The uploader's decision on each word, posted as `decide-N` = "hide:word" or "keep:word"."""
    found = {}
    for name, value in post.items():
        if name.startswith("decide-") and ":" in value:
            choice, word = value.split(":", 1)
            if choice in (HIDE, KEEP) and word:
                found[word] = choice
    return found


class TranscriptUploadView(CodingPermissionMixin, TemplateView):
    template_name = "feedback/coding_interview.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("again"):
            uploads.forget(request, name=_SESSION_KEY)
            return redirect("feedback:coding_interview")
        context = {"upload_form": TranscriptUploadForm()}
        pending = uploads.waiting(request, name=_SESSION_KEY)
        data = uploads.load(pending) if pending else None
        if data is not None:
            speakers = _speakers(data, pending)
            context |= {"pending": pending, "interviewee_form": IntervieweeForm(speakers=speakers)}
        return self.render_to_response(self.get_context_data(**context))

    def post(self, request, *args, **kwargs):
        if request.POST.get("step") == "upload":
            return self._upload()
        pending = uploads.waiting(request, name=_SESSION_KEY)
        data = uploads.load(pending) if pending else None
        if data is None:
            messages.warning(request, _("The uploaded file is no longer kept here; upload it again."))
            return redirect("feedback:coding_interview")
        interviewee_form = IntervieweeForm(request.POST, speakers=_speakers(data, pending))
        context = {"upload_form": TranscriptUploadForm(), "pending": pending, "interviewee_form": interviewee_form}
        if not interviewee_form.is_valid():
            return self.render_to_response(self.get_context_data(**context))
        decisions = _decisions(request.POST)
        save = request.POST.get("step") == "save"
        options = {
            "data": data,
            "filename": pending["filename"],
            "interviewee": interviewee_form.cleaned_data["interviewee"],
            "role": pending["role"],
            "academic_year": AcademicYear.parse(pending["academic_year"]),
            "redact": [word for word, choice in decisions.items() if choice == HIDE],
            "keep": [word for word, choice in decisions.items() if choice == KEEP],
        }
        try:
            result = import_transcript(**options, save=save)
        except TranscriptError as error:
            # Words still to decide are pointed at from the summary; any other refusal at the name box.
            anchor = "hide-1" if error.unsure else interviewee_form["interviewee"].subwidgets[0].id_for_label
            context |= {"refusal": [{"anchor": anchor, "text": str(error)}], "has_form_errors": True}
            if not error.unsure:
                return self.render_to_response(self.get_context_data(**context))
            result = import_transcript(**options, save=False)
        if save and result.interview is not None:
            uploads.forget(request, name=_SESSION_KEY)
            messages.success(
                request,
                _("%(who)s: %(n)s excerpts kept to code; the interviewer's turns were dropped and no name was kept.")
                % {"who": result.pseudonym, "n": len(result.excerpts)},
            )
            return redirect(reverse("feedback:coding") + "?source=interviews")
        words = [(word, decisions.get(word, ""), result.unsure.get(word, "")) for word in result.unsure] + [
            (word, choice, "") for word, choice in decisions.items() if word not in result.unsure
        ]
        context |= {"preview": result, "words": words}
        return self.render_to_response(self.get_context_data(**context))

    def _upload(self):
        upload_form = TranscriptUploadForm(self.request.POST, self.request.FILES)
        context = {"upload_form": upload_form}
        if not upload_form.is_valid():
            return self.render_to_response(self.get_context_data(**context))
        upload = upload_form.cleaned_data["file"]
        data = upload.read()
        try:
            transcripts.read_transcript(data=data, filename=upload.name)
        except transcripts.UnreadableTranscript as error:
            uploads.forget(self.request, name=_SESSION_KEY)
            refusal = [{"anchor": upload_form["file"].id_for_label, "text": str(error)}]
            context |= {"refusal": refusal, "has_form_errors": True}
            return self.render_to_response(self.get_context_data(**context))
        fields = {
            "filename": upload.name,
            "academic_year": upload_form.cleaned_data["academic_year"],
            "role": upload_form.cleaned_data["role"],
        }
        uploads.keep(self.request, name=_SESSION_KEY, data=data, fields=fields)
        return redirect("feedback:coding_interview")


def _speakers(data: bytes, pending: dict) -> list[str]:
    """Who speaks in the waiting transcript, read from the file each time: their names are never
    kept in the web session."""
    return transcripts.read_transcript(data=data, filename=pending["filename"]).speakers


urlpatterns = [
    path("feedback/coding/interviews/", TranscriptUploadView.as_view(), name="coding_interview"),
]
