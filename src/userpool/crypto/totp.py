"""Time-based one-time passwords for SOFTWARE_TOKEN_MFA (RFC 6238 over RFC 4226 HOTP).

Cognito's authenticator codes: HMAC-SHA-1, a 30-second step, 6 digits, one step of clock skew
accepted either way (spec §5.12, Developer Guide "TOTP software token MFA"). The arithmetic is
pyotp's; this module adds what a server needs around it: secrets drawn from an injected random
source, their base32 ``SecretCode`` form, a constant-time comparison of every candidate step, and
replay protection (a step whose code was accepted is never accepted again).
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Callable

import pyotp

__all__ = ["DIGITS", "SECRET_BYTES", "STEP_SECONDS", "code_at", "matching_step", "new_secret", "secret_code"]

RandomSource = Callable[[int], bytes]

STEP_SECONDS = 30
DIGITS = 6
#: 32 random bytes: a 52-character base32 ``SecretCode``, the length Cognito hands out.
SECRET_BYTES = 32
#: Steps accepted around the current one (RFC 6238 §5.2: one step of delay either way).
SKEW_STEPS = 1


def new_secret(random: RandomSource) -> bytes:
    return random(SECRET_BYTES)


def secret_code(secret: bytes) -> str:
    """The base32 text an authenticator app takes (``AssociateSoftwareToken.SecretCode``), unpadded."""
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def _totp(secret: bytes) -> pyotp.TOTP:
    return pyotp.TOTP(secret_code(secret), digits=DIGITS, interval=STEP_SECONDS)


def code_at(secret: bytes, now: float) -> str:
    """The code an authenticator shows at ``now`` (for tests and benchmarks)."""
    return str(_totp(secret).at(int(now)))


def matching_step(secret: bytes, code: str, now: float, *, after: int = -1) -> int | None:
    """The time step (``floor(now / 30)`` ± 1) whose code ``code`` is, provided it is later than
    ``after`` (the last step accepted for this secret); None otherwise. Every candidate is
    computed and compared in constant time, so the answer's timing does not say which matched.
    """
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = _totp(secret)
    current = int(now) // STEP_SECONDS
    found: int | None = None
    for step in range(current - SKEW_STEPS, current + SKEW_STEPS + 1):
        expected = str(totp.generate_otp(step))
        if hmac.compare_digest(expected.encode(), code.encode()) and step > after and found is None:
            found = step
    return found
