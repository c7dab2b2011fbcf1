"""Authenticated encryption under keys derived from SECRET_KEY, for data a copy of the database
must not be able to read: feedback waiting for release (`feedback.sealing`) and the contents of
web sessions (`meded.sessions`).

AES-256-GCM with a random 96-bit nonce; each use has its own `purpose`, from which its key is
derived (so a value made for one purpose never opens as another), and may bind associated data
(what the value belongs to). No timestamp is written, unlike Django's signing or a Fernet token.
Keys rotate as Django's signing does: values are made with SECRET_KEY and opened with it or any
key of SECRET_KEY_FALLBACKS.
"""

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.crypto import salted_hmac

_NONCE_BYTES = 12


class CannotOpen(Exception):
    """No configured key opens the value, or it was altered."""


def _cipher(secret: str, purpose: str) -> AESGCM:
    return AESGCM(salted_hmac(f"meded.crypto.{purpose}", "key", secret=secret, algorithm="sha256").digest())


def encrypt(data: bytes, *, purpose: str, associated: bytes = b"") -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + _cipher(settings.SECRET_KEY, purpose).encrypt(nonce, data, associated)


def decrypt(value: bytes, *, purpose: str, associated: bytes = b"") -> bytes:
    """The data `encrypt` was given; raises CannotOpen if no configured key opens `value`."""
    value = bytes(value)
    nonce, sealed = value[:_NONCE_BYTES], value[_NONCE_BYTES:]
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        try:
            return _cipher(secret, purpose).decrypt(nonce, sealed, associated)
        except InvalidTag:
            continue
    raise CannotOpen("No configured key opens this value.")
