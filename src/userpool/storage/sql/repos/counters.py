"""LockoutRepo and CodeRepo: per-user counters that concurrent requests must update atomically
(LimitRepo is in ``limits.py``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, select, tuple_

from userpool.model.entities import CodePurpose, LockoutState, VerificationCode
from userpool.storage.sql.repos.base import Prepared, TxBase
from userpool.storage.sql.schema import codes, lockout

# The counter, read under the row lock on PostgreSQL. SQLAlchemy's SQLite compiler drops FOR
# UPDATE: there every write transaction already holds the database's write lock.
_LOCK_LOCKOUT = Prepared(
    select(lockout.c.failures, lockout.c.locked_until, lockout.c.last_attempt)
    .where(lockout.c.pool_id == bindparam("pool_id"), lockout.c.key == bindparam("key"))
    .with_for_update()
)
_GET_LOCKOUT = Prepared(
    select(lockout.c.failures, lockout.c.locked_until, lockout.c.last_attempt)
    .where(lockout.c.pool_id == bindparam("pool_id"), lockout.c.key == bindparam("key"))
)
# Stale counters. On PostgreSQL they are claimed without waiting (FOR UPDATE SKIP LOCKED): a row
# another transaction holds (a sign-in under way) is skipped, so a purge neither blocks behind
# sign-ins nor deadlocks with another purge. SQLite drops FOR UPDATE: there the write transaction
# already excludes every other writer.
_STALE = and_(lockout.c.last_attempt < bindparam("before"), lockout.c.locked_until < bindparam("before"))
_PURGE_LOCKOUTS = Prepared(
    delete(lockout).where(
        tuple_(lockout.c.pool_id, lockout.c.key).in_(
            select(lockout.c.pool_id, lockout.c.key).where(_STALE).with_for_update(skip_locked=True)
        )
    )
)
_GET_CODE = select(codes).where(
    codes.c.pool_id == bindparam("pool_id"),
    codes.c.username == bindparam("username"),
    codes.c.purpose == bindparam("purpose"),
)


class LockoutRepoMixin(TxBase):
    """Failed sign-in counters, one row per (pool, key); the key is the username."""

    def lock_lockout(self, pool_id: str, key: str) -> LockoutState:
        """The counter (zero if the user has none), locked until the transaction ends.

        A user's first sign-in on PostgreSQL creates the zero row so there is a row to lock:
        concurrent sign-ins of one user then queue on it. Later ones only lock it (no new row
        version), and a SQLite transaction needs no row lock at all, so a sign-in that neither
        fails nor follows failures writes nothing here.
        """
        ids = {"pool_id": pool_id, "key": key}
        row = self._first(_LOCK_LOCKOUT, ids)
        if row is None and self._dialect == "postgresql":
            self._insert_ignore(lockout, {**ids, "failures": 0, "locked_until": 0.0, "last_attempt": 0.0})
            row = self._first(_LOCK_LOCKOUT, ids)
        if row is None:
            return LockoutState()
        return LockoutState(failures=int(row.failures), locked_until=row.locked_until, last_attempt=row.last_attempt)

    def get_lockout(self, pool_id: str, key: str) -> LockoutState:
        row = self._first(_GET_LOCKOUT, {"pool_id": pool_id, "key": key})
        if row is None:
            return LockoutState()
        return LockoutState(failures=int(row.failures), locked_until=row.locked_until, last_attempt=row.last_attempt)

    def save_lockout(self, pool_id: str, key: str, state: LockoutState) -> None:
        self._upsert(
            lockout,
            {
                "pool_id": pool_id,
                "key": key,
                "failures": state.failures,
                "locked_until": state.locked_until,
                "last_attempt": state.last_attempt,
            },
        )


    def purge_stale_lockouts(self, before: float) -> int:
        """Deletes counters whose last attempt and lockout ended before ``before``.

        Called with ``before = now - lockout.IDLE_RESET_SECONDS``: such a counter restarts from
        zero at its next failure anyway (the idle reset) and locks nobody, so deleting it changes
        no verdict. Mostly these are the counters of typed names that are not users.
        """
        return self._write(_PURGE_LOCKOUTS, {"before": before})


class CodeRepoMixin(TxBase):
    """One-time verification codes, one per (user, purpose), kept as hashes."""

    def put_code(self, code: VerificationCode) -> None:
        self._upsert(
            codes,
            {
                "pool_id": code.pool_id,
                "username": code.username,
                "purpose": str(code.purpose),
                "code_hash": code.code_hash,
                "created": code.created,
                "expires_at": code.expires_at,
                "attempts": code.attempts,
                "value": code.value,
            },
        )

    def get_code(self, pool_id: str, username: str, purpose: CodePurpose) -> VerificationCode | None:
        params = {"pool_id": pool_id, "username": username, "purpose": str(purpose)}
        row = self._conn.execute(_GET_CODE, params).first()
        return None if row is None else _code_from(row)

    def delete_code(self, pool_id: str, username: str, purpose: CodePurpose) -> None:
        self._conn.execute(
            delete(codes).where(
                codes.c.pool_id == pool_id, codes.c.username == username, codes.c.purpose == str(purpose)
            )
        )


def _code_from(row: Row[Any]) -> VerificationCode:
    return VerificationCode(
        pool_id=row.pool_id,
        username=row.username,
        purpose=CodePurpose(row.purpose),
        code_hash=bytes(row.code_hash),
        created=row.created,
        expires_at=row.expires_at,
        attempts=int(row.attempts),
        value=row.value,
    )
