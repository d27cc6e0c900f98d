"""One-time codes and temporary passwords (spec §2.6 codes; AdminCreateUser temporary passwords).

Randomness is injected as ``random(n) -> n bytes`` (``os.urandom`` or ``secrets.token_bytes`` in
production, a scripted source in tests). Choices are unbiased: rejection sampling, never a bare
modulo. Codes are stored only as an HMAC keyed with a server-side pepper.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

__all__ = [
    "TEMPORARY_PASSWORD_SYMBOLS",
    "hash_code",
    "numeric_code",
    "temporary_password",
    "verify_code",
]

RandomSource = Callable[[int], bytes]

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
# The special characters Cognito password policies accept (Developer Guide, password policies).
TEMPORARY_PASSWORD_SYMBOLS = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-"

# A source that keeps landing in the rejected tail this often is broken, not unlucky: each draw is
# rejected with probability < 1/256, so 64 in a row has probability < 2^-512.
_MAX_REJECTIONS = 64


def _randbelow(random: RandomSource, n: int) -> int:
    """Uniform integer in [0, n) by rejection sampling on whole bytes."""
    if n < 1:
        raise ValueError("n must be positive")
    size = (n.bit_length() + 7) // 8 + 1  # one spare byte keeps the rejection rate below 1/256
    space = 1 << (8 * size)
    limit = space - space % n
    for _ in range(_MAX_REJECTIONS):
        chunk = random(size)
        if len(chunk) != size:
            raise ValueError("random source returned the wrong number of bytes")
        value = int.from_bytes(chunk, "big")
        if value < limit:
            return value % n
    raise RuntimeError("random source keeps returning out-of-range values")


def numeric_code(random: RandomSource, digits: int = 6) -> str:
    """A uniformly distributed ``digits``-digit code, leading zeros kept (spec §2.6)."""
    if not 1 <= digits <= 64:
        raise ValueError("digits must be between 1 and 64")
    return str(_randbelow(random, 10**digits)).zfill(digits)


def hash_code(code: str, pepper: bytes) -> bytes:
    """What is stored for a one-time code (spec §2.6, §4.14): HMAC-SHA256(pepper, UTF8(code))."""
    return hmac.digest(pepper, code.encode("utf-8"), "sha256")


def verify_code(code: str, pepper: bytes, expected_hash: bytes) -> bool:
    """Check a presented code against its stored hash in constant time (spec §4.14)."""
    try:
        candidate = hash_code(code, pepper)
    except (UnicodeEncodeError, AttributeError):
        return False
    return hmac.compare_digest(candidate, expected_hash)


def temporary_password(
    random: RandomSource,
    length: int,
    require_upper: bool,
    require_lower: bool,
    require_numbers: bool,
    require_symbols: bool,
) -> str:
    """A temporary password (AdminCreateUser) that satisfies the pool's password policy.

    One character of each required class is placed first, the rest is drawn from letters and
    digits (plus symbols when the policy requires them), then the whole is shuffled
    (Fisher-Yates). Every choice is uniform.
    """
    required = [
        chars
        for chars, wanted in (
            (UPPER, require_upper),
            (LOWER, require_lower),
            (DIGITS, require_numbers),
            (TEMPORARY_PASSWORD_SYMBOLS, require_symbols),
        )
        if wanted
    ]
    if length < max(1, len(required)):
        raise ValueError("length is too short for the required character classes")
    filler = UPPER + LOWER + DIGITS + (TEMPORARY_PASSWORD_SYMBOLS if require_symbols else "")
    chars = [alphabet[_randbelow(random, len(alphabet))] for alphabet in required]
    chars += [filler[_randbelow(random, len(filler))] for _ in range(length - len(chars))]
    for i in range(len(chars) - 1, 0, -1):
        j = _randbelow(random, i + 1)
        chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)
