"""Compact JWS tokens (RFC 7515) carrying JWT claims (RFC 7519), RS256 only (RFC 7518 §3.3).

Cognito's ID and access tokens are ``BASE64URL(header) "." BASE64URL(claims) "." BASE64URL(sig)``
with the header ``{"kid": "...", "alg": "RS256"}`` (kid first, no ``typ``) and an RSASSA-PKCS1-v1_5
SHA-256 signature. ``verify`` checks structure, the algorithm allowlist, the key id, the
signature and ``exp``/``nbf``/``iat``; ``iss``, ``aud``/``client_id`` and ``token_use`` are the
caller's business. Every failure raises ``InvalidToken`` (``ExpiredToken`` for an expired but
otherwise valid token) and never says more than a short reason.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeGuard

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = ["ExpiredToken", "InvalidToken", "decode_unverified", "sign", "verify"]

SUPPORTED_ALGORITHMS = frozenset({"RS256"})

# Far above any real Cognito token (a few KB even with many groups); bounds the work done on garbage.
MAX_TOKEN_LENGTH = 64 * 1024

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_PKCS1V15 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


class InvalidToken(Exception):
    """The token is malformed, uses a refused algorithm or key, has a bad signature or bad claims."""


class ExpiredToken(InvalidToken):
    """The token is well-formed and correctly signed, but ``now`` is at or past ``exp`` + leeway."""


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(part: str) -> bytes:
    """Strict RFC 7515 §2 base64url: URL-safe alphabet, no padding, canonical encoding only."""
    if not _B64URL.fullmatch(part) or len(part) % 4 == 1:
        raise InvalidToken("invalid base64url")
    try:
        data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidToken("invalid base64url") from exc
    # Unused trailing bits must be zero, so one token has exactly one spelling.
    if _b64url_encode(data) != part:
        raise InvalidToken("non-canonical base64url")
    return data


def _reject_constant(name: str) -> Any:
    raise InvalidToken("non-standard JSON constant")


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # RFC 7515 §5.2: a header with duplicate member names is either rejected or the last wins; we
    # reject, so two parsers can never disagree about which value counts.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidToken("duplicate JSON member")
        result[key] = value
    return result


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(
            data.decode("utf-8"), object_pairs_hook=_unique_object, parse_constant=_reject_constant
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidToken("invalid JSON") from exc
    if not isinstance(value, dict):
        raise InvalidToken("JSON is not an object")
    return value


def _split(token: str) -> tuple[str, str, str]:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("not a token")
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("a compact JWS has three parts")
    return parts[0], parts[1], parts[2]


def _header(encoded: str) -> dict[str, Any]:
    header = _json_object(_b64url_decode(encoded))
    if not isinstance(header.get("alg"), str):
        raise InvalidToken("missing alg")
    # RFC 7515 §4.1.11: extensions listed in "crit" must be understood; we understand none.
    if "crit" in header:
        raise InvalidToken("unsupported critical header")
    return header


def _is_number(value: object) -> TypeGuard[int | float]:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def sign(claims: Mapping[str, Any], private_key: rsa.RSAPrivateKey, kid: str) -> str:
    """Sign ``claims`` as a Cognito-style compact JWS with RS256 (RFC 7515 §7.1, RFC 7518 §3.3).

    The header is exactly ``{"kid": kid, "alg": "RS256"}`` in that order, as Cognito emits it;
    header and claims are compact JSON (no whitespace, UTF-8), base64url without padding.
    """
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise TypeError("RS256 needs an RSA private key")
    signing_input = _encoded_header(kid) + "." + _b64url_encode(_claims_json(claims))
    signature = private_key.sign(signing_input.encode("ascii"), _PKCS1V15, _SHA256)
    return signing_input + "." + _b64url_encode(signature)


def _claims_json(claims: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON of ``claims``: the same bytes as ``json.dumps(separators=(",", ":"),
    ensure_ascii=False, allow_nan=False)`` (but ``1e-7`` for ``1e-07``: claims hold no such
    float), written by orjson (about ten times faster). orjson
    writes NaN and infinities as ``null``, so any output containing ``null`` is written again
    by ``json``, which refuses them (and otherwise writes the same bytes); so is anything
    orjson does not take (an integer over 64 bits, a lone surrogate, a non-string key)."""
    try:
        out = orjson.dumps(claims if type(claims) is dict else dict(claims))
        if b"null" not in out:
            return out
    except orjson.JSONEncodeError:
        pass
    return json.dumps(dict(claims), separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


@functools.lru_cache(maxsize=1024)
def _encoded_header(kid: str) -> str:
    """The base64url JOSE header of a key: the same text for every token it signs."""
    header = json.dumps({"kid": kid, "alg": "RS256"}, separators=(",", ":"), ensure_ascii=False)
    return _b64url_encode(header.encode("utf-8"))


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return ``(header, claims)`` WITHOUT checking the signature or any claim.

    Only for routing and diagnostics (e.g. reading ``kid`` or ``origin_jti`` of a token that will
    be verified anyway); structure is checked as strictly as in ``verify``: three base64url
    parts, a header object with a string ``alg``, a claims object.
    """
    encoded_header, encoded_claims, encoded_signature = _split(token)
    header = _header(encoded_header)
    claims = _json_object(_b64url_decode(encoded_claims))
    _b64url_decode(encoded_signature)
    return header, claims


def verify(
    token: str,
    resolve_key: Callable[[str], rsa.RSAPublicKey | None],
    now: float,
    *,
    algorithms: Collection[str] = ("RS256",),
    leeway: float = 0,
) -> dict[str, Any]:
    """Verify a compact JWS (RFC 7515 §5.2) and the JWT time claims (RFC 7519 §4.1); return claims.

    Checks, in order: three parts; strict base64url; header is a JSON object whose ``alg`` is in
    ``algorithms`` (so ``none`` and HS256 — including the HMAC-with-the-public-key confusion — are
    refused); a ``kid`` that ``resolve_key`` maps to an RSA public key; the RSASSA-PKCS1-v1_5
    SHA-256 signature; claims are a JSON object; ``exp`` is a number and ``now < exp + leeway``
    (else ``ExpiredToken``); ``nbf``, if present, is a number and ``now >= nbf - leeway``; ``iat``,
    if present, is a number. ``iss``, ``aud``, ``client_id`` and ``token_use`` are NOT checked.

    ``now`` is epoch seconds, passed in so callers and tests control the clock. ``algorithms`` may
    only name supported algorithms (RS256); anything else is a programming error (``ValueError``).
    """
    allowed = frozenset(algorithms)
    if not allowed or not allowed <= SUPPORTED_ALGORITHMS:
        raise ValueError(f"algorithms must be a non-empty subset of {sorted(SUPPORTED_ALGORITHMS)}")
    if leeway < 0:
        raise ValueError("leeway must not be negative")

    encoded_header, encoded_claims, encoded_signature = _split(token)
    header = _header(encoded_header)
    if header["alg"] not in allowed:
        raise InvalidToken("algorithm not allowed")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("missing kid")
    key = resolve_key(kid)
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidToken("unknown kid")
    signature = _b64url_decode(encoded_signature)
    signing_input = (encoded_header + "." + encoded_claims).encode("ascii")
    try:
        key.verify(signature, signing_input, _PKCS1V15, _SHA256)
    except InvalidSignature as exc:
        raise InvalidToken("bad signature") from exc

    claims = _json_object(_b64url_decode(encoded_claims))
    exp = claims.get("exp")
    if not _is_number(exp):
        raise InvalidToken("exp missing or not a number")
    # Compare as now - leeway < exp so a huge integer exp cannot overflow a float addition.
    if not now - leeway < exp:
        raise ExpiredToken("token expired")
    if "nbf" in claims:
        nbf = claims["nbf"]
        if not _is_number(nbf):
            raise InvalidToken("nbf not a number")
        if now + leeway < nbf:
            raise InvalidToken("token not yet valid")
    if "iat" in claims and not _is_number(claims["iat"]):
        raise InvalidToken("iat not a number")
    return claims
