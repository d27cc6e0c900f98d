"""``TxConnection``: one pooled database connection for the length of one store transaction.

The transaction is begun and ended on the driver connection itself: SQLite's ``BEGIN
IMMEDIATE`` (writes) or ``BEGIN`` (reads), PostgreSQL's implicit ``BEGIN`` (``BEGIN READ ONLY``
for reads, through psycopg's ``read_only``). ``Prepared`` statements run on its raw cursor. A
SQLAlchemy ``Connection`` over the same driver connection is made only when a repository runs
an ordinary Core statement, and then commits for it. A sign-in, which runs only prepared
statements, thus costs a pool checkout, its statements and a commit — about a tenth of the CPU
of a SQLAlchemy ``Connection`` transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Dialect, Engine
from sqlalchemy.pool import PoolProxiedConnection


class TxConnection:
    """The connection of one transaction; see the module docstring."""

    __slots__ = ("_cursor", "_driver", "_fairy", "_invalidated", "_sqlalchemy", "dialect", "engine", "name")

    def __init__(self, engine: Engine, *, write: bool) -> None:
        self.engine = engine
        self.dialect: Dialect = engine.dialect
        self.name: str = engine.dialect.name
        self._fairy: PoolProxiedConnection = engine.raw_connection()
        self._driver: Any = self._fairy.driver_connection
        assert self._driver is not None
        self._cursor: Any = None
        self._sqlalchemy: Connection | None = None
        self._invalidated = False
        try:
            if self.name == "sqlite":
                self._driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            elif self._driver.read_only is not (not write):
                self._driver.read_only = not write  # psycopg then begins with BEGIN READ ONLY
        except BaseException:
            self._fairy.close()
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
        """Returns the connection to the pool."""
        if self._cursor is not None and not self._invalidated:
            self._cursor.close()
        if self._sqlalchemy is not None:
            self._sqlalchemy.close()
        else:
            self._fairy.close()
