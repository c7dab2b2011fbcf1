import os
from importlib import import_module

import pytest
from django.core.cache import cache

from meded.cache import forget_outages
from meded.celery import app as celery_app
from notifications import tasks as notification_tasks
from tests.factories import MemberFactory
from tests.integration.network import SilentServer, free_port


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test starts with an empty cache (allauth's rate limits live there) and eager tasks."""
    cache.clear()
    settings.ALLOWED_EMAIL_DOMAINS = ["example.ac.uk"]
    settings.SITE_URL = "https://meded.example.ac.uk"
    settings.MEDIA_ROOT = tmp_path / "media"
    # Fast hashing: the tests are about MedEd, not about PBKDF2's cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    # The outbox skips the broker for a while after a failed hand-over; each test starts afresh.
    notification_tasks._broker_down_until = None
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture(params=["stopped", "hung"])
def redis_away(request, settings):
    """The cache's Redis away: nothing listening on its port (stopped, or restarting), or a server
    that accepts and never answers (frozen). The cache is configured as meded/settings.py does for
    REDIS_URL, so these tests need no Redis of their own."""
    server = SilentServer() if request.param == "hung" else None
    port = server.port if server else free_port()
    settings.CACHES = {
        "default": {"BACKEND": "meded.cache.FailOpenRedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}
    }
    yield request.param
    if server:
        server.stop()
    forget_outages()


# Rows that data migrations write. A transactional test (transaction=True, live_server) empties
# every table when it ends, so the next one puts them back first; serialized_rollback cannot be
# used for this, as the flush recreates content types with new ids that its snapshot then clashes with.
MIGRATION_DATA = [
    ("members.migrations.0002_role_groups", "create_groups"),
    ("feedback.migrations.0002_default_forms", "create_forms"),
    ("feedback.migrations.0003_codebook", "create_codebook"),
]


@pytest.fixture(autouse=True)
def _migration_data(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    for module, function in MIGRATION_DATA:
        getattr(import_module(module), function)(apps, None)


@pytest.fixture
def member(db):
    return MemberFactory(first_name="Aisha", last_name="Khan", email="aisha.khan@example.ac.uk", year_of_study=2)


@pytest.fixture
def committee_member(db):
    return MemberFactory(first_name="Chloe", last_name="Chair", email="chloe@example.ac.uk", roles=["committee"])


@pytest.fixture
def teacher(db):
    return MemberFactory(
        first_name="Tom", last_name="Okafor", email="tom@example.ac.uk", year_of_study=5, roles=["teacher"]
    )


def pytest_report_header(config):
    from django.conf import settings

    broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
    return f"MedEd: database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, Celery broker {broker}"


def pytest_collection_modifyitems(config, items):
    """In CI the PostgreSQL-only tests (row locks, concurrency) must run, not skip: refuse any
    other database there."""
    from django.conf import settings

    if os.environ.get("CI") and not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise pytest.UsageError("CI must run the tests on PostgreSQL: set DATABASE_URL (see .ci/run).")
