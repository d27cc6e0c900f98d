"""PostgreSQL connections the server dropped (a restart, an idle timeout) are replaced, not
handed out again: an idle one is pinged at checkout, one that fails in use is discarded."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tests.conftest import postgres_admin_url
from tests.storage.helpers import POOL_ID, XorBox, make_pool
from userpool.storage import SqlStore, open_store
from userpool.storage.sql import engine as engine_module

pytestmark = pytest.mark.postgres


@pytest.fixture
def dropped_store(postgres_database: Callable[[], str]) -> Iterator[SqlStore]:
    """A store whose pooled write and read connections have all been terminated by the server."""
    url = postgres_database()
    store = open_store(url, XorBox())
    try:
        with store.transaction() as tx:
            tx.insert_pool(make_pool())
        with store.read() as tx:  # reads have their own (read-only) connections
            tx.get_pool(POOL_ID)
        with psycopg.connect(postgres_admin_url(), autocommit=True) as admin:
            terminated = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (str(make_url(url).database),),
            ).fetchall()
        assert len(terminated) >= 2
        yield store
    finally:
        store.close()


def test_idle_connections_dropped_by_the_server_are_replaced(
    dropped_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    with dropped_store.read() as tx:  # pinged, replaced, no error
        assert tx.get_pool(POOL_ID) == make_pool()
    with dropped_store.transaction() as tx:
        assert tx.get_pool(POOL_ID) == make_pool()


def test_connections_dropped_in_steady_use_fail_once_then_are_replaced(
    dropped_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 3600.0)
    with pytest.raises(DBAPIError), dropped_store.read() as tx:
        tx.get_pool(POOL_ID)
    with pytest.raises(DBAPIError), dropped_store.transaction() as tx:
        tx.get_pool(POOL_ID)
    with dropped_store.transaction() as tx:
        assert tx.get_pool(POOL_ID) == make_pool()
    with dropped_store.read() as tx:
        assert tx.get_pool(POOL_ID) == make_pool()
