"""PostgreSQL connections the server dropped (a restart, an idle timeout) are replaced, not
handed out again: an idle one is pinged at checkout, one that fails in use is discarded."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tests.conftest import postgres_admin_url
from tests.storage.helpers import POOL_ID, XorBox, make_pool
from userpool.storage import open_store
from userpool.storage.sql import engine as engine_module

pytestmark = pytest.mark.postgres


def _terminate_backends(database: str) -> int:
    with psycopg.connect(postgres_admin_url(), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return len(rows)


def test_idle_connection_dropped_by_the_server_is_replaced(
    postgres_database: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_database()
    store = open_store(url, XorBox())
    try:
        with store.transaction() as tx:
            tx.insert_pool(make_pool())
        with store.read() as tx:
            tx.get_pool(POOL_ID)
        assert _terminate_backends(str(make_url(url).database)) >= 2
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)
        with store.read() as tx:  # the pooled connections are dead: pinged, replaced, no error
            assert tx.get_pool(POOL_ID) == make_pool()
        with store.transaction() as tx:
            assert tx.get_pool(POOL_ID) == make_pool()
    finally:
        store.close()


def test_connection_dropped_in_steady_use_fails_once_then_is_replaced(
    postgres_database: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_database()
    store = open_store(url, XorBox())
    try:
        with store.transaction() as tx:
            tx.insert_pool(make_pool())
        with store.read() as tx:  # reads have their own (read-only) connections
            tx.get_pool(POOL_ID)
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 3600.0)
        assert _terminate_backends(str(make_url(url).database)) >= 2
        with pytest.raises(DBAPIError), store.read() as tx:
            tx.get_pool(POOL_ID)
        with pytest.raises(DBAPIError), store.transaction() as tx:
            tx.get_pool(POOL_ID)
        with store.transaction() as tx:
            assert tx.get_pool(POOL_ID) == make_pool()
        with store.read() as tx:
            assert tx.get_pool(POOL_ID) == make_pool()
    finally:
        store.close()
