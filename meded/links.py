"""Absolute links to MedEd's own pages, for e-mails, PDFs, calendar feeds and QR codes.

Every absolute link is built here from `SITE_URL`, never from a request: a worker sending e-mail
has no request, and a link printed on a certificate must not depend on which host name the
teacher happened to use when downloading it. `make run PORT=…` sets `SITE_URL` to match the port.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse


def absolute_url(path: str) -> str:
    """`path` (as `reverse` returns it, starting with "/") on the site's own address."""
    if not path.startswith("/"):
        raise ValueError(f"An absolute link is built from a path starting with '/', not {path!r}.")
    return settings.SITE_URL + path


def url_for(name: str, *args, **kwargs) -> str:
    """The absolute link to the URL pattern `name`, reversed with `args` or `kwargs`."""
    return absolute_url(reverse(name, args=args or None, kwargs=kwargs or None))


def site_url() -> str:
    """The site's address without a trailing slash, as shown in e-mail footers."""
    return settings.SITE_URL


def site_host() -> str:
    """The site's host name (for identifiers such as calendar UIDs and Message-IDs)."""
    return urlsplit(settings.SITE_URL).hostname or "meded"
