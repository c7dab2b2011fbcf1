"""Sealed envelopes for responses not yet released to results (see `feedback.anonymity`).

A response waiting for its release is kept as one opaque value: its answers, encoded as JSON,
padded to the most its form's answers could take (`envelope_size`) and encrypted with AES-256-GCM
under a key derived from SECRET_KEY. So the rows of pending responses, which sit in a table in
the order they arrived, say nothing a copy of the database could read: not the answers, not
their length (every envelope of a form has the same size, whatever was written), not a time —
unlike a Fernet token, the envelope carries no timestamp. The scope (the session or the survey)
is bound into the seal as associated data, so an envelope cannot be moved to another scope and
read there.

The encryption is `meded.crypto`'s: keys rotate as Django's signing does, envelopes being sealed
with SECRET_KEY and opened with it or any key of SECRET_KEY_FALLBACKS. Keep an old key among the
fallbacks until every envelope sealed with it has been released (`docs/operations.md`): without
it they cannot be opened.
"""

import json

from feedback.enums import QuestionKind
from meded.crypto import CannotOpen, decrypt, encrypt

# Envelope sizes are whole blocks of this many bytes.
PAD_TO = 4096
# The most one character of a written answer can take in the JSON: a control character is
# escaped as \u0000 (six bytes); any other character is at most four bytes of UTF-8.
_TEXT_CHAR_BYTES = 6
# The most one answer row takes besides its text: [question id, number, option id, ""].
_ROW_BYTES = 64
_PURPOSE = "feedback.envelope"


class SealBroken(Exception):
    """An envelope cannot be opened: its key is no longer configured, or it was altered."""


def envelope_size(questions, *, text_max: int) -> int:
    """The size every envelope of a form is padded to: the most its answers could take.

    `questions` gives (kind, number of options) for each question; a written answer holds at
    most `text_max` characters. Whole PAD_TO blocks.
    """
    size = _ROW_BYTES
    for kind, options in questions:
        if kind == QuestionKind.TEXT:
            size += _ROW_BYTES + text_max * _TEXT_CHAR_BYTES
        elif kind == QuestionKind.MULTIPLE:
            size += _ROW_BYTES * max(options, 1)
        else:
            size += _ROW_BYTES
    return -(-size // PAD_TO) * PAD_TO


def seal(payload: dict, *, scope: str, size: int) -> bytes:
    """`payload` (JSON-serialisable) padded to `size` bytes, as an envelope only this site can
    open, for `scope` only."""
    data = json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    if len(data) > size:  # cannot happen with `envelope_size`; never cut an answer short
        size = -(-len(data) // PAD_TO) * PAD_TO
    # The JSON never contains a NUL byte (json.dumps escapes every control character), so the
    # padding is removed exactly by stripping trailing NULs.
    padded = data + b"\0" * (size - len(data))
    return encrypt(padded, purpose=_PURPOSE, associated=scope.encode())


def unseal(envelope: bytes, *, scope: str) -> dict:
    """The payload sealed in `envelope` for `scope`; raises SealBroken if no configured key opens it."""
    try:
        padded = decrypt(envelope, purpose=_PURPOSE, associated=scope.encode())
    except CannotOpen:
        raise SealBroken("No configured key opens this envelope.") from None
    return json.loads(padded.rstrip(b"\0"))
