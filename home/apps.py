from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The member's own pages that gather every app: the home page and the download of their data."""

    name = "home"
    verbose_name = _("Home")
