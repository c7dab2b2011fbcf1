"""A file uploaded at the first step of a page and read again at the next ones (survey exports,
interview transcripts).

It waits in the cache, encrypted (`meded.crypto`) under a random key that only the uploader's web
session holds, for KEPT_SECONDS at most; finishing or starting again deletes it. Such files hold
names the import never keeps, so they are never written to disk or to the database; with the
cache away (Redis down), `load` finds nothing and the page asks for the file again. The file's
name waits encrypted with it, not in the web session: Teams names a transcript after its meeting,
which may name the interviewee, and a session row outlives the file.
"""

import json
import secrets

from django.core.cache import cache

from meded.crypto import CannotOpen, decrypt, encrypt

KEPT_SECONDS = 30 * 60
_PURPOSE = "feedback.waiting-upload"
# Fields that wait with the file rather than in the web session.
_WITH_THE_FILE = ("filename",)


def cache_key(token: str) -> str:
    return f"feedback:upload:{token}"


def keep(request, *, name: str, data: bytes, fields: dict) -> dict:
    """Keep `data` for this session under `name` (replacing what waited there), with `fields`."""
    forget(request, name=name)
    token = secrets.token_urlsafe(24)
    beside = {key: fields[key] for key in _WITH_THE_FILE if key in fields}
    payload = json.dumps(beside).encode() + b"\n" + data  # JSON holds no raw line break
    cache.set(cache_key(token), encrypt(payload, purpose=_PURPOSE, associated=token.encode()), KEPT_SECONDS)
    request.session[name] = {"token": token} | {key: value for key, value in fields.items() if key not in beside}
    return {"token": token, **fields}


def _open(token: str) -> tuple[dict, bytes] | None:
    stored = cache.get(cache_key(token))
    if stored is None:
        return None
    try:
        payload = decrypt(stored, purpose=_PURPOSE, associated=token.encode())
    except CannotOpen:
        return None
    header, _, data = payload.partition(b"\n")
    try:
        return json.loads(header), data
    except ValueError:  # kept before the file's name waited with it: as good as expired
        return None


def waiting(request, *, name: str) -> dict | None:
    """The fields kept with the upload waiting under `name`, if any (its file name only while the
    file itself is still kept)."""
    kept = request.session.get(name)
    if kept is None:
        return None
    opened = _open(kept["token"])
    return kept if opened is None else kept | opened[0]


def load(waiting: dict) -> bytes | None:
    """The waiting file, or None once it has expired or cannot be read."""
    opened = _open(waiting["token"])
    return None if opened is None else opened[1]


def forget(request, *, name: str) -> None:
    kept = request.session.pop(name, None)
    if kept:
        cache.delete(cache_key(kept["token"]))
