"""Engines for the two supported databases, configured for many threads and processes.

SQLite (the embedded default): WAL journal, ``synchronous=NORMAL``, a long busy timeout and
foreign keys on every pooled connection. The ``sqlite3`` driver's own transaction handling is
switched off (``isolation_level = None``) and SQLAlchemy's ``begin`` event emits ``BEGIN
IMMEDIATE`` for read-write transactions and a deferred ``BEGIN`` for reads (the recipe in
SQLAlchemy's SQLite dialect documentation). Writers therefore take SQLite's write lock up front
and serialize across threads *and* processes without upgrade deadlocks.

PostgreSQL: the psycopg 3 driver, READ COMMITTED. A pooled connection that has been idle for
``PING_AFTER_IDLE_SECONDS`` is pinged when checked out and replaced if the server has gone
(say, restarted); connections in steady use are not pinged, which would cost a round trip
per transaction. A connection that fails with a disconnect error mid-use is discarded.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

#: Execution option naming the kind of transaction a connection begins ("write" or "read").
MODE_OPTION = "userpool_mode"

SQLITE_BUSY_TIMEOUT_SECONDS = 30.0
PING_AFTER_IDLE_SECONDS = 1.0
_CHECKED_IN = "userpool_checked_in"


def normalise_url(url: str) -> URL:
    """Parses ``url``; ``postgresql://`` (and ``postgres://``) select the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")
    return parsed


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20, read_only: bool = False) -> Engine:
    """An engine for ``url`` with the settings described in the module docstring.

    ``read_only`` (PostgreSQL): the engine of read transactions. Its connections are in
    autocommit mode with ``default_transaction_read_only`` on, so each statement runs as its own
    read-only transaction: no BEGIN or COMMIT round trips, the same visibility as statements in
    a READ COMMITTED transaction (each sees the data committed when it starts), and the server
    still refuses any write.
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, pool_size=pool_size, max_overflow=max_overflow)
    engine = create_engine(
        parsed,
        isolation_level="AUTOCOMMIT" if read_only else "READ COMMITTED",
        connect_args={"options": "-c default_transaction_read_only=on"} if read_only else {},
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=3600,
        hide_parameters=True,  # an error's text reaches the log: never a parameter (a hash, a sealed secret)
    )
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


def _note_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_CHECKED_IN] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
    """SQLAlchemy's pessimistic disconnect handling, for idle connections only: raising
    ``DisconnectionError`` makes the pool discard this connection and check out another."""
    checked_in = record.info.get(_CHECKED_IN)
    if checked_in is None or time.monotonic() - checked_in < PING_AFTER_IDLE_SECONDS:
        return  # new, or in steady use
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as error:
        raise DisconnectionError(f"idle connection is gone: {error}") from error


def _sqlite_engine(url: URL, *, pool_size: int, max_overflow: int) -> Engine:
    if url.database in (None, "", ":memory:"):
        raise ValueError("SQLite needs a database file (sqlite:////absolute/path/userpool.db)")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=max_overflow,
        hide_parameters=True,
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    assert isinstance(dbapi_connection, sqlite3.Connection)
    # We emit BEGIN ourselves (see _sqlite_on_begin); the driver must not.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        _use_wal(cursor)
    finally:
        cursor.close()


def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Switch a (new) database file to WAL. The switch needs the file to itself and SQLite
    answers "database is locked" at once, without its busy handler, while another process —
    say a second worker migrating the same new file — holds a lock; so retry for a while."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_SECONDS
    delay = 0.005
    while True:
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()
            if mode and str(mode[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def _sqlite_on_begin(connection: Connection) -> None:
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    if driver.in_transaction:  # begun by the store's TxConnection, which this Connection joined
        return
    write = connection.get_execution_options().get(MODE_OPTION) == "write"
    driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")
