"""``TxConnection``: one pooled database connection for the length of one store transaction.

The transaction is begun and ended on the driver connection itself: SQLite's ``BEGIN
IMMEDIATE`` (writes) or ``BEGIN`` (reads); on PostgreSQL psycopg's implicit ``BEGIN`` (writes),
while reads come from the read-only autocommit engine (``make_engine(read_only=True)``).
``Prepared`` statements run on its raw cursor. A SQLAlchemy ``Connection`` over the same driver
connection is made only when a repository runs an ordinary Core statement, and then commits
for it. A sign-in, which runs only prepared statements, thus costs a pool checkout, its
statements and a commit: about a third of the CPU of a SQLAlchemy ``Connection`` transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Dialect, Engine
from sqlalchemy.pool import PoolProxiedConnection

from userpool.storage.sql.writer_lock import WriterLock


class TxConnection:
    """The connection of one transaction; see the module docstring."""

    __slots__ = (
        "_cursor", "_driver", "_fairy", "_invalidated", "_sqlalchemy", "_writer", "dialect", "engine", "name",
    )

    def __init__(self, engine: Engine, *, write: bool, writer: WriterLock | None = None) -> None:
        self.engine = engine
        self.dialect: Dialect = engine.dialect
        self.name: str = engine.dialect.name
        self._cursor: Any = None
        self._sqlalchemy: Connection | None = None
        self._invalidated = False
        self._writer = writer if write else None
        if self._writer is not None:
            self._writer.acquire()
        try:
            self._fairy: PoolProxiedConnection = engine.raw_connection()
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
            else:
                self._fairy.close()
        finally:
            self._release_writer()

    def _release_writer(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
