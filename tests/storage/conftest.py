"""Backends for the contract suite: every test runs on SQLite and on PostgreSQL.

``store`` is a migrated store emptied before each test (one database per module and backend, so
PostgreSQL's slow CREATE DATABASE runs rarely); ``store_url`` is a fresh, never migrated
database for the tests about migrating and opening.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.storage.helpers import POOL_ID, XorBox, make_pool, make_user
from userpool.storage import SqlStore, open_store
from userpool.storage.sql.engine import MODE_OPTION
from userpool.storage.sql.schema import metadata, schema_version

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_database: Callable[[], str]) -> str:
    """URL of a fresh, not yet migrated database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'userpool.db'}"
    return postgres_database()


@pytest.fixture(scope="module", params=BACKENDS)
def module_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    module_postgres_database: Callable[[], str],
) -> str:
    """URL of a database shared by the tests of one module (see ``store``)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('store') / 'userpool.db'}"
    return module_postgres_database()


@pytest.fixture
def box() -> XorBox:
    return XorBox()


@pytest.fixture
def store(module_url: str, box: XorBox) -> Iterator[SqlStore]:
    """A migrated, empty store."""
    opened = open_store(module_url, box)
    with opened.engine.connect() as conn:
        conn.execution_options(**{MODE_OPTION: "write"})
        with conn.begin():
            for table in reversed(metadata.sorted_tables):
                if table is not schema_version:
                    conn.execute(table.delete())
    yield opened
    opened.close()


@pytest.fixture
def pool_store(store: SqlStore) -> SqlStore:
    """A store holding one pool, ``POOL_ID``."""
    with store.transaction() as tx:
        tx.insert_pool(make_pool(POOL_ID))
    return store


@pytest.fixture
def user_store(pool_store: SqlStore) -> SqlStore:
    """``pool_store`` with two users, alice and bob."""
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("alice"))
        tx.insert_user(make_user("bob"))
    return pool_store
