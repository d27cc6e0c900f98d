"""Contract: transactions, migrations, engine settings."""

from __future__ import annotations

import dataclasses
import pickle
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError

from tests.storage.helpers import POOL_ID, XorBox, make_pool, make_user, raw
from userpool.model.entities import LockoutState
from userpool.storage import SqlStore, open_store
from userpool.storage.sql import LATEST_VERSION
from userpool.storage.sql.engine import normalise_url


class Boom(Exception):
    pass


def test_exception_rolls_back_everything(pool_store: SqlStore) -> None:
    with pytest.raises(Boom), pool_store.transaction() as tx:
        tx.insert_user(make_user("alice", attributes={"sub": "s", "email": "a@x"}))
        tx.consume_once("sess", 10.0)
        tx.delete_pool(POOL_ID)
        raise Boom
    with pool_store.read() as tx:
        assert tx.get_pool(POOL_ID) == make_pool()
        assert tx.get_user(POOL_ID, "alice") is None
        assert tx.find_users_by_attribute(POOL_ID, "email", "a@x") == []
    with pool_store.transaction() as tx:
        assert tx.consume_once("sess", 10.0)


def test_reads_see_committed_writes(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("alice"))
    with pool_store.read() as tx:
        assert tx.get_user(POOL_ID, "alice") == make_user("alice")


def test_open_twice_is_idempotent(store_url: str) -> None:
    first = open_store(store_url, XorBox())
    again = open_store(store_url, XorBox())
    try:
        with first.transaction() as tx:
            tx.insert_pool(make_pool())
        with again.read() as tx:
            assert tx.get_pool(POOL_ID) == make_pool()
        assert raw(again, "SELECT version FROM schema_version") == [(LATEST_VERSION,)]
    finally:
        first.close()
        again.close()


def test_threads_share_one_store(pool_store: SqlStore) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                with pool_store.transaction() as tx:
                    state = tx.lock_lockout(POOL_ID, "alice")
                    tx.save_lockout(POOL_ID, "alice", LockoutState(failures=state.failures + 1))
                with pool_store.read() as tx:
                    tx.get_pool(POOL_ID)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with pool_store.transaction() as tx:
        assert tx.lock_lockout(POOL_ID, "alice").failures == 120


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'settings.db'}", XorBox())
    with store.engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    assert pragma["journal_mode"] == "wal"
    assert pragma["synchronous"] == 1  # NORMAL
    assert pragma["foreign_keys"] == 1
    assert (pragma["busy_timeout"] or 0) >= 10_000
    store.close()


def test_url_normalisation() -> None:
    assert normalise_url("postgresql://u@h:5432/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:////tmp/x.db").drivername == "sqlite"
    with pytest.raises(ValueError, match="unsupported"):
        normalise_url("mysql://u@h/db")
    with pytest.raises(ValueError, match="file"):
        open_store("sqlite://", XorBox())


def test_sqlite_write_transaction_takes_the_write_lock_up_front(tmp_path: Path) -> None:
    path = tmp_path / "lock.db"
    store = open_store(f"sqlite:///{path}", XorBox())
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with store.transaction() as tx:
            tx.get_pool(POOL_ID)  # a read only: BEGIN IMMEDIATE has locked anyway
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        with store.read() as tx:
            tx.get_pool(POOL_ID)
            other.execute("BEGIN IMMEDIATE")  # readers do not block writers
            other.execute("ROLLBACK")
    finally:
        other.close()
        store.close()


def test_read_transaction_refuses_writes_on_postgres(store: SqlStore) -> None:
    if store.dialect != "postgresql":
        return  # SQLite's deferred read transaction is not enforced read-only
    with pytest.raises(DBAPIError, match="read-only"), store.read() as tx:
        tx.insert_pool(make_pool())


def test_pools_and_clients_read_back_as_plain_values(pool_store: SqlStore) -> None:
    """Parsed pools and clients are shared between requests (an LRU keyed by the row): they
    must still be ordinary values, equal to what was stored and picklable (the bench's seeder
    sends them to worker processes)."""
    with pool_store.read() as tx:
        first, again = tx.get_pool(POOL_ID), tx.get_pool(POOL_ID)
    assert first == make_pool() and again == first
    assert pickle.loads(pickle.dumps(first)) == first
    renamed = dataclasses.replace(make_pool(), name="renamed", last_modified=first.last_modified if first else 0.0)
    with pool_store.transaction() as tx:
        tx.update_pool(renamed)
    with pool_store.read() as tx:
        assert tx.get_pool(POOL_ID) == renamed  # a changed row is parsed anew
