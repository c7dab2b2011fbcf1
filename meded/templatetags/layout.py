"""Tags for the site's layout (templates/base.html), not for any one app."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()

SITE_NAME = "MedEd"


def _has_form_errors(context) -> bool:
    """Whether the page's main form came back with errors: the view's `form` (ours and allauth's
    use that name), a refused import's report (`import_errors`, components/import_errors.html),
    or `has_form_errors` for a page whose main form goes by another name."""
    if context.get("has_form_errors") or context.get("import_errors"):
        return True
    form = context.get("form")
    return bool(getattr(form, "errors", None)) if getattr(form, "is_bound", False) else False


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
