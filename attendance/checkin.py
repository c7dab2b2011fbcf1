"""Rotating check-in codes.

A code is an HMAC (keyed by SECRET_KEY) over the session and a 30-second time window, so it cannot
be guessed or reused later, needs no storage, and is the same on every web process. The QR code
carries a long form; attendees who cannot scan type a six-digit short form. The previous window is
accepted too, so a phone that is slow to open the page still succeeds.
"""

import hmac
import re
import time

from django.conf import settings
from django.utils.crypto import salted_hmac

TOKEN = re.compile(r"^[0-9a-f]{32}$")
SHORT_CODE = re.compile(r"^[0-9]{6}$")


def _window(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // settings.CHECK_IN_WINDOW_SECONDS)


def _digest(session_id: int, window: int) -> bytes:
    # A key derived for this purpose alone (salted_hmac), not SECRET_KEY itself.
    return salted_hmac("meded.attendance.check-in", f"{session_id}:{window}", algorithm="sha256").digest()


def token_for(session_id: int, *, at: float | None = None) -> str:
    """The long token in the QR code's URL."""
    return _digest(session_id, _window(at)).hex()[:32]


def short_code_for(session_id: int, *, at: float | None = None) -> str:
    """Six digits to type; derived from the same digest."""
    return f"{int.from_bytes(_digest(session_id, _window(at))[:8], 'big') % 1_000_000:06d}"


def token_is_valid(session_id: int, token: str, *, at: float | None = None) -> bool:
    if not TOKEN.match(token):
        return False
    now = _window(at)
    return any(hmac.compare_digest(_digest(session_id, window).hex()[:32], token) for window in (now, now - 1))


def short_code_is_valid(session_id: int, code: str, *, at: float | None = None) -> bool:
    code = code.strip()
    if not SHORT_CODE.match(code):
        return False
    now = _window(at)
    return any(
        hmac.compare_digest(f"{int.from_bytes(_digest(session_id, window)[:8], 'big') % 1_000_000:06d}", code.strip())
        for window in (now, now - 1)
    )


def seconds_left(*, at: float | None = None) -> int:
    now = time.time() if at is None else at
    return settings.CHECK_IN_WINDOW_SECONDS - int(now % settings.CHECK_IN_WINDOW_SECONDS)
