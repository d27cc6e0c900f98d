"""Signing keys of each pool, loaded once per process: the newest key of each use signs,
every key verifies by ``kid`` (spec §6.1, §6.9)."""

from __future__ import annotations

import threading
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from userpool.crypto import keys
from userpool.model.ports import Store


class PoolKeys:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._ring = keys.KeyRing()
        self._signing: dict[str, dict[str, str]] = {}  # pool -> use -> kid
        self._jwks: dict[str, list[dict[str, str]]] = {}
        self._owner: dict[str, str] = {}  # kid -> pool
        self._lock = threading.Lock()

    def _load(self, pool_id: str) -> bool:
        if pool_id in self._signing:
            return True
        with self._store.read() as tx:
            stored = tx.signing_keys(pool_id)
        if not stored:
            return False
        uses: dict[str, str] = {}
        jwks: list[dict[str, str]] = []
        for key in stored:
            self._ring.add(key.kid, key.private_pem)
            uses[key.use] = key.kid  # oldest first: the newest of each use wins
            jwks.append(keys.public_jwk(key.private_pem, key.kid))
        with self._lock:
            for key in stored:
                self._owner[key.kid] = pool_id
            self._jwks[pool_id] = jwks
            self._signing[pool_id] = uses
        return True

    def signer(self, pool_id: str, use: str) -> tuple[str, rsa.RSAPrivateKey]:
        if not self._load(pool_id):
            raise LookupError(pool_id)
        kid = self._signing[pool_id][use]
        return kid, self._ring.signer(kid)

    def verifier(self, pool_id: str, kid: str) -> rsa.RSAPublicKey | None:
        """The public key of ``kid`` if it belongs to ``pool_id`` (a foreign pool's key is refused)."""
        if not self._load(pool_id) or self._owner.get(kid) != pool_id:
            return None
        return self._ring.verifier(kid)

    def jwks(self, pool_id: str) -> dict[str, Any] | None:
        if not self._load(pool_id):
            return None
        return {"keys": list(self._jwks[pool_id])}
