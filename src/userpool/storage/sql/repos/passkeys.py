"""PasskeyRepo: users' WebAuthn credentials (spec §5.15)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select, update

from userpool.model.entities import WebAuthnCredential
from userpool.model.errors import StoreConflict
from userpool.storage.sql.repos.base import TxBase
from userpool.storage.sql.schema import passkeys

_p = passkeys


class PasskeyRepoMixin(TxBase):
    """Passkeys of a pool's users, one row per credential ID."""

    def insert_passkey(self, credential: WebAuthnCredential) -> None:
        row = {
            "pool_id": credential.pool_id, "credential_id": credential.credential_id,
            "username": credential.username, "public_key": credential.public_key,
            "sign_count": credential.sign_count, "relying_party_id": credential.relying_party_id,
            "created": credential.created, "friendly_name": credential.friendly_name,
            "attachment": credential.attachment, "transports": json.dumps(list(credential.transports)),
        }
        if not self._insert_ignore(_p, row):
            raise StoreConflict("passkey")

    def get_passkey(self, pool_id: str, credential_id: str) -> WebAuthnCredential | None:
        query = select(_p).where(_p.c.pool_id == pool_id, _p.c.credential_id == credential_id)
        row = self._conn.execute(query).first()
        return None if row is None else _passkey_from(row)

    def list_passkeys(self, pool_id: str, username: str, limit: int,
                      after: str | None = None) -> list[WebAuthnCredential]:
        query = select(_p).where(_p.c.pool_id == pool_id, _p.c.username == username)
        if after is not None:
            query = query.where(_p.c.credential_id > after)
        rows = self._conn.execute(query.order_by(_p.c.credential_id).limit(limit)).all()
        return [_passkey_from(row) for row in rows]

    def set_passkey_sign_count(self, pool_id: str, credential_id: str, sign_count: int) -> None:
        self._conn.execute(update(_p).where(_p.c.pool_id == pool_id, _p.c.credential_id == credential_id)
                           .values(sign_count=sign_count))

    def delete_passkey(self, pool_id: str, credential_id: str) -> bool:
        result = self._conn.execute(delete(_p).where(_p.c.pool_id == pool_id, _p.c.credential_id == credential_id))
        return bool(result.rowcount)


def _passkey_from(row: Any) -> WebAuthnCredential:
    return WebAuthnCredential(
        pool_id=row.pool_id, username=row.username, credential_id=row.credential_id,
        public_key=bytes(row.public_key), sign_count=int(row.sign_count), relying_party_id=row.relying_party_id,
        created=row.created, friendly_name=row.friendly_name, attachment=row.attachment,
        transports=tuple(json.loads(row.transports)),
    )
