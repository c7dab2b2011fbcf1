"""The settings module, read in fresh processes with controlled environments."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECRET = "x" * 20 + "-production-like-secret-key-for-tests-only-0123456789"
PRINT = (
    "import django, json; from django.conf import settings as s; print(json.dumps({k: str(getattr(s, k)) for k in %r}))"
)


def _env(**overrides):
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "CELERY_", "EMAIL_"))}
    keep.pop("DEBUG", None)
    keep.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    keep.pop("SECRET_KEY", None)
    return keep | {"DJANGO_SETTINGS_MODULE": "meded.settings"} | overrides


def _settings(names, **env):
    result = subprocess.run(
        [sys.executable, "-c", PRINT % (names,)],
        cwd=ROOT,
        env=_env(**env),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


def _manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_env(**env),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_embedded_defaults_need_nothing_set():
    values = _settings(["DEBUG", "DATABASES", "CELERY_BROKER_URL", "MAILERS", "TIME_ZONE", "CACHES"])
    assert values["DEBUG"] == "True"
    assert "sqlite3" in values["DATABASES"]
    assert values["CELERY_BROKER_URL"] == "filesystem://localhost//"
    assert "console.EmailBackend" in values["MAILERS"]
    assert values["TIME_ZONE"] == "Europe/London"
    assert "LocMemCache" in values["CACHES"]


def test_redis_url_configures_broker_and_cache():
    values = _settings(["CELERY_BROKER_URL", "CACHES"], REDIS_URL="redis://127.0.0.1:6379/3")
    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/3"
    assert values["CACHES"] == str(
        {"default": {"BACKEND": "meded.cache.FailOpenRedisCache", "LOCATION": "redis://127.0.0.1:6379/3"}}
    )


def test_email_url_becomes_the_default_mailer():
    values = _settings(["MAILERS"], EMAIL_URL="smtp+tls://user:pw@smtp.example.ac.uk:587")
    mailers = values["MAILERS"]
    assert "smtp.EmailBackend" in mailers
    assert "'host': 'smtp.example.ac.uk'" in mailers
    assert "'port': 587" in mailers
    assert "'use_tls': True" in mailers


def test_with_debug_off_the_secure_settings_are_on():
    names = ["SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS"]
    values = _settings(names, DEBUG="0", SECRET_KEY=SECRET, ALLOWED_HOSTS="meded.example.ac.uk")
    assert values == {
        "SECURE_SSL_REDIRECT": "True",
        "SESSION_COOKIE_SECURE": "True",
        "CSRF_COOKIE_SECURE": "True",
        "SECURE_HSTS_SECONDS": "31536000",
    }


def test_a_secure_setting_can_be_turned_off_by_its_variable():
    values = _settings(
        ["SECURE_SSL_REDIRECT"], DEBUG="0", SECRET_KEY=SECRET, ALLOWED_HOSTS="x", SECURE_SSL_REDIRECT="0"
    )
    assert values == {"SECURE_SSL_REDIRECT": "False"}


def test_missing_secret_key_with_debug_off_stops_start_up_with_a_clear_message():
    result = _manage("check", DEBUG="0", ALLOWED_HOSTS="meded.example.ac.uk")
    assert result.returncode != 0
    assert "SECRET_KEY is not set. With DEBUG off MedEd needs a long random SECRET_KEY" in result.stderr


def test_deploy_check_passes_with_only_secret_key_debug_and_allowed_hosts():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="meded.example.ac.uk",
    )
    assert result.returncode == 0, result.stderr
    # Only an information note: until the university's domains are set, nobody can join.
    assert "members.I001" in result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_deploy_check_is_silent_once_the_email_domains_are_set():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "INFO",
        DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="meded.example.ac.uk",
        ALLOWED_EMAIL_DOMAINS="example.ac.uk",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("key", ["", "   ", "\t \n"])
def test_empty_or_blank_secret_key_counts_as_missing(key):
    result = _manage("check", DEBUG="0", SECRET_KEY=key, ALLOWED_HOSTS="meded.example.ac.uk")
    assert result.returncode != 0
    assert "SECRET_KEY is not set." in result.stderr


def test_production_links_in_emails_default_to_the_first_allowed_host_over_https():
    values = _settings(
        ["SITE_URL", "ALLOWED_EMAIL_DOMAINS"],
        DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="meded.example.ac.uk,www.meded.example.ac.uk",
    )
    assert values == {"SITE_URL": "https://meded.example.ac.uk", "ALLOWED_EMAIL_DOMAINS": "[]"}


def test_microsoft_sign_in_needs_the_university_tenant():
    result = _manage("check", MICROSOFT_CLIENT_ID="client", MICROSOFT_CLIENT_SECRET="secret")
    assert result.returncode != 0
    assert "MICROSOFT_TENANT_ID (the university's directory id) must be set too." in result.stderr


def test_postgresql_connections_turn_jit_off_unless_asked():
    url = "postgres://meded@db.example:5432/meded"
    off = _settings(["DATABASES"], DATABASE_URL=url)["DATABASES"]
    on = _settings(["DATABASES"], DATABASE_URL=url, DATABASE_JIT="1")["DATABASES"]
    assert "'options': '-c jit=off -c lock_timeout=3000'" in off
    assert "jit" not in on and "'options': '-c lock_timeout=3000'" in on


def test_the_lock_wait_is_set_from_the_environment():
    url = "postgres://meded@db.example:5432/meded"
    databases = _settings(["DATABASES"], DATABASE_URL=url, DATABASE_LOCK_TIMEOUT_MS="1500")["DATABASES"]
    assert "-c lock_timeout=1500'" in databases


LOG_A_LINE = (
    "import django, logging; django.setup(); "
    "logging.getLogger('meded.check').warning('hello %s', 'world', extra={'session_id': 7})"
)


def _log_a_line(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", LOG_A_LINE],
        cwd=ROOT,
        env=_env(**env),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize(
    "env",
    [{"DEBUG": "0", "SECRET_KEY": SECRET, "ALLOWED_HOSTS": "meded.example.ac.uk"}, {"LOG_FORMAT": "json"}],
    ids=["debug off", "LOG_FORMAT=json"],
)
def test_logs_are_json_lines_with_debug_off_or_when_asked(env):
    result = _log_a_line(**env)
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.splitlines()
    entry = json.loads(line)
    assert entry == {
        "time": entry["time"],
        "level": "WARNING",
        "logger": "meded.check",
        "message": "hello world",
        "request_id": None,
        "session_id": 7,
    }


@pytest.mark.parametrize(
    "env",
    [{}, {"DEBUG": "0", "SECRET_KEY": SECRET, "ALLOWED_HOSTS": "meded.example.ac.uk", "LOG_FORMAT": "plain"}],
    ids=["debug on", "LOG_FORMAT=plain"],
)
def test_logs_are_plain_text_in_development_or_when_asked(env):
    result = _log_a_line(**env)
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.splitlines()
    assert line.endswith(" WARNING meded.check hello world")


def test_an_unknown_log_format_stops_start_up():
    result = _log_a_line(LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be plain or json, not 'xml'." in result.stderr
