"""Schema migrations, applied when a store opens; safe when several processes open at once.

A fresh database gets the current schema (``schema.metadata``) in one step and is stamped
``LATEST_VERSION``. An existing database runs the ordered ``STEPS`` above its recorded version.
Whoever changes ``schema.py`` adds the step that brings an older database to the same shape and
bumps ``LATEST_VERSION``; every step runs in the one migration transaction.

Concurrent starts serialize on a lock held for that transaction: ``pg_advisory_xact_lock`` on
PostgreSQL, the write lock of ``BEGIN IMMEDIATE`` on SQLite. DDL is transactional on both, so a
failed migration leaves the database as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, func, insert, inspect, or_, select, text, update

from userpool.storage.sql.engine import MODE_OPTION
from userpool.storage.sql.schema import (
    INDEXED_VALUE_CHARS,
    metadata,
    schema_version,
    user_attribute_index,
    user_limits,
)

Step = Callable[[Connection], None]

LATEST_VERSION = 3


def _cut_indexed_values(conn: Connection) -> None:
    """2: attribute values in ``user_attribute_index`` are kept to ``INDEXED_VALUE_CHARS``
    (PostgreSQL refused longer multibyte values; SQLite may hold some from version 1)."""
    idx, cut = user_attribute_index, INDEXED_VALUE_CHARS
    conn.execute(
        update(idx)
        .where(or_(func.length(idx.c.value) > cut, func.length(idx.c.value_fold) > cut))
        .values(value=func.substr(idx.c.value, 1, cut), value_fold=func.substr(idx.c.value_fold, 1, cut))
    )


def _add_user_limits(conn: Connection) -> None:
    """3: the ``user_limits`` table of per-user hourly limits (spec §2.6)."""
    user_limits.create(conn, checkfirst=True)


#: ``STEPS[n]`` brings a database at version ``n - 1`` to version ``n`` (n >= 2).
STEPS: dict[int, Step] = {2: _cut_indexed_values}
STEPS[3] = _add_user_limits

#: Arbitrary constant naming the migration lock ("userpool" in ASCII).
_PG_LOCK_KEY = int.from_bytes(b"userpool", "big")


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer version of the server."""


def migrate(engine: Engine) -> int:
    """Brings the database to ``LATEST_VERSION`` and returns it. Idempotent."""
    with engine.connect() as conn:
        conn.execution_options(**{MODE_OPTION: "write"})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            current = _current_version(conn)
            if current is None:
                metadata.create_all(conn)
                _stamp(conn, LATEST_VERSION)
                return LATEST_VERSION
            if current > LATEST_VERSION:
                raise SchemaTooNew(f"database schema version {current} is newer than this server ({LATEST_VERSION})")
            for version in range(current + 1, LATEST_VERSION + 1):
                STEPS[version](conn)
                _stamp(conn, version)
    return LATEST_VERSION


def _current_version(conn: Connection) -> int | None:
    if not inspect(conn).has_table(schema_version.name):
        return None
    version = conn.execute(select(func.max(schema_version.c.version))).scalar()
    return None if version is None else int(version)


def _stamp(conn: Connection, version: int) -> None:
    conn.execute(insert(schema_version).values(version=version, applied_at=time.time()))
