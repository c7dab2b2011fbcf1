"""The production stack's files agree with the code: no Docker engine runs here, so these checks
(and the gunicorn smoke test in .ci/run) keep docker-compose.yml, the Dockerfile and the docs right."""

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTINGS_SOURCE = (ROOT / "meded" / "settings.py").read_text()
VARIABLES_READ = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', SETTINGS_SOURCE))


def test_compose_runs_web_worker_beat_migrations_postgres_and_redis():
    services = COMPOSE["services"]
    assert set(services) == {"migrate", "web", "worker", "beat", "db", "redis"}
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--no-input"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "meded", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "meded", "beat"]
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]  # only the proxy reaches gunicorn


def test_compose_waits_for_the_database_but_not_for_redis():
    """MedEd carries on without Redis (meded/cache.py, the outbox), so a Redis slow to become
    healthy, or down, must not keep the app from starting; the database it cannot do without."""
    for name in ("migrate", "web", "worker", "beat"):
        depends_on = COMPOSE["services"][name]["depends_on"]
        assert depends_on.get("redis", {"condition": "service_started"}) == {"condition": "service_started"}, name
    assert COMPOSE["services"]["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}


def test_compose_sets_only_variables_the_settings_read():
    app_environment = COMPOSE["services"]["web"]["environment"]
    assert app_environment["DEBUG"] == "0"
    assert set(app_environment) <= VARIABLES_READ


def test_dockerfile_serves_the_wsgi_application_with_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text()
    command = re.search(r"^CMD (.+)$", dockerfile, re.MULTILINE)[1]
    assert '"gunicorn", "meded.wsgi:application"' in command
    # MedEd writes the one line per request; gunicorn's would repeat it with tokens and queries.
    assert "access-log" not in command
    assert callable(importlib.import_module("meded.wsgi").application)


def test_compose_checks_web_on_healthz_with_the_images_own_python():
    """The image (python:3.12-slim) has no curl: the healthcheck is a Python one-liner."""
    assert re.search(r"^FROM python:3\.12-slim", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    check = COMPOSE["services"]["web"]["healthcheck"]
    assert check["test"][:3] == ["CMD", "python", "-c"]
    assert "urlopen('http://127.0.0.1:8000/healthz'" in check["test"][3]
    assert (check["interval"], check["timeout"], check["retries"]) == ("10s", "5s", 3)


@pytest.mark.django_db(transaction=True)
def test_the_web_healthcheck_passes_against_a_server_configured_for_production(live_server, settings):
    """Run the compose healthcheck itself against a live server whose allowed host is the public
    name and which redirects plain HTTP, as the container's gunicorn is."""
    settings.ALLOWED_HOSTS = ["meded.example.ac.uk"]
    settings.SECURE_SSL_REDIRECT = True
    code = COMPOSE["services"]["web"]["healthcheck"]["test"][3].replace("http://127.0.0.1:8000", live_server.url)

    def run(one_liner: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", one_liner], capture_output=True, text=True, timeout=30)

    healthy = run(code)
    assert healthy.returncode == 0, healthy.stderr
    # The same probe of an ordinary page fails: the host check and the redirect still apply there.
    home = run(code.replace("/healthz", "/"))
    assert home.returncode == 1
    assert "HTTP Error 400: Bad Request" in home.stderr


def test_every_variable_the_settings_read_is_documented():
    documented = (ROOT / "docs" / "configuration.md").read_text()
    example = (ROOT / ".env.example").read_text()
    undocumented = {name for name in VARIABLES_READ if f"`{name}`" not in documented}
    assert undocumented == set()
    assert VARIABLES_READ >= {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"}
    missing_from_example = {
        name
        for name in (
            "SECRET_KEY",
            "DEBUG",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "EMAIL_URL",
            "DEFAULT_FROM_EMAIL",
            "ALLOWED_EMAIL_DOMAINS",
            "TIME_ZONE",
        )
        if not re.search(rf"^#? ?{name}=", example, re.MULTILINE)
    }
    assert missing_from_example == set()
