"""Tags for the site's layout (templates/base.html), not for any one app."""

from django import forms, template
from django.utils.translation import gettext as _

register = template.Library()

SITE_NAME = "MedEd"


def _failed(form) -> bool:
    """Whether a submitted form or formset came back with errors (an unsubmitted one never has any)."""
    if isinstance(form, forms.BaseForm | forms.BaseFormSet) and form.is_bound:
        return not form.is_valid()
    return False


def _has_form_errors(context) -> bool:
    """Whether a form on the page came back with errors: any submitted form or formset in the
    view's context, whatever its name, a refused import's report (`import_errors`,
    components/import_errors.html), or `has_form_errors` for a page whose form is not a Django form."""
    if context.get("has_form_errors") or context.get("import_errors"):
        return True
    return any(_failed(value) for value in context.flatten().values())


class PageTitleNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        # The nodelist holds the page's {% block head_title %}; what it renders is already escaped.
        page = self.nodelist.render(context).strip()
        title = f"{page} – {SITE_NAME}" if page else SITE_NAME
        if _has_form_errors(context):
            title = _("Error: %(title)s") % {"title": title}
        return title


@register.tag
def page_title(parser, token):
    """`{% page_title %}{% block head_title %}{% endblock %}{% endpage_title %}`: "Page – MedEd",
    "MedEd" for a page without a title, and "Error: " first when the page's form has errors."""
    nodelist = parser.parse(("endpage_title",))
    parser.delete_first_token()
    return PageTitleNode(nodelist)


def _field_anchor(field) -> str:
    """The id of the control a summary's link moves focus to: the first of a group of radios or
    checkboxes, the first part of a split date and time, else the control itself."""
    widget = field.field.widget
    if isinstance(widget, forms.widgets.ChoiceWidget) and widget.input_type in ("radio", "checkbox"):
        subwidgets = field.subwidgets
        return subwidgets[0].id_for_label if subwidgets else field.auto_id
    return field.id_for_label or field.auto_id


def _with_label(label, error) -> str:
    """An error with its field's name: `Year of study: Choose your year.`, or, after a question
    that ends in its own full stop or question mark, `How useful was it? Please answer this question.`"""
    if not label:
        return str(error)
    label = str(label).strip()
    return f"{label} {error}" if label.endswith((".", "?", "!")) else f"{label}: {error}"


def _form_errors(form) -> list[dict]:
    visible = form.visible_fields()
    # Errors that belong to no one field (or to a hidden one) link to the form's first field.
    first = _field_anchor(visible[0]) if visible else "main"
    items = [{"anchor": first, "text": error} for error in form.non_field_errors()]
    for field in form.hidden_fields():
        items += [{"anchor": first, "text": error} for error in field.errors]
    for field in visible:
        for error in field.errors:
            items.append({"anchor": _field_anchor(field), "text": _with_label(field.label, error)})
    return items


def error_summary_items(*forms_on_page) -> list[dict]:
    """Every error of the page's submitted forms and formsets, in page order, each with the id of
    the control it belongs to: `{"anchor": ..., "text": ...}`."""
    items = []
    for form in forms_on_page:
        if not _failed(form):
            continue
        if isinstance(form, forms.BaseFormSet):
            visible = form.forms[0].visible_fields() if form.forms else []
            first = _field_anchor(visible[0]) if visible else "main"
            items += [{"anchor": first, "text": error} for error in form.non_form_errors()]
            for member in form.forms:
                items += _form_errors(member)
        else:
            items += _form_errors(form)
    return items


@register.inclusion_tag("components/error_summary.html")
def error_summary(*forms_on_page, errors=None, problems=None, heading="", note=""):
    """`{% error_summary form %}` at the top of a page's main column: "There is a problem" (or
    `heading`), then each error of the given forms and formsets linking to its field, focused when
    the page loads (static/js/meded.js). `errors` adds problems found outside a Django form, as
    `[{"anchor": "code", "text": ...}]`; `problems` adds ones that belong to no field (a refused
    file's rows), as text; `note` is a sentence after the list."""
    items = error_summary_items(*forms_on_page) + list(errors or [])
    items += [{"anchor": "", "text": problem} for problem in problems or []]
    return {"items": items, "heading": heading, "note": note}
