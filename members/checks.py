from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def allowed_email_domains_set(app_configs, **kwargs):
    if settings.ALLOWED_EMAIL_DOMAINS:
        return []
    return [
        checks.Info(
            "ALLOWED_EMAIL_DOMAINS is empty, so nobody can join or be imported.",
            hint="Set it to the university's email domains, e.g. ALLOWED_EMAIL_DOMAINS=imperial.ac.uk.",
            id="members.I001",
        )
    ]
