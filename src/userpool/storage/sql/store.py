"""``SqlStore``: the ``Store`` port on SQLite or PostgreSQL, and ``open_store``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from userpool.model.ports import Metrics, NoMetrics, SecretBox, StoreHealth, Tx
from userpool.storage.sql.connection import ConnectionShelf, TxConnection
from userpool.storage.sql.engine import SQLITE_BUSY_TIMEOUT_SECONDS, make_engine
from userpool.storage.sql.migrations import LATEST_VERSION, migrate
from userpool.storage.sql.repos.tx import SqlTx
from userpool.storage.sql.writer_lock import WriterLock


class SqlStore:
    """Transactions over a pooled SQLAlchemy engine; safe to share between threads.

    ``transaction()`` is read-write: ``BEGIN IMMEDIATE`` on SQLite (writers queue on the
    ``WriterLock``, then on the database's write lock, across processes too), READ COMMITTED on
    PostgreSQL (row locks such as ``lock_lockout`` serialize what must be serial). ``read()``
    runs beside writers: a WAL snapshot on SQLite; on PostgreSQL read-only statements on the
    autocommit read engine, each seeing what was committed when it started (as in READ
    COMMITTED). Transactions commit on normal exit and roll back when the block raises.

    Every failure of the database itself (no connection, a statement or commit refused, the
    SQLite write lock not had in time) is counted in ``metrics.database_error`` where it passes
    out of a transaction; the domain's own exceptions raised inside the block are not.
    """

    def __init__(self, engine: Engine, box: SecretBox, read_engine: Engine | None = None,
                 metrics: Metrics | None = None) -> None:
        self._engine = engine
        self._read_engine = read_engine or engine
        self._box = box
        self._metrics: Metrics = metrics or NoMetrics()
        self._driver_error: type[BaseException] = engine.dialect.loaded_dbapi.Error
        self._writer: WriterLock | None = None
        self._shelf: ConnectionShelf | None = None
        if engine.dialect.name == "sqlite" and engine.url.database:
            self._writer = WriterLock(engine.url.database + "-writer.lock", SQLITE_BUSY_TIMEOUT_SECONDS)
            self._shelf = ConnectionShelf(_pool_size(engine))

    @property
    def engine(self) -> Engine:
        """The underlying engine (for tests, tooling and the CLI)."""
        return self._engine

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def transaction(self) -> AbstractContextManager[Tx]:
        return self._transaction(write=True)

    def read(self) -> AbstractContextManager[Tx]:
        return self._transaction(write=False)

    def health(self) -> StoreHealth:
        """The schema version, read in a read transaction of its own (``GET /health``)."""
        with self._transaction(write=False) as tx:
            found = tx.schema_version()
        return StoreHealth(self.dialect, found, LATEST_VERSION)

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[SqlTx]:
        try:
            conn = TxConnection(
                self._engine if write else self._read_engine, write=write, writer=self._writer, shelf=self._shelf
            )
        except Exception:  # no connection, no BEGIN, or the write lock not had in time
            self._metrics.database_error()
            raise
        try:
            try:
                yield SqlTx(conn, self._box)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        except (SQLAlchemyError, self._driver_error):
            self._metrics.database_error()
            raise
        finally:
            conn.close()

    def close(self) -> None:
        if self._shelf is not None:
            self._shelf.close()
        self._engine.dispose()
        if self._read_engine is not self._engine:
            self._read_engine.dispose()
        if self._writer is not None:
            self._writer.close()


def _pool_size(engine: Engine) -> int:
    size = getattr(engine.pool, "size", None)
    return int(size()) if callable(size) else 1


def open_store(url: str, box: SecretBox, *, pool_size: int = 10, max_overflow: int = 20,
               metrics: Metrics | None = None) -> SqlStore:
    """Opens (and migrates) the store at ``url``.

    ``url`` is ``sqlite:////abs/path/userpool.db`` or ``postgresql://user@host:5432/dbname``
    (``postgresql://`` uses the psycopg 3 driver). Secrets at rest are sealed with ``box``;
    database failures are counted in ``metrics``.
    """
    engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow)
    try:
        migrate(engine, box)
    except BaseException:
        engine.dispose()
        raise
    read_engine = None
    if engine.dialect.name == "postgresql":
        read_engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow, read_only=True)
    return SqlStore(engine, box, read_engine, metrics)
