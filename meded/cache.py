"""The cache in Redis, which holds allauth's rate limits and the typed check-in code's limiter, and
must not take sign-in or check-in down with Redis.

Redis stopped (a restart, an upgrade) refuses connections; Redis frozen (SIGSTOP, a stalled disk
or host, a network that drops replies) accepts them and never answers. Django's RedisCache lets
either error through, so sign-in was a 500 at once, or after redis-py's default socket timeout of
5 s when Redis was frozen.

Here a command gives up after SOCKET_TIMEOUT, without retrying. The first one that fails marks
that Redis away for every thread of the process and logs one warning. While it is away every
command is answered at once, as by an empty cache that forgets what it is told: `get` finds
nothing, `add` succeeds, `incr` finds no counter, writes are dropped. The limiters therefore let
everyone through. A thread asks Redis every PROBE_INTERVAL whether it answers again; once it
does, the cache uses it again and logs how long it was away and how many commands went without it.

A command sent just as Redis froze is still carried out when it thaws, and so is the lock allauth
took just before (it takes one for each limit with `add`, for 10 s, and releases it with
`delete`). Such a lock would refuse every sign-in to that account, or from that campus address,
with a 429 in the other web processes for ten seconds after Redis is back. So an `add` that got no
answer, and every `delete` that failed or was skipped, is carried out as a deletion by the probe
as soon as Redis answers, before this process uses it again: within PROBE_INTERVAL of the thaw,
inside the second that allauth waits for a lock, so nobody is refused. The skipped deletes include
a password reset's clearing of that account's sign-in pause, which then still happens.
"""

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# A command takes well under a millisecond; one that has not answered in half a second will not
# answer in time to be of use to a page.
SOCKET_TIMEOUT = 0.5
PROBE_INTERVAL = 0.25
# Deletions kept for when Redis is back, at most: far more distinct accounts and addresses than
# sign in during any outage. Past it, a left-over lock simply expires (allauth's 10 s).
MAX_KEYS_TO_DELETE = 10_000
# Connection errors include a refused connection, a reset, a server still loading its data and a
# failed AUTH; the others (a wrong type, a full memory) are answers, and mistakes to see.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


def _where(server: str) -> str:
    """The server's address and database, without the password its URL may carry."""
    url = urlsplit(server)
    if url.scheme == "unix":
        return url.path
    return f"{url.hostname}:{url.port or 6379}{url.path or '/0'}"


class _Outage:
    """Whether one Redis is away, shared by every thread of the process (Django gives each thread
    its own cache object), and the keys to delete there once it answers again."""

    def __init__(self, where: str):
        self.where = where
        self.lock = threading.Lock()
        self.since: float | None = None  # time.monotonic() when it was found away
        self.missed = 0
        self.to_delete: set[str] = set()
        self.forgotten = threading.Event()

    @property
    def away(self) -> bool:
        return self.since is not None

    def skipped(self, deletions: Iterable[str]) -> None:
        with self.lock:
            self.missed += 1
            self._keep(deletions)

    def failed(self, client: RedisCacheClient, error: Exception, deletions: Iterable[str]) -> None:
        with self.lock:
            self.missed += 1
            self._keep(deletions)
            if self.since is not None:
                return  # another thread found it away first
            self.since = time.monotonic()
        logger.warning(
            "The cache's Redis at %s did not answer (%s: %s); until it does, the cache is skipped and "
            "sign-in, sign-up, password reset and check-in are not rate limited",
            self.where,
            type(error).__name__,
            error,
        )
        threading.Thread(target=self._probe, args=(client,), name="meded-cache-probe", daemon=True).start()

    def _keep(self, deletions: Iterable[str]) -> None:
        room = MAX_KEYS_TO_DELETE - len(self.to_delete)
        if room > 0:
            self.to_delete.update(list(deletions)[:room])

    def _probe(self, client: RedisCacheClient) -> None:
        while not self.forgotten.wait(PROBE_INTERVAL):
            with self.lock:
                keys, self.to_delete = self.to_delete, set()
            try:
                redis = client.get_client(write=True)
                redis.ping()
                if keys:
                    redis.delete(*keys)
            except Exception:  # not back yet, whatever the error: the cache stays skipped
                with self.lock:
                    self._keep(keys)
                continue
            with self.lock:
                if self.to_delete:
                    continue  # a command that was waiting when Redis froze failed meanwhile
                seconds, missed = time.monotonic() - self.since, self.missed
                self.since, self.missed = None, 0
            logger.warning(
                "The cache's Redis at %s answers again after %.1f s; %d cache commands went without it",
                self.where,
                seconds,
                missed,
            )
            return


_outages: dict[tuple[str, ...], _Outage] = {}
_outages_lock = threading.Lock()


def _outage(servers: list[str]) -> _Outage:
    key = tuple(servers)
    outage = _outages.get(key)
    if outage is None:
        with _outages_lock:
            outage = _outages.setdefault(key, _Outage(_where(servers[0])))
    return outage


def forget_outages() -> None:
    """Stop probing and take every Redis to be there again, as the tests need between them."""
    with _outages_lock:
        outages = list(_outages.values())
        _outages.clear()
    for outage in outages:
        outage.forgotten.set()


def _after_fork() -> None:
    # The probing thread does not survive a fork (a Celery or gunicorn worker), and a lock held by
    # another thread at that moment would never be released: the child starts afresh.
    global _outages_lock
    _outages_lock = threading.Lock()
    _outages.clear()


os.register_at_fork(after_in_child=_after_fork)


def _not_found(key: str) -> Callable[[], int]:
    def answer() -> int:
        raise ValueError(f"Key '{key}' not found.")  # as Django's RedisCache says of a missing counter

    return answer


class FailOpenRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, **options):
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        super().__init__(servers, **options)

    def _unless_away(self, command, *args, answer: Callable, may_land=(), deletes=()):
        """`command(*args)`, or `answer()` at once if Redis is away or does not answer now. Keys in
        `may_land` (a write that got no answer) and `deletes` (a deletion not done) are deleted once
        Redis is back."""
        outage = _outage(self._servers)
        if outage.away:
            outage.skipped(deletes)
            return answer()
        try:
            return command(*args)
        except UNREACHABLE as error:
            outage.failed(self, error, [*may_land, *deletes])
            return answer()

    def add(self, key, value, timeout):
        return self._unless_away(super().add, key, value, timeout, answer=lambda: True, may_land=[key])

    def get(self, key, default):
        return self._unless_away(super().get, key, default, answer=lambda: default)

    def set(self, key, value, timeout):
        return self._unless_away(super().set, key, value, timeout, answer=lambda: None)

    def touch(self, key, timeout):
        return self._unless_away(super().touch, key, timeout, answer=lambda: False)

    def delete(self, key):
        return self._unless_away(super().delete, key, answer=lambda: False, deletes=[key])

    def get_many(self, keys):
        return self._unless_away(super().get_many, keys, answer=dict)

    def has_key(self, key):
        return self._unless_away(super().has_key, key, answer=lambda: False)

    def incr(self, key, delta):
        return self._unless_away(super().incr, key, delta, answer=_not_found(key))

    def set_many(self, data, timeout):
        return self._unless_away(super().set_many, data, timeout, answer=lambda: None)

    def delete_many(self, keys):
        return self._unless_away(super().delete_many, keys, answer=lambda: None, deletes=keys)

    def clear(self):
        return self._unless_away(super().clear, answer=lambda: False)


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache, answering at once while its Redis is away (see above)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = FailOpenRedisCacheClient
