"""``SqlTx``: every repository mixin over one connection, i.e. the ``Tx`` port."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select, text

from userpool.storage.sql.repos.base import Prepared
from userpool.storage.sql.repos.counters import CodeRepoMixin, LockoutRepoMixin
from userpool.storage.sql.repos.devices import DeviceRepoMixin
from userpool.storage.sql.repos.groups import GroupRepoMixin
from userpool.storage.sql.repos.keys import KeyRepoMixin
from userpool.storage.sql.repos.limits import LimitRepoMixin
from userpool.storage.sql.repos.passkeys import PasskeyRepoMixin
from userpool.storage.sql.repos.pools import ClientRepoMixin, PoolRepoMixin
from userpool.storage.sql.repos.tokens import SessionRepoMixin, TokenRepoMixin
from userpool.storage.sql.repos.users import UserRepoMixin
from userpool.storage.sql.schema import schema_version

_SCHEMA_VERSION = Prepared(select(func.max(schema_version.c.version).label("version")))


class SqlTx(
    PoolRepoMixin,
    ClientRepoMixin,
    UserRepoMixin,
    GroupRepoMixin,
    TokenRepoMixin,
    SessionRepoMixin,
    LockoutRepoMixin,
    LimitRepoMixin,
    CodeRepoMixin,
    KeyRepoMixin,
    DeviceRepoMixin,
    PasskeyRepoMixin,
):
    """All repositories of one transaction; valid only inside ``SqlStore.transaction``/``read``."""

    def hold_lock(self, name: str) -> None:
        """``pg_advisory_xact_lock`` on a key derived from ``name`` on PostgreSQL (later statements
        of this READ COMMITTED transaction see what the previous holder committed); nothing more on
        SQLite, whose write transactions (``BEGIN IMMEDIATE``) are serial already."""
        if self._dialect == "postgresql":
            key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
            self._conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def schema_version(self) -> int | None:
        """The database's schema version (``Store.health``); None when it was never stamped."""
        row = self._first(_SCHEMA_VERSION, {})
        return None if row is None or row.version is None else int(row.version)
