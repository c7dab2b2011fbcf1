"""meded.cache: with its Redis away, the cache answers at once, as an empty cache that forgets what
it is told, and says so once in the log."""

import logging
import time

import pytest
from django.core.cache import caches

from meded.cache import forget_outages
from tests.integration.network import free_port


@pytest.fixture(autouse=True)
def _forget_outages():
    yield
    forget_outages()  # stops probing the addresses these tests made up


# Each operation the cache offers, and what it answers while Redis is away: nothing is found, an
# `add` succeeds (so a limiter lets the caller through), writes are dropped.
OPERATIONS = {
    "get": (lambda cache: cache.get("k", "fallback"), "fallback"),
    "get_many": (lambda cache: cache.get_many(["a", "b"]), {}),
    "has_key": (lambda cache: cache.has_key("k"), False),
    "get_or_set": (lambda cache: cache.get_or_set("k", 7), 7),
    "add": (lambda cache: cache.add("k", 1, timeout=60), True),
    "set": (lambda cache: cache.set("k", 1, timeout=60), None),
    "set_many": (lambda cache: cache.set_many({"a": 1, "b": 2}, timeout=60), []),
    "touch": (lambda cache: cache.touch("k", 60), False),
    "delete": (lambda cache: cache.delete("k"), False),
    "delete_many": (lambda cache: cache.delete_many(["a", "b"]), None),
    "clear": (lambda cache: cache.clear(), False),
}


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "meded.cache" and r.levelno == logging.WARNING]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_with_redis_away_each_operation_answers_at_once_as_an_empty_cache(operation, redis_away, caplog):
    call, expected = OPERATIONS[operation]

    start = time.monotonic()
    result = call(caches["default"])
    seconds = time.monotonic() - start

    assert result == expected
    assert seconds < 1
    [warning] = _warnings(caplog)
    assert warning.startswith("The cache's Redis at 127.0.0.1:")


@pytest.mark.parametrize("operation", ["incr", "decr"])
def test_with_redis_away_counting_finds_no_counter(operation, redis_away, caplog):
    # As for a key that has expired: the check-in limiter then starts again from one.
    cache = caches["default"]
    start = time.monotonic()
    with pytest.raises(ValueError, match="not found"):
        getattr(cache, operation)("k")
    assert time.monotonic() - start < 1
    assert len(_warnings(caplog)) == 1


def test_once_redis_is_found_away_the_cache_stops_waiting_for_it_and_logs_once(redis_away, caplog):
    cache = caches["default"]
    cache.get("first")  # finds Redis away: waits at most the socket timeout (0.5 s) when it is frozen

    start = time.monotonic()
    for n in range(200):  # a lecture theatre's sign-ins
        assert cache.add(f"lock:{n}", True, timeout=10) is True
        assert cache.get(f"history:{n}", []) == []
        cache.set(f"history:{n}", [n], timeout=60)
        cache.delete(f"lock:{n}")
    seconds = time.monotonic() - start

    assert seconds < 0.5
    assert len(_warnings(caplog)) == 1


def test_a_redis_url_password_never_reaches_the_log(settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "meded.cache.FailOpenRedisCache",
            "LOCATION": f"redis://:s3cret-pass@127.0.0.1:{free_port()}/2",
        }
    }
    caches["default"].get("k")
    [warning] = _warnings(caplog)
    assert "s3cret-pass" not in warning
    assert warning.startswith("The cache's Redis at 127.0.0.1:")
    assert "/2 " in warning
