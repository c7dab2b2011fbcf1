"""The production stack's files agree with the code: no Docker engine runs here, so these checks
(and the gunicorn smoke test in .ci/run) keep docker-compose.yml, the Dockerfile and the docs right."""

import importlib
import re
from pathlib import Path

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
