"""Cognito's SRP-6a, server side (spec §4: USER_SRP_AUTH / PASSWORD_VERIFIER, DEVICE_SRP_AUTH).

The group is RFC 3526's 3072-bit prime with g = 2 and H = SHA-256; integers enter every hash
through ``pad`` (§4.2, minimal two's complement, not RFC 5054 padding), the session key comes
from an HKDF with the info string "Caldera Derived Key" (§4.7), and the client proves it with an
HMAC over pool name, user id, SECRET_BLOCK and TIMESTAMP (§4.8).

One set of functions serves both kinds of SRP: for user passwords ``realm`` is the pool name part
and ``user_id`` is USER_ID_FOR_SRP; for devices (§4.11) ``realm`` is the DeviceGroupKey and
``user_id`` the DeviceKey.

Verifiers are passed as big-endian bytes of any length: ``make_verifier`` returns exactly 384
bytes, and the 385-byte PAD(dv) a client sends in ConfirmDevice works unchanged.

Randomness and time are arguments, never drawn here. Nothing in this module logs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from datetime import UTC, datetime
from functools import cache

from userpool.crypto.bigint import FixedBase, powmod

__all__ = [
    "K_MULTIPLIER",
    "MAX_SRP_A_HEX_DIGITS",
    "PRIVATE_B_BYTES",
    "VERIFIER_BYTES",
    "G",
    "N",
    "SrpError",
    "check_password",
    "claim_signature",
    "client_a",
    "client_session_key",
    "compute_u",
    "compute_x",
    "derive_key",
    "format_timestamp",
    "make_verifier",
    "pad",
    "parse_srp_a",
    "parse_timestamp",
    "private_b",
    "salt_to_hex",
    "server_b",
    "server_premaster_secret",
    "session_key",
    "verify_claim",
]


class SrpError(ValueError):
    """An SRP value the protocol forbids (spec §4.6, §4.14): malformed SRP_A, A, B or u ≡ 0, bad v."""


N: int = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G: int = 2
VERIFIER_BYTES = 384  # len(N) in bytes
PRIVATE_B_BYTES = 32
MAX_SRP_A_HEX_DIGITS = 1024
# Both exponents the server raises g to are SHA-256 outputs (x) or 32 random bytes (b).
_FIXED_BASE_BITS = 256

_HKDF_INFO = b"Caldera Derived Key\x01"
_SRP_A_HEX = re.compile(rf"[0-9a-fA-F]{{1,{MAX_SRP_A_HEX_DIGITS}}}")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # datetime.weekday() order
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TIMESTAMP = re.compile(
    r"(?P<wd>Sun|Mon|Tue|Wed|Thu|Fri|Sat) (?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" (?P<d>[1-9]|[12][0-9]|3[01]) (?P<H>[01][0-9]|2[0-3]):(?P<M>[0-5][0-9]):(?P<S>[0-5][0-9])"
    r" UTC (?P<Y>[0-9]{4})",
    re.ASCII,
)


def pad(n: int) -> bytes:
    """PAD(n) of spec §4.2: the shortest big-endian two's-complement encoding of ``n >= 0``."""
    if n < 0:
        raise ValueError("PAD is defined for non-negative integers only")
    return n.to_bytes(n.bit_length() // 8 + 1, "big")


def _hash(*parts: bytes) -> bytes:
    return hashlib.sha256(b"".join(parts)).digest()


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates: no client can have hashed this string
        raise SrpError("string is not encodable as UTF-8") from exc


K_MULTIPLIER: int = int.from_bytes(_hash(pad(N), pad(G)), "big")  # spec §4.3


@cache
def _generator_table() -> FixedBase:
    # Built on first use (~10 ms, ~1 MB); see bigint's docstring for why it beats powmod.
    return FixedBase(G, N, _FIXED_BASE_BITS)


def _g_pow(e: int) -> int:
    return _generator_table().pow(e)


def salt_to_hex(salt: bytes) -> str:
    """The SALT challenge parameter (spec §3.2, §4.10): minimal lower-case hex of the salt integer.

    pycognito applies PAD to this string as received and the JS clients to its integer; the two
    agree only for the minimal form (or the padded form), never with extra leading zero bytes.
    """
    return format(int.from_bytes(salt, "big"), "x")


def compute_x(realm: str, user_id: str, password: str, salt: bytes) -> int:
    """Private key x of spec §4.4: ``H(PAD(s) ‖ H(UTF8(realm ‖ user_id ‖ ":" ‖ password)))``.

    ``realm`` is the pool name part (or DeviceGroupKey, §4.11), ``user_id`` is USER_ID_FOR_SRP
    (or DeviceKey); the salt bytes are read as an unsigned big-endian integer.
    """
    inner = _hash(_utf8(realm), _utf8(user_id), b":", _utf8(password))
    return int.from_bytes(_hash(pad(int.from_bytes(salt, "big")), inner), "big")


def make_verifier(realm: str, user_id: str, password: str, salt: bytes) -> bytes:
    """Password verifier v = g^x mod N of spec §4.5, as exactly 384 big-endian bytes."""
    return _g_pow(compute_x(realm, user_id, password, salt)).to_bytes(VERIFIER_BYTES, "big")


def _verifier_int(verifier: bytes) -> int:
    v = int.from_bytes(verifier, "big")
    if v % N == 0:
        raise SrpError("verifier is congruent to 0 mod N")
    return v


def check_password(realm: str, user_id: str, password: str, salt: bytes, verifier: bytes) -> bool:
    """Password check of the plaintext flows (spec §3.1, §4.5): recompute v, compare in constant time.

    ``verifier`` may be 384 bytes (``make_verifier``) or any other big-endian length (PAD(v)).
    """
    try:
        candidate = make_verifier(realm, user_id, password, salt)
    except SrpError:
        return False
    stored = int.from_bytes(verifier, "big")
    if stored >> (8 * VERIFIER_BYTES):
        return False
    return hmac.compare_digest(candidate, stored.to_bytes(VERIFIER_BYTES, "big"))


def parse_srp_a(srp_a_hex: str) -> int:
    """Parse the client's SRP_A (spec §3.2 step 1, §4.10): strict hex, refuse ``A mod N = 0``.

    Upper or lower case and odd length are accepted; a ``0x`` prefix, whitespace, signs, an empty
    string or more than 1024 digits raise ``SrpError``.
    """
    if not isinstance(srp_a_hex, str) or _SRP_A_HEX.fullmatch(srp_a_hex) is None:
        raise SrpError("SRP_A is not a hex number")
    a_pub = int(srp_a_hex, 16)
    if a_pub % N == 0:
        raise SrpError("SRP_A is congruent to 0 mod N")
    return a_pub


def private_b(random_bytes: bytes) -> int:
    """The server's ephemeral private value b (spec §3.2 step 3, §4.6) from 32 fresh random bytes.

    256 bits is the size NIST SP 800-56A requires for a private exponent in a 3072-bit group
    (twice its 128-bit security strength): short-exponent attacks (Pollard's kangaroo) cost
    about 2^128 then. It is also the width of the fixed-base table that makes g^b cheap.
    """
    if len(random_bytes) != PRIVATE_B_BYTES:
        raise ValueError(f"private_b needs exactly {PRIVATE_B_BYTES} random bytes")
    b = int.from_bytes(random_bytes, "big")
    if b == 0:
        raise SrpError("b = 0; draw again")
    return b


def server_b(verifier: bytes, b: int) -> int:
    """Server public value B = (k·v + g^b) mod N of spec §4.6 (one fixed-base exponentiation).

    Raises ``SrpError`` if B = 0 (probability about 2^-3072): the caller draws a new b.
    """
    b_pub = (K_MULTIPLIER * _verifier_int(verifier) + _g_pow(b)) % N
    if b_pub == 0:
        raise SrpError("B = 0; draw a new b")
    return b_pub


def compute_u(a_pub: int, b_pub: int) -> int:
    """Scrambling parameter u = H(PAD(A) ‖ PAD(B)) of spec §4.6."""
    return int.from_bytes(_hash(pad(a_pub), pad(b_pub)), "big")


def _premaster(a_pub: int, u: int, b: int, verifier: bytes) -> int:
    if a_pub % N == 0:
        raise SrpError("A is congruent to 0 mod N")
    if u == 0:
        raise SrpError("u = 0")
    v = _verifier_int(verifier)
    return powmod(a_pub * powmod(v, u, N) % N, b, N)


def server_premaster_secret(a_pub: int, b_pub: int, b: int, verifier: bytes) -> int:
    """Server's S = (A·v^u)^b mod N of spec §4.6; exposed for test vectors, use ``session_key``."""
    return _premaster(a_pub, compute_u(a_pub, b_pub), b, verifier)


def derive_key(u: int, premaster: int) -> bytes:
    """Session key K of spec §4.7: HKDF-SHA256(salt = PAD(u), ikm = PAD(S), "Caldera Derived Key")[:16]."""
    prk = hmac.digest(pad(u), pad(premaster), "sha256")
    return hmac.digest(prk, _HKDF_INFO, "sha256")[:16]


def session_key(a_pub: int, b_pub: int, b: int, verifier: bytes) -> bytes:
    """Server side of spec §4.6–4.7: u, S = (A·v^u)^b mod N, then K (16 bytes).

    Raises ``SrpError`` if ``A mod N = 0``, ``u = 0`` or ``v mod N = 0``; costs two full
    exponentiations (v^u and (A·v^u)^b), the minimum for SRP-6a.
    """
    u = compute_u(a_pub, b_pub)
    return derive_key(u, _premaster(a_pub, u, b, verifier))


def claim_signature(key: bytes, realm: str, user_id: str, secret_block: bytes, timestamp: str) -> bytes:
    """PASSWORD_CLAIM_SIGNATURE of spec §4.8, raw 32 bytes (the wire carries its base64).

    HMAC-SHA256 keyed with K over realm ‖ user_id ‖ SECRET_BLOCK bytes ‖ TIMESTAMP as received.
    """
    message = b"".join((_utf8(realm), _utf8(user_id), secret_block, _utf8(timestamp)))
    return hmac.digest(key, message, "sha256")


def verify_claim(key: bytes, realm: str, user_id: str, secret_block: bytes, timestamp: str, signature_b64: str) -> bool:
    """Check PASSWORD_CLAIM_SIGNATURE (spec §3.2 step 2.5, §4.8) in constant time.

    The signature must be standard padded base64; anything else is simply a wrong signature.
    The TIMESTAMP itself is checked separately with ``parse_timestamp``.
    """
    try:
        presented = base64.b64decode(signature_b64, validate=True)
        expected = claim_signature(key, realm, user_id, secret_block, timestamp)
    except (binascii.Error, ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, presented)


def parse_timestamp(value: str) -> datetime | None:
    """Strict TIMESTAMP of spec §4.9 (``Tue Nov 5 09:07:03 UTC 2024``) → aware UTC datetime.

    ``None`` for anything else, including a zero-padded day and a weekday that does not match.
    """
    match = _TIMESTAMP.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    try:
        moment = datetime(
            int(match["Y"]),
            _MONTHS.index(match["mon"]) + 1,
            int(match["d"]),
            int(match["H"]),
            int(match["M"]),
            int(match["S"]),
            tzinfo=UTC,
        )
    except ValueError:  # e.g. Feb 30, year 0
        return None
    if _WEEKDAYS[moment.weekday()] != match["wd"]:
        return None
    return moment


def format_timestamp(moment: datetime) -> str:
    """Format an aware datetime as a spec §4.9 TIMESTAMP (English names, UTC, unpadded day)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("format_timestamp needs an aware datetime")
    t = moment.astimezone(UTC)
    return (
        f"{_WEEKDAYS[t.weekday()]} {_MONTHS[t.month - 1]} {t.day} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} UTC {t.year:04d}"
    )


# --- The client's half: used by tests and benchmarks only, never by the server. -------------


def client_a(a: int) -> int:
    """CLIENT SIDE (tests/benchmarks): public value A = g^a mod N of spec §4.6."""
    return _g_pow(a)


def client_session_key(realm: str, user_id: str, password: str, salt: bytes, a: int, b_pub: int) -> bytes:
    """CLIENT SIDE (tests/benchmarks): K from S = (B − k·g^x)^(a + u·x) mod N (spec §4.6–4.7)."""
    a_pub = client_a(a)
    u = compute_u(a_pub, b_pub)
    if u == 0 or b_pub % N == 0:
        raise SrpError("B ≡ 0 mod N or u = 0")
    x = compute_x(realm, user_id, password, salt)
    premaster = powmod((b_pub - K_MULTIPLIER * _g_pow(x)) % N, a + u * x, N)
    return derive_key(u, premaster)
