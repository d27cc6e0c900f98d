"""KeyRepo: a pool's RSA signing keys, private PEM sealed at rest."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from userpool.model.entities import SigningKey
from userpool.model.errors import StoreConflict
from userpool.storage.sql.repos.base import TxBase
from userpool.storage.sql.schema import signing_keys

_KEYS = (
    select(signing_keys)
    .where(signing_keys.c.pool_id == bindparam("pool_id"))
    .order_by(signing_keys.c.created, signing_keys.c.kid)
)


class KeyRepoMixin(TxBase):
    """Signing keys; ``private_pem`` is sealed with the store's SecretBox."""

    def insert_signing_key(self, key: SigningKey) -> None:
        row = {
            "pool_id": key.pool_id,
            "kid": key.kid,
            "use": key.use,
            "private_pem": self._box.seal(key.private_pem),
            "created": key.created,
        }
        if not self._insert_ignore(signing_keys, row):
            raise StoreConflict("key")

    def signing_keys(self, pool_id: str) -> list[SigningKey]:
        return [
            SigningKey(
                pool_id=row.pool_id,
                kid=row.kid,
                use=row.use,
                private_pem=self._box.open(bytes(row.private_pem)),
                created=row.created,
            )
            for row in self._conn.execute(_KEYS, {"pool_id": pool_id})
        ]
