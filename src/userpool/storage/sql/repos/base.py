"""What every repository mixin shares: the connection, the secret box, dialect-aware upserts."""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Dialect, Table, bindparam
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement

from userpool.model.ports import SecretBox
from userpool.storage.sql.connection import TxConnection

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

Params = Mapping[str, Any]


def dump_json(value: Any) -> str:
    """Canonical JSON text (sorted keys, compact) so both databases store identical strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def load_json(text: str) -> Any:
    return json.loads(text)


class Prepared:
    """A constant Core statement, compiled once per dialect and run on the DBAPI cursor.

    The sign-in hot path runs a handful of fixed statements per login; executing them through
    SQLAlchemy's ``Connection.execute`` costs more CPU than SQLite takes to run them (cache-key
    generation, execution context, result processing). These statements only use types both
    drivers return as the mappers expect (str, float, int, bytes, bool or 0/1), so the raw
    cursor's rows are used as they come, wrapped in a named tuple for ``row.column`` access.
    Every parameter must be a named ``bindparam`` (literal values such as ``limit(1)`` become
    defaults); PostgreSQL's driver prepares the statement server-side after a few executions.
    """

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled: Any = self.statement.compile(dialect=dialect)
            names = tuple(compiled.positiontup or ()) if dialect.positional else None
            found = _Compiled(compiled.string, names, dict(compiled.params))
            self._compiled[dialect.name] = found
        return found


class _Compiled:
    __slots__ = ("defaults", "positional", "row_type", "sql")

    def __init__(self, sql: str, positional: tuple[str, ...] | None, defaults: dict[str, Any]) -> None:
        self.sql = sql
        self.positional = positional
        self.defaults = {name: value for name, value in defaults.items() if value is not None}
        self.row_type: Any = None

    def arguments(self, params: Params) -> Any:
        merged = {**self.defaults, **params} if self.defaults else params
        if self.positional is None:
            return merged
        return tuple(merged[name] for name in self.positional)


class TxBase:
    """State shared by the mixins: one open connection inside one transaction."""

    def __init__(self, conn: TxConnection, box: SecretBox) -> None:
        self._tx_conn = conn
        self._box = box
        self._dialect = conn.name

    @property
    def _conn(self) -> Connection:
        """A SQLAlchemy connection in this transaction, for ordinary Core statements."""
        return self._tx_conn.sqlalchemy()

    def _execute(self, prepared: Prepared, params: Params) -> tuple[_Compiled, Any]:
        """Runs a ``Prepared`` statement; driver errors surface as SQLAlchemy's ``DBAPIError``
        subclasses, as they do from ``Connection.execute``."""
        dialect = self._tx_conn.dialect
        compiled = prepared.compiled(dialect)
        cursor = self._tx_conn.cursor()
        arguments = compiled.arguments(params)
        try:
            cursor.execute(compiled.sql, arguments)
        except dialect.loaded_dbapi.Error as error:
            self._tx_conn.failed(error, cursor)
            raise DBAPIError.instance(compiled.sql, arguments, error, dialect.loaded_dbapi.Error,
                                      hide_parameters=True, dialect=dialect) from error
        return compiled, cursor

    def _rows(self, prepared: Prepared, params: Params) -> list[Any]:
        """Every row of a ``Prepared`` query, as named tuples."""
        compiled, cursor = self._execute(prepared, params)
        rows = cursor.fetchall()
        if compiled.row_type is None:
            compiled.row_type = namedtuple("Row", [column[0] for column in cursor.description])  # type: ignore[misc]
        make = compiled.row_type._make
        return [make(row) for row in rows]

    def _first(self, prepared: Prepared, params: Params) -> Any:
        rows = self._rows(prepared, params)
        return rows[0] if rows else None

    def _write(self, prepared: Prepared, params: Params) -> int:
        """Runs a ``Prepared`` INSERT / UPDATE / DELETE; returns the row count."""
        return int(self._execute(prepared, params)[1].rowcount)

    def _insert_ignore(self, table: Table, values: Params) -> bool:
        """``INSERT ... ON CONFLICT DO NOTHING``; True if the row was inserted.

        Unlike catching an IntegrityError, this leaves a PostgreSQL transaction usable.
        """
        return self._write(_insert_ignore(self._dialect, table, tuple(values)), values) == 1

    def _upsert(self, table: Table, values: Params) -> None:
        """Inserts the row or overwrites every non-key column of the existing one."""
        self._write(_upsert(self._dialect, table, tuple(values)), values)

    def _insert_many(self, table: Table, rows: Sequence[Params]) -> None:
        if rows:
            self._conn.execute(table.insert(), list(rows))


def _dialect_insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    # Imported here: a server on SQLite never loads the PostgreSQL dialect (tens of ms at start).
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def _bound(dialect: str, table: Table, names: tuple[str, ...]) -> postgresql.Insert | sqlite.Insert:
    return _dialect_insert(dialect, table).values({name: bindparam(name) for name in names})


@cache
def _insert_ignore(dialect: str, table: Table, names: tuple[str, ...]) -> Prepared:
    return Prepared(_bound(dialect, table, names).on_conflict_do_nothing())


@cache
def _upsert(dialect: str, table: Table, names: tuple[str, ...]) -> Prepared:
    statement = _bound(dialect, table, names)
    keys = [column.name for column in table.primary_key.columns]
    updates = {name: statement.excluded[name] for name in names if name not in keys}
    return Prepared(statement.on_conflict_do_update(index_elements=keys, set_=updates))
