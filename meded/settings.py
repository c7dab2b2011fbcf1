"""MedEd settings: one module, configured only through environment variables.

With nothing set, the app runs on embedded defaults (SQLite, a filesystem Celery broker, console
email, DEBUG on) so a newcomer needs a single command. Every variable is documented in
`.env.example` and `docs/configuration.md`.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # embedded-mode state: SQLite file, broker folders, beat schedule

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="").strip()  # a key of spaces is no key
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off MedEd needs a long random SECRET_KEY; generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` and set it in the environment."
        )
    SECRET_KEY = "django-insecure-embedded-development-key-not-for-production"  # noqa: S105 -- DEBUG only
# Earlier keys, newest first, still accepted for signatures and sealed feedback after a rotation.
SECRET_KEY_FALLBACKS = [key.strip() for key in env.list("SECRET_KEY_FALLBACKS", default=[]) if key.strip()]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base for links in emails sent by workers, which have no request to build them from.
SITE_URL = env.str(
    "SITE_URL",
    default="http://127.0.0.1:8000" if DEBUG or not ALLOWED_HOSTS else f"https://{ALLOWED_HOSTS[0].lstrip('.')}",
).rstrip("/")
SOCIETY_NAME = env.str("SOCIETY_NAME", default="MedEd")
# Where members write to the society: the contact, privacy and accessibility pages give it.
SOCIETY_CONTACT_EMAIL = env.str("SOCIETY_CONTACT_EMAIL", default="committee@meded.localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.microsoft",
    "crispy_forms",
    "crispy_bootstrap5",
    "members",
    "certificates",
    "events",
    "teachers",
    "attendance",
    "feedback",
    "notifications",
    "analytics",
    "portfolio",
    "home",
    "demo",
]

MIDDLEWARE = [
    # First: the request id and the one log line per request (meded.logs), then the health
    # endpoints, answered before the host check and HTTPS redirect below (meded/health.py).
    "meded.middleware.RequestIdMiddleware",
    "meded.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, so it sees a view's exception first and the page it answers has the member's menu.
    "meded.middleware.BusyMiddleware",
]

ROOT_URLCONF = "meded.urls"
WSGI_APPLICATION = "meded.wsgi.application"
ASGI_APPLICATION = "meded.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "members.context_processors.roles",
            ],
            # The layout's tags: meded is not an installed app, so its library is named here.
            "libraries": {"layout": "meded.templatetags.layout"},
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'meded.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a Celery worker started by the integration tests sees the test data;
    # one per test run, so two runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    # Covering indexes (INCLUDE) serve the dashboard on PostgreSQL; SQLite builds them without the
    # extra columns, which is all the embedded default needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    options = [DATABASES["default"].setdefault("OPTIONS", {}).get("options", "")]
    if not env.bool("DATABASE_JIT", default=False):
        # PostgreSQL's JIT compiles a query whose estimated cost passes a threshold; for MedEd's short
        # queries the compiling costs more than it saves (the dashboard at 1,000,000 registrations:
        # 0.81 s with it, 0.66 s without, bench/dashboard.py).
        options.append("-c jit=off")
    # Every statement waits at most this long for a row or table another transaction holds, then
    # fails, and the request answers "busy, please try again" (meded.middleware.BusyMiddleware)
    # instead of holding a web worker while a queue builds behind one slow transaction.
    options.append(f"-c lock_timeout={env.int('DATABASE_LOCK_TIMEOUT_MS', default=3000)}")
    DATABASES["default"]["OPTIONS"]["options"] = " ".join(option for option in options if option)
# Services draw their own transactions (STYLE.md).
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery ----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # allauth's rate limits and the typed check-in code's limiter, shared by every web process.
    # While Redis is away (stopped, or frozen) the cache answers at once and the limits let
    # everyone through, so sign-in and check-in carry on (meded/cache.py, docs/architecture.md).
    CACHES = {"default": {"BACKEND": "meded.cache.FailOpenRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost//")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Embedded broker: web, worker and beat exchange messages through files, no server needed.
    _broker_dir = Path(env.str("CELERY_FILESYSTEM_BROKER_DIR", default=str(VAR_DIR / "broker")))
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # A web request must never hang for long because the broker is down.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = env.str("TIME_ZONE", default="Europe/London")
CELERY_BEAT_SCHEDULE_FILENAME = env.str("CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule"))
# Celery's own beat, with the schedule here: django-celery-beat does not support this Django, and
# nothing needs editing at run time — every periodic task is an idempotent sweep, so beat only
# has to keep ticking (a missed tick is caught up by the next one).
CELERY_BEAT_SCHEDULE = {
    "notifications-sweep": {"task": "notifications.sweep", "schedule": 60},
    "feedback-requests": {"task": "feedback.write_requests", "schedule": 60 * 5},
    "feedback-release": {"task": "feedback.release_due", "schedule": 60 * 5},
    "notifications-purge": {"task": "notifications.purge", "schedule": 60 * 60 * 24},
    "complete-ended-sessions": {"task": "events.complete_ended_sessions", "schedule": 60 * 15},
    "clear-expired-sign-in-sessions": {
        "task": "members.clear_expired_sessions",
        "schedule": 60 * 60 * 24,
    },
}

# --- Email -----------------------------------------------------------------------------------
# Console email in development; with DEBUG off, SMTP to a local mail relay unless EMAIL_URL says otherwise.
_email = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
_mailer_options = {
    key: _email[setting]
    for key, setting in (
        ("host", "EMAIL_HOST"),
        ("port", "EMAIL_PORT"),
        ("username", "EMAIL_HOST_USER"),
        ("password", "EMAIL_HOST_PASSWORD"),
        ("use_tls", "EMAIL_USE_TLS"),
        ("use_ssl", "EMAIL_USE_SSL"),
        ("file_path", "EMAIL_FILE_PATH"),
    )
    if _email.get(setting) not in (None, "")
}
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    _mailer_options.setdefault("timeout", 10)
    _mailer_options.pop("file_path", None)
elif _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    # django-environ drops the leading "/" of filemail:///abs/path; read the path as written.
    _mailer_options = {"file_path": urlparse(env.str("EMAIL_URL")).path}
else:
    _mailer_options = {}
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _mailer_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MedEd <noreply@meded.localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# --- Members and sign-in ----------------------------------------------------------------------
AUTH_USER_MODEL = "members.Member"
# The university's domains. A placeholder in development; in production nobody can join until set.
ALLOWED_EMAIL_DOMAINS = [
    d.strip().lower().lstrip("@")
    for d in env.list("ALLOWED_EMAIL_DOMAINS", default=["example.ac.uk"] if DEBUG else [])
    if d.strip()
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "members.adapters.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
# Setting a password from a mailed link also confirms the address (imported members' first sign-in).
ACCOUNT_FORMS = {
    "signup": "members.allauth_forms.MemberSignupForm",
    "add_email": "members.allauth_forms.MemberAddEmailForm",
    "reset_password_from_key": "members.allauth_forms.SetPasswordFromLinkForm",
    "login": "members.allauth_forms.MemberLoginForm",
}
SOCIALACCOUNT_FORMS = {"signup": "members.allauth_forms.MemberSocialSignupForm"}
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SOCIETY_NAME}] "
ACCOUNT_PREVENT_ENUMERATION = True
# Per-account limits are the defence against guessing passwords: five wrong passwords for one
# account pause sign-in to it for five minutes (a password-reset link still works, and clears it).
# Per-address limits only stop floods: hundreds of students share one campus NAT address, and a
# full lecture theatre signing in to check in (300 in two minutes) must never reach them.
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "reset_password": "100/m/ip,5/m/key",
    "reset_password_from_key": "100/m/ip",
    "signup": "100/m/ip",
    "login": "1000/m/ip",
    "login_failed": "200/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
# The client's address, for the per-address limits: behind proxies the connecting address is the
# proxy's. ALLAUTH_TRUSTED_PROXY_COUNT is how many proxies of ours append to X-Forwarded-For (1 for
# the TLS proxy docker-compose.yml expects); or name the header a proxy sets to the client's address.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("ALLAUTH_TRUSTED_CLIENT_IP_HEADER", default="") or None
ACCOUNT_RATE_LIMITS_DISABLED = env.bool("ACCOUNT_RATE_LIMITS_DISABLED", default=False)
if ACCOUNT_RATE_LIMITS_DISABLED:
    ACCOUNT_RATE_LIMITS = False

# Microsoft (Entra ID) sign-in, for universities that use it: on when a client id is set. The tenant
# is required, so only the university's own directory can sign in (not any organisation's).
MICROSOFT_CLIENT_ID = env.str("MICROSOFT_CLIENT_ID", default="")
SOCIALACCOUNT_PROVIDERS = {}
if MICROSOFT_CLIENT_ID:
    try:
        _microsoft_secret, _microsoft_tenant = env.str("MICROSOFT_CLIENT_SECRET"), env.str("MICROSOFT_TENANT_ID")
    except ImproperlyConfigured:
        raise ImproperlyConfigured(
            "MICROSOFT_CLIENT_ID is set, so MICROSOFT_CLIENT_SECRET and MICROSOFT_TENANT_ID (the university's "
            "directory id) must be set too."
        ) from None
    SOCIALACCOUNT_PROVIDERS["microsoft"] = {
        "APPS": [
            {"client_id": MICROSOFT_CLIENT_ID, "secret": _microsoft_secret, "settings": {"tenant": _microsoft_tenant}}
        ],
    }
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_LOGIN_ON_GET = False
# New members from Microsoft sign-in still fill in the short sign-up form (year of study).
SOCIALACCOUNT_AUTO_SIGNUP = False
# The provider does not vouch for the address it reports, so it is confirmed by email like any
# other, and it never signs anyone in to an existing account by address alone.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Academic year: 1 August to 31 July unless set otherwise (month and day it starts).
ACADEMIC_YEAR_START_MONTH = env.int("ACADEMIC_YEAR_START_MONTH", default=8)
ACADEMIC_YEAR_START_DAY = env.int("ACADEMIC_YEAR_START_DAY", default=1)
MEMBER_IMPORT_MAX_BYTES = env.int("MEMBER_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
# Session materials: largest upload, and the file types teachers may share.
MATERIAL_MAX_BYTES = env.int("MATERIAL_MAX_BYTES", default=20 * 1024 * 1024)
MATERIAL_EXTENSIONS = ["pdf", "pptx", "ppt", "docx", "doc", "xlsx", "odp", "odt", "png", "jpg", "jpeg", "txt"]
# Registration closes when a session starts unless the committee allows late registration.
ALLOW_LATE_REGISTRATION = env.bool("ALLOW_LATE_REGISTRATION", default=False)
# Check-in: arriving this many minutes after the start counts as late; the QR code and typed code
# rotate every CHECK_IN_WINDOW_SECONDS (the previous one stays valid, for slow phones).
CHECK_IN_GRACE_MINUTES = env.int("CHECK_IN_GRACE_MINUTES", default=10)
CHECK_IN_WINDOW_SECONDS = 30
CHECK_IN_OPENS_MINUTES_BEFORE = 30
# Teachers may correct the register for this many days after the session; the committee always.
REGISTER_EDIT_DAYS = env.int("REGISTER_EDIT_DAYS", default=7)
# An online participant counts as present from this share of the session's length (reports).
ATTENDANCE_PRESENT_SHARE = env.float("ATTENDANCE_PRESENT_SHARE", default=0.5)
# Feedback: open from a session's end for this many days; teachers see results once a session
# (or any breakdown) has at least FEEDBACK_MIN_RESPONSES responses; attendance certificates may
# wait for the member's feedback.
FEEDBACK_WINDOW_DAYS = env.int("FEEDBACK_WINDOW_DAYS", default=14)
FEEDBACK_MIN_RESPONSES = env.int("FEEDBACK_MIN_RESPONSES", default=5)
FEEDBACK_REQUIRED_FOR_CERTIFICATES = env.bool("FEEDBACK_REQUIRED_FOR_CERTIFICATES", default=False)
# Notifications: reminders this many hours before a session starts; the feedback reminder this
# many days after the request; sending retries with back-off up to NOTIFICATION_MAX_ATTEMPTS.
REMINDER_HOURS_BEFORE = env.list("REMINDER_HOURS_BEFORE", cast=int, default=[24, 1])
FEEDBACK_REMINDER_AFTER_DAYS = env.int("FEEDBACK_REMINDER_AFTER_DAYS", default=3)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=12)
# Sent, skipped and failed outbox rows are deleted this many days after they were written.
NOTIFICATION_KEEP_DAYS = env.int("NOTIFICATION_KEEP_DAYS", default=365)
# Near-peer rule: a teacher should be at least this many years above every year they teach (warned, not enforced).
NEAR_PEER_MIN_YEARS = env.int("NEAR_PEER_MIN_YEARS", default=1)

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English (UK)")]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# How long a signed link to a file in object storage works: the download view checks the member
# may see the file, then sends them to such a link, so it only has to outlive the redirect.
MEDIA_URL_EXPIRY = env.int("MEDIA_URL_EXPIRY", default=60)


def media_storage() -> dict:
    """Where uploads (session materials) are kept, from MEDIA_STORAGE: `filesystem` (the embedded
    default, MEDIA_ROOT on this host) or `s3`, a private bucket of any S3-compatible server
    (AWS S3, MinIO) that every web host and worker reaches. Files in the bucket are never public:
    each link is signed and expires after MEDIA_URL_EXPIRY seconds."""
    kind = env.str("MEDIA_STORAGE", default="filesystem")
    if kind == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE is {kind!r}; it must be 'filesystem' or 's3'.")
    bucket = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    if not bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    options = {
        "bucket_name": bucket,
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": MEDIA_URL_EXPIRY,
        "file_overwrite": False,
        "signature_version": "s3v4",
        "location": env.str("AWS_LOCATION", default=""),
    }
    # Unset, boto3 finds credentials and region its own way (an instance role, ~/.aws).
    for option, variable in (
        ("endpoint_url", "AWS_S3_ENDPOINT_URL"),
        ("region_name", "AWS_S3_REGION_NAME"),
        ("access_key", "AWS_ACCESS_KEY_ID"),
        ("secret_key", "AWS_SECRET_ACCESS_KEY"),
        ("addressing_style", "AWS_S3_ADDRESSING_STYLE"),
    ):
        if value := env.str(variable, default=""):
            options[option] = value
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": media_storage(),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# With object storage the download view answers with a signed link rather than the file itself,
# so the bytes do not pass through a web worker.
MEDIA_SIGNED_URLS = STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage"

# --- Security ---------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "form-action": ["'self'", "https://login.microsoftonline.com"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Database sessions whose stored expiry is rounded to the day (see `meded.sessions`).
SESSION_ENGINE = "meded.sessions"
SESSION_COOKIE_HTTPONLY = True
# "Keep me signed in" lasts a term on the member's own device, so a lecture's check-in is one tap,
# not a burst of password sign-ins (each costs a full password hash, by design). Without it the
# cookie ends when the browser closes and the server forgets the session after
# SESSION_BROWSER_MAX_AGE (see `meded.sessions`).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 7 * 16)
SESSION_BROWSER_MAX_AGE = env.int("SESSION_BROWSER_MAX_AGE", default=60 * 60 * 24 * 14)
# Secure by default once DEBUG is off; each can be turned off (e.g. TLS ends at a trusted proxy
# that already redirects).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging ----------------------------------------------------------------------------------
# One line per record on standard error: JSON in production (one object per line; a request's id
# in every line of the request and of the tasks it enqueues), plain text in development.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
# The header a proxy of ours sets to its own request id (nginx: proxy_set_header X-Request-ID
# $request_id). Unset, MedEd ignores any such header and makes an id for each request.
REQUEST_ID_HEADER = env.str("REQUEST_ID_HEADER", default="").strip()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "meded.logs.RequestIdFilter"},
        "request_path": {"()": "meded.logs.RequestPathFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "meded.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "request_path"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's default handlers print the raw path (token and all) and repeat what the root
    # handler writes: its loggers go to the root handler instead, and runserver's line per
    # request, which repeats meded.request's with the query string, only when it is an error.
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": [], "level": "ERROR", "propagate": True},
    },
}
