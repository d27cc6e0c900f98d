"""LimitRepo: per-user hourly limit counters (spec §2.6), locked like the lockout counter."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select

from userpool.model.entities import LimitWindow
from userpool.storage.sql.repos.base import Prepared, TxBase
from userpool.storage.sql.schema import user_limits

# Read under the row lock on PostgreSQL; SQLAlchemy's SQLite compiler drops FOR UPDATE, and
# there every write transaction already holds the database's write lock.
_LOCK_LIMIT = Prepared(
    select(user_limits.c.window_start, user_limits.c.count)
    .where(
        user_limits.c.pool_id == bindparam("pool_id"),
        user_limits.c.key == bindparam("key"),
        user_limits.c.action == bindparam("action"),
    )
    .with_for_update()
)


class LimitRepoMixin(TxBase):
    """One row per (pool, key, action): the window's start and the calls counted in it."""

    def lock_limit(self, pool_id: str, key: str, action: str) -> LimitWindow:
        """The counter (zero if none), locked until the transaction ends. On PostgreSQL a
        missing row is created first so concurrent callers queue on it (as ``lock_lockout``)."""
        ids = {"pool_id": pool_id, "key": key, "action": action}
        row = self._first(_LOCK_LIMIT, ids)
        if row is None and self._dialect == "postgresql":
            self._insert_ignore(user_limits, {**ids, "window_start": 0.0, "count": 0})
            row = self._first(_LOCK_LIMIT, ids)
        if row is None:
            return LimitWindow()
        return LimitWindow(started=float(row.window_start), count=int(row.count))

    def save_limit(self, pool_id: str, key: str, action: str, window: LimitWindow) -> None:
        self._upsert(user_limits, {"pool_id": pool_id, "key": key, "action": action,
                                   "window_start": window.started, "count": window.count})

    def purge_expired_limits(self, started_before: float) -> int:
        return int(self._conn.execute(delete(user_limits).where(user_limits.c.window_start < started_before)).rowcount)
