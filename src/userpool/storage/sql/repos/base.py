"""What every repository mixin shares: the connection, the secret box, dialect-aware upserts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from userpool.model.ports import SecretBox

Params = Mapping[str, Any]


def dump_json(value: Any) -> str:
    """Canonical JSON text (sorted keys, compact) so both databases store identical strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def load_json(text: str) -> Any:
    return json.loads(text)


class TxBase:
    """State shared by the mixins: one open connection inside one transaction."""

    def __init__(self, conn: Connection, box: SecretBox) -> None:
        self._conn = conn
        self._box = box
        self._dialect = conn.dialect.name

    def _insert_ignore(self, table: Table, values: Params) -> bool:
        """``INSERT ... ON CONFLICT DO NOTHING``; True if the row was inserted.

        Unlike catching an IntegrityError, this leaves a PostgreSQL transaction usable.
        """
        return self._conn.execute(_insert_ignore(self._dialect, table), values).rowcount == 1

    def _upsert(self, table: Table, values: Params) -> None:
        """Inserts the row or overwrites every non-key column of the existing one."""
        self._conn.execute(_upsert(self._dialect, table), values)

    def _insert_many(self, table: Table, rows: Sequence[Params]) -> None:
        if rows:
            self._conn.execute(table.insert(), list(rows))


def _dialect_insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


@cache
def _insert_ignore(dialect: str, table: Table) -> Insert:
    # preserve_rowcount: SQLAlchemy fetches rowcount eagerly only for UPDATE/DELETE.
    return _dialect_insert(dialect, table).on_conflict_do_nothing().execution_options(preserve_rowcount=True)


@cache
def _upsert(dialect: str, table: Table) -> Insert:
    statement = _dialect_insert(dialect, table)
    keys = [column.name for column in table.primary_key.columns]
    updates = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=updates)
