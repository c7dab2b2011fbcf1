"""A file uploaded at the first step of a page and read again at the next ones (survey exports,
interview transcripts).

It waits in the cache, encrypted (`meded.crypto`) under a random key that only the uploader's web
session holds, for KEPT_SECONDS at most; finishing or starting again deletes it. Such files hold
names the import never keeps, so they are never written to disk or to the database; with the
cache away (Redis down), `load` finds nothing and the page asks for the file again.
"""

import secrets

from django.core.cache import cache

from meded.crypto import CannotOpen, decrypt, encrypt

KEPT_SECONDS = 30 * 60
_PURPOSE = "feedback.waiting-upload"


def cache_key(token: str) -> str:
    return f"feedback:upload:{token}"


def keep(request, *, name: str, data: bytes, fields: dict) -> dict:
    """Keep `data` for this session under `name` (replacing what waited there), with `fields`."""
    forget(request, name=name)
    token = secrets.token_urlsafe(24)
    cache.set(cache_key(token), encrypt(data, purpose=_PURPOSE, associated=token.encode()), KEPT_SECONDS)
    waiting = {"token": token, **fields}
    request.session[name] = waiting
    return waiting


def waiting(request, *, name: str) -> dict | None:
    """The fields kept with the upload waiting under `name`, if any."""
    return request.session.get(name)


def load(waiting: dict) -> bytes | None:
    """The waiting file, or None once it has expired or cannot be read."""
    stored = cache.get(cache_key(waiting["token"]))
    if stored is None:
        return None
    try:
        return decrypt(stored, purpose=_PURPOSE, associated=waiting["token"].encode())
    except CannotOpen:
        return None


def forget(request, *, name: str) -> None:
    kept = request.session.pop(name, None)
    if kept:
        cache.delete(cache_key(kept["token"]))
