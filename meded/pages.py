"""The site's own pages, linked from every page's footer: privacy notice, accessibility statement
and contact. Public, and the same for everyone; the society's name and address come from settings."""

from django.conf import settings
from django.views.generic import TemplateView


class SitePageView(TemplateView):
    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "society_name": settings.SOCIETY_NAME,
            "contact_email": settings.SOCIETY_CONTACT_EMAIL,
            "feedback_min_responses": settings.FEEDBACK_MIN_RESPONSES,
            "notification_keep_days": settings.NOTIFICATION_KEEP_DAYS,
            "register_edit_days": settings.REGISTER_EDIT_DAYS,
        }
