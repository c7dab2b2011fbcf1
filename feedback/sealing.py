"""Sealed envelopes for responses not yet released to results (see `feedback.anonymity`).

A response waiting for its release is kept as one opaque value: its answers, encoded as JSON,
padded to a multiple of PAD_TO bytes and encrypted with AES-256-GCM under a key derived from
SECRET_KEY. So the rows of pending responses, which sit in a table in the order they arrived,
say nothing a copy of the database could read: not the answers, not their length (most responses
fill the same first block), not a time — unlike a Fernet token, the envelope carries no
timestamp. The scope (the session or the survey) is bound into the seal as associated data, so
an envelope cannot be moved to another scope and read there.

Keys rotate as Django's signing does: envelopes are sealed with SECRET_KEY and opened with it or
any key of SECRET_KEY_FALLBACKS. Keep an old key among the fallbacks until every envelope sealed
with it has been released (`docs/operations.md`): without it they cannot be opened.
"""

import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.crypto import salted_hmac

# Envelopes are padded to a multiple of this many bytes, so that their size tells nothing in
# most cases: ratings and a short comment fit in one block.
PAD_TO = 4096
_NONCE_BYTES = 12
_SALT = "feedback.sealing.envelope"


class SealBroken(Exception):
    """An envelope cannot be opened: its key is no longer configured, or it was altered."""


def _cipher(secret: str) -> AESGCM:
    return AESGCM(salted_hmac(_SALT, "key", secret=secret, algorithm="sha256").digest())


def seal(payload: dict, *, scope: str) -> bytes:
    """`payload` (JSON-serialisable) as an envelope only this site can open, for `scope` only."""
    data = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    # The JSON never contains a NUL byte (json.dumps escapes control characters), so the padding
    # is removed exactly by stripping trailing NULs.
    padded = data + b"\0" * (-len(data) % PAD_TO)
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + _cipher(settings.SECRET_KEY).encrypt(nonce, padded, scope.encode())


def unseal(envelope: bytes, *, scope: str) -> dict:
    """The payload sealed in `envelope` for `scope`; raises SealBroken if no configured key opens it."""
    envelope = bytes(envelope)
    nonce, sealed = envelope[:_NONCE_BYTES], envelope[_NONCE_BYTES:]
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        try:
            padded = _cipher(secret).decrypt(nonce, sealed, scope.encode())
        except InvalidTag:
            continue
        return json.loads(padded.rstrip(b"\0"))
    raise SealBroken("No configured key opens this envelope.")
