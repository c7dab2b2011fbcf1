"""“Keep me signed in” for Microsoft sign-ins, as for password ones.

allauth applies the sign-in form's choice to password sign-ins only; a Microsoft sign-in would
always last a term (SESSION_COOKIE_AGE), even on a library computer. The Microsoft button's form
carries the same choice: `microsoft_sign_in`, at allauth's own address, notes it in the session
before handing the request to allauth's view, and `apply_keep_signed_in` sets the session's
expiry when the sign-in completes — for a term, or until the browser closes.
"""

from allauth.socialaccount.providers.microsoft.views import oauth2_login
from django.conf import settings

# The choice waits in the session while the member is at Microsoft.
KEEP_SIGNED_IN = "members_keep_signed_in"


def microsoft_sign_in(request, *args, **kwargs):
    # Only the sign-in page's button offers the choice (it says so with `remember_offered`); a
    # Microsoft sign-in begun elsewhere (the sign-up page's link) keeps the usual term.
    if request.method == "POST" and "remember_offered" in request.POST:
        request.session[KEEP_SIGNED_IN] = request.POST.get("remember") == "on"
    return oauth2_login(request, *args, **kwargs)


def apply_keep_signed_in(sender, request, sociallogin=None, **kwargs):
    """allauth's `user_logged_in`: a sign-in through a provider keeps the choice noted for it."""
    if sociallogin is None:
        return
    keep = request.session.pop(KEEP_SIGNED_IN, None)
    if keep is not None:
        request.session.set_expiry(settings.SESSION_COOKIE_AGE if keep else 0)
