"""``TxConnection``: one pooled database connection for the length of one store transaction.

The transaction is begun and ended on the driver connection itself: SQLite's ``BEGIN
IMMEDIATE`` (writes) or ``BEGIN`` (reads); on PostgreSQL psycopg's implicit ``BEGIN`` (writes),
while reads come from the read-only autocommit engine (``make_engine(read_only=True)``).
``Prepared`` statements run on its raw cursor. A SQLAlchemy ``Connection`` over the same driver
connection is made only when a repository runs an ordinary Core statement, and then commits
for it. A sign-in, which runs only prepared statements, thus costs a pool checkout, its
statements and a commit: about a third of the CPU of a SQLAlchemy ``Connection`` transaction.

On SQLite a ``ConnectionShelf`` keeps connections checked out of SQLAlchemy's pool between
transactions, so a transaction does not pay the pool's checkout and check-in (queue, events,
reset; about 20 µs each way). PostgreSQL connections go back to the pool every time: its
checkout is where an idle connection is pinged.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Connection, Dialect, Engine
from sqlalchemy.pool import PoolProxiedConnection

from userpool.storage.sql.writer_lock import WriterLock


class ConnectionShelf:
    """Up to ``size`` idle SQLite connections kept out of SQLAlchemy's pool between transactions.

    Only a connection with no transaction open, that no SQLAlchemy ``Connection`` has wrapped
    (closing one checks it in), and that no error has invalidated is shelved; anything else
    goes back to the pool as usual. ``close`` returns every shelved connection to the pool, so
    that ``Engine.dispose`` closes it.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._idle: list[PoolProxiedConnection] = []
        self._lock = threading.Lock()
        self._closed = False

    def take(self, engine: Engine) -> PoolProxiedConnection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return engine.raw_connection()

    def give_back(self, fairy: PoolProxiedConnection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self._size:
                self._idle.append(fairy)
                return
        fairy.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for fairy in idle:
            fairy.close()


class TxConnection:
    """The connection of one transaction; see the module docstring."""

    __slots__ = (
        "_cursor", "_driver", "_fairy", "_invalidated", "_shelf", "_sqlalchemy", "_writer", "dialect", "engine",
        "name",
    )

    def __init__(
        self, engine: Engine, *, write: bool, writer: WriterLock | None = None, shelf: ConnectionShelf | None = None
    ) -> None:
        self.engine = engine
        self._shelf = shelf
        self.dialect: Dialect = engine.dialect
        self.name: str = engine.dialect.name
        self._cursor: Any = None
        self._sqlalchemy: Connection | None = None
        self._invalidated = False
        self._writer = writer if write else None
        if self._writer is not None:
            self._writer.acquire()
        try:
            self._fairy: PoolProxiedConnection = shelf.take(engine) if shelf is not None else engine.raw_connection()
        except BaseException:
            self._release_writer()
            raise
        self._driver: Any = self._fairy.driver_connection
        assert self._driver is not None
        try:
            if self.name == "sqlite":
                self._driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            # PostgreSQL: psycopg begins a transaction at the first statement (write engine), or
            # runs each statement as its own read-only transaction (read engine, autocommit).
        except BaseException:
            self._fairy.close()
            self._release_writer()
            raise

    def cursor(self) -> Any:
        """The driver cursor that ``Prepared`` statements run on."""
        if self._cursor is None:
            self._cursor = self._driver.cursor()
        return self._cursor

    def sqlalchemy(self) -> Connection:
        """A SQLAlchemy ``Connection`` inside this transaction (made on first use)."""
        if self._sqlalchemy is None:
            self._sqlalchemy = Connection(self.engine, connection=self._fairy)
        return self._sqlalchemy

    def failed(self, error: BaseException, cursor: Any) -> None:
        """After a driver error on the raw cursor: a connection the server dropped is discarded
        (the pool will not hand it out again)."""
        if self.dialect.is_disconnect(error, self._driver, cursor):  # type: ignore[arg-type]
            self._fairy.invalidate(error if isinstance(error, Exception) else None)
            self._invalidated = True

    def commit(self) -> None:
        if self._sqlalchemy is not None:
            self._sqlalchemy.commit()
        else:
            self._driver.commit()

    def rollback(self) -> None:
        if self._invalidated:
            return
        if self._sqlalchemy is not None:
            self._sqlalchemy.rollback()
        else:
            self._driver.rollback()

    def close(self) -> None:
        """Returns the connection to the pool (and lets the next writer in)."""
        try:
            if self._cursor is not None and not self._invalidated:
                self._cursor.close()
            if self._sqlalchemy is not None:
                self._sqlalchemy.close()
            elif self._shelf is not None and not self._invalidated and not self._driver.in_transaction:
                self._shelf.give_back(self._fairy)
            else:
                self._fairy.close()
        finally:
            self._release_writer()

    def _release_writer(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
