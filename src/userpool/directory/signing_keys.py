"""Per-pool RSA signing keys, made when the pool is created (spec §6.1: the ID token and
the access token are signed with different keys)."""

from __future__ import annotations

from userpool.crypto import keys
from userpool.model.entities import SigningKey
from userpool.model.ports import Tx

USES = ("id", "access")


def create_pool_keys(tx: Tx, pool_id: str, now: float) -> None:
    for use in USES:
        pem = keys.generate_private_pem()
        tx.insert_signing_key(SigningKey(pool_id, keys.kid_for(pem), use, pem, now))
