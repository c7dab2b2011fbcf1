import re

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from feedback.enums import ANSWER_TEXT_MAX_LENGTH, FormPurpose, MetricKey, QuestionKind, rating_ends, scale_labels
from feedback.models import Form
from feedback.services import QuestionSpec
from members.permissions import is_teacher


class AnswerForm(forms.Form):
    """The questions of one form version, as the member answers them; one field `q<pk>` each.

    Teacher-only questions are left out for members who do not teach. `answers()` gives the
    service's {question pk: value}. The template draws each field (native radio buttons in a
    fieldset with a legend, drawn as large buttons for phones; a rating's field carries
    `scale_ends`); `fields_by_question` pairs fields with their questions.
    """

    def __init__(self, *args, form: Form, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = form
        teaches = is_teacher(member)
        self.questions = [q for q in form.questions.all() if teaches or not q.is_for_teachers_only]
        for question in self.questions:
            self.fields[self.field_name(question)] = self._field_for(question)
        self.helper = FormHelper()
        self.helper.form_tag = False

    @staticmethod
    def field_name(question) -> str:
        return f"q{question.pk}"

    @staticmethod
    def _field_for(question) -> forms.Field:
        common = {
            "label": question.text,
            "help_text": question.help_text,
            "required": question.is_required,
            "error_messages": {"required": _("Please answer this question.")},
        }
        kind = QuestionKind(question.kind)
        if kind.is_scale:
            labels = scale_labels(kind=kind, metric_key=question.metric_key)
            field = forms.TypedChoiceField(
                choices=list(labels.items()), coerce=int, empty_value=None, widget=forms.RadioSelect, **common
            )
            if kind == QuestionKind.RATING:
                # The template shows the numbers as buttons and what 1 and 5 mean beneath them.
                field.scale_ends = rating_ends(metric_key=question.metric_key)
            return field
        if kind.has_options:
            choices = [(option.pk, option.label) for option in question.options.all()]
            if kind == QuestionKind.SINGLE:
                return forms.TypedChoiceField(
                    choices=choices, coerce=int, empty_value=None, widget=forms.RadioSelect, **common
                )
            return forms.TypedMultipleChoiceField(
                choices=choices, coerce=int, widget=forms.CheckboxSelectMultiple, **common
            )
        return forms.CharField(
            max_length=ANSWER_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}), strip=True, **common
        )

    def fields_by_question(self):
        """(question, bound field) pairs in the form's order, for the template."""
        return [(question, self[self.field_name(question)]) for question in self.questions]

    def answers(self) -> dict:
        return {question.pk: self.cleaned_data.get(self.field_name(question)) for question in self.questions}


class FormDetailsForm(forms.Form):
    """A form's title and introduction; on creation also what it is for."""

    title = forms.CharField(label=_("Title"), max_length=200)
    intro = forms.CharField(
        label=_("Introduction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown above the questions, e.g. to say the answers are anonymous."),
    )
    purpose = forms.ChoiceField(label=_("Used for"), choices=FormPurpose.built_by_hand, widget=forms.RadioSelect)

    def __init__(self, *args, with_purpose: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_purpose:
            del self.fields["purpose"]
        self.helper = FormHelper()
        self.helper.form_tag = False


# "value: label" when the part before the colon is a key; otherwise the whole line is the label.
_OPTION_LINE = re.compile(r"^\s*([a-z0-9][a-z0-9_-]{0,59})\s*:\s*(.+?)\s*$")


def parse_options(text: str) -> tuple[tuple[str, str], ...]:
    """Options written one per line, as "value: label" or just the label (its key made from it)."""
    options = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _OPTION_LINE.match(line)
        if match:
            options.append((match.group(1), match.group(2)))
        else:
            label = line.strip()
            options.append((slugify(label).replace("-", "_")[:60] or "option", label))
    return tuple(options)


def options_text(options) -> str:
    return "\n".join(f"{value}: {label}" for value, label in options)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices, initial=QuestionKind.LIKERT)
    text = forms.CharField(label=_("Question"), max_length=300)
    help_text = forms.CharField(label=_("Help text"), max_length=300, required=False)
    is_required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    metric_key = forms.ChoiceField(
        label=_("Metric"),
        choices=[("", _("None")), *MetricKey.choices],
        required=False,
        help_text=_("What the dashboard reads this question as, if anything."),
    )
    is_for_teachers_only = forms.BooleanField(label=_("For teachers only"), required=False)
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For choice questions: one per line, as “value: label” or just the label."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        options = parse_options(cleaned.get("options", ""))
        if kind and QuestionKind(kind).has_options and len(options) < 2:
            self.add_error("options", _("Give at least two options, one per line."))
        elif kind and not QuestionKind(kind).has_options and options:
            self.add_error("options", _("Only choice questions have options; leave this empty."))
        cleaned["parsed_options"] = options
        return cleaned

    def to_spec(self) -> QuestionSpec:
        data = self.cleaned_data
        return QuestionSpec(
            kind=data["kind"],
            text=data["text"],
            help_text=data.get("help_text", ""),
            is_required=data.get("is_required", False),
            metric_key=data.get("metric_key", ""),
            is_for_teachers_only=data.get("is_for_teachers_only", False),
            options=data["parsed_options"],
        )

    @staticmethod
    def initial_for(spec: QuestionSpec) -> dict:
        return {
            "kind": spec.kind,
            "text": spec.text,
            "help_text": spec.help_text,
            "is_required": spec.is_required,
            "metric_key": spec.metric_key,
            "is_for_teachers_only": spec.is_for_teachers_only,
            "options": options_text(spec.options),
        }


class BaseQuestionFormSet(forms.BaseFormSet):
    def specs(self) -> list[QuestionSpec]:
        """The questions kept, in the order given (`ordered_forms` skips deleted and blank extra rows)."""
        return [form.to_spec() for form in self.ordered_forms]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.ordered_forms:
            raise forms.ValidationError(_("A form needs at least one question."))


QuestionFormSet = forms.formset_factory(
    QuestionForm, formset=BaseQuestionFormSet, extra=1, can_order=True, can_delete=True, max_num=60
)


def question_formset(data=None, *, specs=()) -> BaseQuestionFormSet:
    initial = [QuestionForm.initial_for(spec) | {"ORDER": index} for index, spec in enumerate(specs, start=1)]
    return QuestionFormSet(data, prefix="questions", initial=initial)


class SessionFormChoiceForm(forms.Form):
    form = forms.ModelChoiceField(
        label=_("Feedback form"), queryset=Form.objects.none(), widget=forms.RadioSelect, empty_label=None
    )

    def __init__(self, *args, forms_offered, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = forms_offered
        self.helper = FormHelper()
        self.helper.form_tag = False
