"""``Store.health`` (``GET /health``) and the database errors a store counts, on both backends."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.observability.recording import RecordingMetrics
from tests.storage.helpers import XorBox, make_pool
from userpool.model.errors import NotAuthorizedException, StoreConflict
from userpool.storage import open_store
from userpool.storage.sql.engine import MODE_OPTION
from userpool.storage.sql.migrations import LATEST_VERSION


def test_health_reads_the_schema_version(store_url: str) -> None:
    store = open_store(store_url, XorBox())
    try:
        found = store.health()
        assert (found.backend, found.schema, found.needed, found.current) == (
            store.dialect, LATEST_VERSION, LATEST_VERSION, True)
        with store.engine.connect() as conn:
            conn.execution_options(**{MODE_OPTION: "write"})
            with conn.begin():
                conn.execute(text("INSERT INTO schema_version (version, applied_at) VALUES (:v, :t)"),
                             {"v": LATEST_VERSION + 1, "t": time.time()})
        newer = store.health()
        assert (newer.schema, newer.current) == (LATEST_VERSION + 1, False)
    finally:
        store.close()


def test_database_failures_are_counted_and_domain_errors_are_not(store_url: str) -> None:
    metrics = RecordingMetrics()
    store = open_store(store_url, XorBox(), metrics=metrics)
    try:
        with pytest.raises(DBAPIError), store.transaction() as tx:
            tx._conn.execute(text("SELECT * FROM no_such_table"))  # type: ignore[attr-defined]
        with pytest.raises(DBAPIError), store.read() as tx:
            tx._conn.execute(text("SELECT 1/"))  # type: ignore[attr-defined]
        assert metrics.calls == {("database_error",): 2}
        with store.transaction() as tx:
            tx.insert_pool(make_pool("us-east-1_One"))
        with pytest.raises(StoreConflict), store.transaction() as tx:
            tx.insert_pool(make_pool("us-east-1_One"))
        with pytest.raises(NotAuthorizedException), store.read() as tx:
            raise NotAuthorizedException()
        assert store.health().current
        assert metrics.calls == {("database_error",): 2}
    finally:
        store.close()


def test_an_error_text_holds_no_parameter(store_url: str) -> None:
    """Error texts reach the log: a statement's parameters (hashes, sealed secrets) are not in them."""
    store = open_store(store_url, XorBox())
    try:
        with pytest.raises(DBAPIError) as failed, store.transaction() as tx:
            tx._conn.execute(text("SELECT * FROM no_such_table WHERE x = :secret"),  # type: ignore[attr-defined]
                             {"secret": "s3cret-parameter"})
        assert "s3cret-parameter" not in str(failed.value)
    finally:
        store.close()
