"""``SqlStore``: the ``Store`` port on SQLite or PostgreSQL, and ``open_store``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from userpool.model.ports import SecretBox, Tx
from userpool.storage.sql.engine import MODE_OPTION, make_engine
from userpool.storage.sql.migrations import migrate
from userpool.storage.sql.repos.tx import SqlTx


class SqlStore:
    """Transactions over a pooled SQLAlchemy engine; safe to share between threads.

    ``transaction()`` is read-write: ``BEGIN IMMEDIATE`` on SQLite (writers serialize on the
    database's write lock, across processes too), READ COMMITTED on PostgreSQL (row locks such
    as ``lock_lockout`` serialize what must be serial). ``read()`` is a read-only transaction
    that runs beside writers (a WAL snapshot on SQLite, ``READ ONLY`` on PostgreSQL). Both
    commit on normal exit and roll back when the block raises.
    """

    def __init__(self, engine: Engine, box: SecretBox) -> None:
        self._engine = engine
        self._box = box

    @property
    def engine(self) -> Engine:
        """The underlying engine (for tests, tooling and the CLI)."""
        return self._engine

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._engine.connect() as conn:
            conn.execution_options(**{MODE_OPTION: "write"})
            with conn.begin():
                yield SqlTx(conn, self._box)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self._engine.connect() as conn:
            if self._engine.dialect.name == "postgresql":
                conn.execution_options(postgresql_readonly=True)
            with conn.begin():
                yield SqlTx(conn, self._box)

    def close(self) -> None:
        self._engine.dispose()


def open_store(url: str, box: SecretBox, *, pool_size: int = 10, max_overflow: int = 20) -> SqlStore:
    """Opens (and migrates) the store at ``url``.

    ``url`` is ``sqlite:////abs/path/userpool.db`` or ``postgresql://user@host:5432/dbname``
    (``postgresql://`` uses the psycopg 3 driver). Secrets at rest are sealed with ``box``.
    """
    engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow)
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return SqlStore(engine, box)
