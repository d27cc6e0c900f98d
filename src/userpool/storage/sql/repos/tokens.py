"""TokenRepo and SessionRepo: refresh tokens (kept as hashes) and single-use sessions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, select, update

from userpool.model.entities import RefreshTokenRecord
from userpool.storage.sql.repos.base import Prepared, TxBase
from userpool.storage.sql.schema import refresh_tokens, used_sessions

_rt = refresh_tokens
_GET_TOKEN = Prepared(select(_rt).where(_rt.c.token_hash == bindparam("token_hash")))
# The family's most revoked token: revoked sorts after not revoked on both databases.
_FAMILY_REVOKED = Prepared(
    select(_rt.c.revoked)
    .where(_rt.c.pool_id == bindparam("pool_id"), _rt.c.origin_jti == bindparam("origin_jti"))
    .order_by(_rt.c.revoked.desc())
    .limit(1)
)
_SESSION_USED = Prepared(
    select(used_sessions.c.session_id).where(used_sessions.c.session_id == bindparam("session_id"))
)
_INSERT_TOKEN = Prepared(_rt.insert().values({column.name: bindparam(column.name) for column in _rt.columns}))


class TokenRepoMixin(TxBase):
    """Refresh tokens, grouped into families by the ``origin_jti`` of the first token."""

    def insert_refresh_token(self, record: RefreshTokenRecord) -> None:
        self._write(
            _INSERT_TOKEN,
            {
                "token_hash": record.token_hash,
                "pool_id": record.pool_id,
                "client_id": record.client_id,
                "username": record.username,
                "origin_jti": record.origin_jti,
                "auth_time": record.auth_time,
                "issued_at": record.issued_at,
                "expires_at": record.expires_at,
                "device_key": record.device_key,
                "revoked": record.revoked,
                "grace_until": record.grace_until,
            },
        )

    def get_refresh_token(self, token_hash: bytes) -> RefreshTokenRecord | None:
        row = self._first(_GET_TOKEN, {"token_hash": token_hash})
        return None if row is None else _token_from(row)

    def lock_refresh_token(self, token_hash: bytes) -> RefreshTokenRecord | None:
        query = select(_rt).where(_rt.c.token_hash == token_hash)
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return None if row is None else _token_from(row)

    def set_refresh_grace(self, token_hash: bytes, grace_until: float) -> None:
        self._conn.execute(update(_rt).where(_rt.c.token_hash == token_hash).values(grace_until=grace_until))

    def revoke_family(self, pool_id: str, origin_jti: str) -> None:
        self._conn.execute(
            update(_rt).where(_rt.c.pool_id == pool_id, _rt.c.origin_jti == origin_jti).values(revoked=True)
        )

    def revoke_user_tokens(self, pool_id: str, username: str) -> None:
        self._conn.execute(update(_rt).where(_rt.c.pool_id == pool_id, _rt.c.username == username).values(revoked=True))

    def is_family_revoked(self, pool_id: str, origin_jti: str) -> bool:
        """True if a token of the family is revoked, or no token of the family is left."""
        revoked = self._first(_FAMILY_REVOKED, {"pool_id": pool_id, "origin_jti": origin_jti})
        return True if revoked is None else bool(revoked[0])

    def purge_expired_tokens(self, now: float) -> int:
        """Deletes tokens with ``expires_at <= now``; returns how many."""
        return self._conn.execute(delete(_rt).where(_rt.c.expires_at <= now)).rowcount


class SessionRepoMixin(TxBase):
    """Single-use session IDs, remembered until they expire."""

    def consume_once(self, session_id: str, expires_at: float) -> bool:
        return self._insert_ignore(used_sessions, {"session_id": session_id, "expires_at": expires_at})

    def release(self, session_id: str) -> None:
        self._conn.execute(delete(used_sessions).where(used_sessions.c.session_id == session_id))

    def is_consumed(self, session_id: str) -> bool:
        return self._first(_SESSION_USED, {"session_id": session_id}) is not None

    def purge_expired_sessions(self, now: float) -> int:
        """Deletes sessions with ``expires_at <= now``; returns how many."""
        return self._conn.execute(delete(used_sessions).where(used_sessions.c.expires_at <= now)).rowcount


def _token_from(row: Any) -> RefreshTokenRecord:
    return RefreshTokenRecord(
        token_hash=bytes(row.token_hash),
        pool_id=row.pool_id,
        client_id=row.client_id,
        username=row.username,
        origin_jti=row.origin_jti,
        auth_time=int(row.auth_time),
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        device_key=row.device_key,
        revoked=bool(row.revoked),
        grace_until=row.grace_until,
    )
