"""/healthz and /readyz: what the proxy and the container healthchecks see."""

import logging
import socket
import time
from unittest import mock

import pytest
from django.db import OperationalError, connections

from meded import health
from meded.celery import app as celery_app
from tests.integration.conftest import wait_for
from tests.integration.network import free_port

NO_STORE = "max-age=0, no-cache, no-store, must-revalidate, private"


def _dead_redis(settings) -> None:
    """The cache at a port where nothing listens."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }


def test_healthz_is_ok_without_a_query(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == NO_STORE
    assert len(response["X-Request-ID"]) == 32


def test_healthz_is_ok_while_the_database_and_the_cache_are_down(client, settings):
    _dead_redis(settings)
    with mock.patch.object(connections["default"], "cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_answers_a_probe_to_localhost_over_plain_http_with_debug_off(client, db, settings, path):
    """The container healthcheck asks http://127.0.0.1:8000/: not an allowed host, not HTTPS."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["meded.example.ac.uk"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(path, HTTP_HOST="127.0.0.1:8000").status_code == 200
    # The same probe of any other page is refused, and an allowed host over HTTP is redirected.
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    redirect = client.get("/", HTTP_HOST="meded.example.ac.uk")
    assert (redirect.status_code, redirect["Location"]) == (301, "https://meded.example.ac.uk/")


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_does_not_sign_in_or_start_a_session(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.cookies == {}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_refuses_writes(client, db, path):
    assert client.post(path).status_code == 405


def test_readyz_reports_each_check_with_its_latency(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    for check in body["checks"].values():
        assert set(check) == {"status", "latency_ms"}
        assert check["status"] == "ok"
        assert 0 <= check["latency_ms"] < health.CHECK_TIMEOUT_SECONDS * 1000


def test_readyz_is_503_when_the_database_is_down(client, db, caplog):
    with (
        mock.patch.object(connections["default"], "cursor", side_effect=OperationalError("connection refused")),
        caplog.at_level(logging.WARNING),
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"]["status"] == "down"
    assert body["checks"]["database"]["error"] == "OperationalError"
    assert (body["checks"]["cache"]["status"], body["checks"]["broker"]["status"]) == ("ok", "ok")
    [record] = [r for r in caplog.records if r.name == "meded.health"]
    assert record.levelno == logging.ERROR
    assert record.getMessage().startswith("readiness: database is down (OperationalError) after ")
    # The proxy's 503 is an outage: the request line says so too.
    [line] = [r for r in caplog.records if r.name == "meded.request"]
    assert (line.levelno, line.status, line.path) == (logging.ERROR, 503, "/readyz")


def test_readyz_is_degraded_but_200_when_the_cache_is_down(client, db, settings, caplog):
    _dead_redis(settings)
    with caplog.at_level(logging.WARNING, logger="meded.health"):
        response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["status"] == "down"
    assert body["checks"]["cache"]["error"] == "ConnectionError"
    assert (body["checks"]["database"]["status"], body["checks"]["broker"]["status"]) == ("ok", "ok")
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "readiness: cache is down (ConnectionError)" in record.getMessage()
    assert "Connection refused" in record.getMessage()


def test_readyz_is_degraded_when_the_broker_is_down(client, db, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "broker_url", f"redis://:secret-password@127.0.0.1:{free_port()}/0")
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["broker"]["status"] == "down"
    assert body["checks"]["database"]["status"] == "ok"
    assert "secret-password" not in response.content.decode()


def test_readyz_counts_the_embedded_broker_reachable_while_its_folders_exist(client, db, monkeypatch, tmp_path):
    folders = {key: tmp_path / key for key in ("data_folder_in", "data_folder_out", "processed_folder")}
    for folder in folders.values():
        folder.mkdir()
    monkeypatch.setitem(celery_app.conf, "broker_url", "filesystem://localhost//")
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {k: str(v) for k, v in folders.items()})
    assert client.get("/readyz").json()["checks"]["broker"]["status"] == "ok"

    folders["processed_folder"].rmdir()
    body = client.get("/readyz").json()
    assert body["status"] == "degraded"
    assert body["checks"]["broker"] == {
        "status": "down",
        "latency_ms": body["checks"]["broker"]["latency_ms"],
        "error": "FileNotFoundError",
    }


def test_readyz_gives_up_on_a_cache_that_never_answers_and_checks_again_once_it_goes(client, db, settings, monkeypatch):
    monkeypatch.setattr(health, "CHECK_TIMEOUT_SECONDS", 0.5)
    # A server that takes connections (the kernel completes them) and never answers.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.getsockname()[1]}/0",
        }
    }
    try:
        started = time.monotonic()
        body = client.get("/readyz").json()
        assert time.monotonic() - started < 2
        assert body["status"] == "degraded"
        assert body["checks"]["cache"]["error"] == "TimeoutError"
        assert body["checks"]["cache"]["latency_ms"] >= 500
        assert body["checks"]["database"]["status"] == "ok"
        # While that check is still stuck, the next probe does not queue behind it.
        started = time.monotonic()
        again = client.get("/readyz").json()
        assert time.monotonic() - started < 0.5
        assert again["checks"]["cache"] == {"status": "down", "latency_ms": 0.0, "error": "TimeoutError"}
    finally:
        server.close()
    # The stuck connection is reset: that check ends, and the next probe checks afresh.
    wait_for(
        lambda: client.get("/readyz").json()["checks"]["cache"].get("error") == "ConnectionError",
        timeout=30,
        message="the cache check stayed stuck after its server went away",
    )
