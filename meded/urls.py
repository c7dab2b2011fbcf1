from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from meded import health
from meded.pages import SitePageView

admin.site.site_header = "MedEd administration"
admin.site.site_title = "MedEd admin"
# The admin signs in through MedEd's own sign-in, with its per-account limits; its own password
# form is never offered.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", include("home.site_urls")),
    # Answered ahead of the host check, HTTPS redirect and sign-in by meded.middleware.HealthCheckMiddleware.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("privacy/", SitePageView.as_view(template_name="pages/privacy.html"), name="privacy"),
    path("accessibility/", SitePageView.as_view(template_name="pages/accessibility.html"), name="accessibility"),
    path("contact/", SitePageView.as_view(template_name="pages/contact.html"), name="contact"),
    # Ahead of allauth's: members takes over allauth's Microsoft sign-in address (`members.sign_in`).
    path("", include("members.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("certificates.urls")),
    path("", include("events.urls")),
    path("", include("teachers.urls")),
    path("", include("attendance.urls")),
    path("", include("feedback.urls")),
    path("", include("notifications.urls")),
    path("", include("analytics.urls")),
    path("", include("portfolio.urls")),
    path("", include("home.urls")),
    path("admin/", admin.site.urls),
]
