"""The client's half of Cognito SRP for the load generator, on ``userpool.crypto.srp``'s helpers.

Before the timed phase: a pool of ephemeral pairs (a, A = g^a). In the timed loop, per login,
the proof that depends on the server's B: u, S = (B − k·g^x)^(a + u·x), K, the HMAC claim.
``k·g^x`` depends only on the user, the salt and the password, so it is cached per
(user, salt, password); a peer that sends a fresh salt every time simply never hits the cache.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from datetime import UTC, datetime

from userpool.crypto import srp
from userpool.crypto.bigint import powmod

_CACHE_LIMIT = 200_000


@dataclass(frozen=True)
class Ephemeral:
    a: int
    a_pub: int
    srp_a: str  # hex of A, as sent in SRP_A


def ephemerals(count: int) -> list[Ephemeral]:
    """``count`` fresh client ephemerals (256-bit a, A = g^a mod N)."""
    out = []
    for _ in range(count):
        a = int.from_bytes(os.urandom(32), "big") | 1
        a_pub = srp.client_a(a)
        out.append(Ephemeral(a, a_pub, format(a_pub, "x")))
    return out


def _salt_bytes(salt_hex: str) -> bytes:
    value = int(salt_hex, 16)
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def _secret_block(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):  # a peer that sends something else (moto: a UUID)
        return text.encode()


class SrpProver:
    """Computes PASSWORD_VERIFIER challenge responses for one pool (realm = pool name part)."""

    def __init__(self, realm: str) -> None:
        self.realm = realm
        self._kgx: dict[tuple[str, str, str], tuple[int, int]] = {}

    def _x_and_kgx(self, user_id: str, salt_hex: str, password: str) -> tuple[int, int]:
        key = (user_id, salt_hex, password)
        cached = self._kgx.get(key)
        if cached is None:
            x = srp.compute_x(self.realm, user_id, password, _salt_bytes(salt_hex))
            cached = (x, srp.K_MULTIPLIER * srp.client_a(x) % srp.N)
            if len(self._kgx) < _CACHE_LIMIT:
                self._kgx[key] = cached
        return cached

    def responses(self, eph: Ephemeral, password: str, params: dict[str, str]) -> dict[str, str]:
        """ChallengeResponses for the PASSWORD_VERIFIER challenge ``params`` (spec §4.6–4.8)."""
        user_id = params["USER_ID_FOR_SRP"]
        b_pub = int(params["SRP_B"], 16)
        x, kgx = self._x_and_kgx(user_id, params["SALT"], password)
        u = srp.compute_u(eph.a_pub, b_pub)
        premaster = powmod((b_pub - kgx) % srp.N, eph.a + u * x, srp.N)
        key = srp.derive_key(u, premaster)
        timestamp = srp.format_timestamp(datetime.now(UTC))
        block = params["SECRET_BLOCK"]
        signature = srp.claim_signature(key, self.realm, user_id, _secret_block(block), timestamp)
        return {
            "USERNAME": params.get("USERNAME") or user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": block,
            "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(signature).decode(),
            "TIMESTAMP": timestamp,
        }
