"""SQLite connections stay checked out between transactions (``ConnectionShelf``) and go back
to SQLAlchemy's pool when they cannot be trusted as idle, or when the store closes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from tests.storage.helpers import POOL_ID, XorBox, make_pool, make_user
from userpool.storage import SqlStore, open_store
from userpool.storage.sql.connection import ConnectionShelf


class PoolEvents:
    """Counts the pool's checkouts and check-ins of one engine."""

    def __init__(self, store: SqlStore) -> None:
        self.checkouts = 0
        self.checkins = 0
        event.listen(store.engine, "checkout", self._out)
        event.listen(store.engine, "checkin", self._in)

    def _out(self, *_: Any) -> None:
        self.checkouts += 1

    def _in(self, *_: Any) -> None:
        self.checkins += 1


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqlStore]:
    store = open_store(f"sqlite:///{tmp_path / 'shelf.db'}", XorBox())
    with store.transaction() as tx:
        tx.insert_pool(make_pool())
    yield store
    store.close()


def test_transactions_reuse_a_shelved_connection(sqlite_store: SqlStore) -> None:
    with sqlite_store.read() as tx:
        tx.get_pool(POOL_ID)  # one connection is now on the shelf
    events = PoolEvents(sqlite_store)
    for i in range(5):  # what sign-ins run: prepared statements only
        with sqlite_store.transaction() as tx:
            assert tx.consume_once(f"session{i}", 10.0)
        with sqlite_store.read() as tx:
            assert tx.get_pool(POOL_ID) is not None
    assert (events.checkouts, events.checkins) == (0, 0)


def test_a_failed_transaction_leaves_a_usable_connection(sqlite_store: SqlStore) -> None:
    with pytest.raises(RuntimeError), sqlite_store.transaction() as tx:
        tx.insert_user(make_user("alice"))
        raise RuntimeError("abandon")
    with sqlite_store.transaction() as tx:  # the shelved connection has no transaction left open
        assert tx.get_user(POOL_ID, "alice") is None
        tx.insert_user(make_user("alice"))
    with sqlite_store.read() as tx:
        assert tx.get_user(POOL_ID, "alice") is not None


def test_a_connection_a_sqlalchemy_connection_wrapped_goes_back_to_the_pool(sqlite_store: SqlStore) -> None:
    with sqlite_store.read() as tx:
        tx.get_pool(POOL_ID)
    events = PoolEvents(sqlite_store)
    with sqlite_store.transaction() as tx:
        tx.delete_pool(POOL_ID)  # a Core statement: runs on a SQLAlchemy Connection
    assert events.checkins == 1
    with sqlite_store.read() as tx:
        assert tx.get_pool(POOL_ID) is None


def test_close_returns_every_shelved_connection(sqlite_store: SqlStore) -> None:
    inside = threading.Barrier(3)

    def read() -> None:
        with sqlite_store.read() as tx:
            tx.get_pool(POOL_ID)
            inside.wait(timeout=10)  # three transactions at once: three connections

    threads = [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sqlite_store.engine.pool.checkedout() == 3  # type: ignore[attr-defined]
    sqlite_store.close()
    assert sqlite_store.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_the_shelf_holds_at_most_its_size(sqlite_store: SqlStore) -> None:
    shelf = ConnectionShelf(1)
    engine = sqlite_store.engine
    before = engine.pool.checkedout()  # type: ignore[attr-defined]  # the store's own shelf
    first, second = shelf.take(engine), shelf.take(engine)
    shelf.give_back(first)
    shelf.give_back(second)  # no room: checked in
    assert engine.pool.checkedout() == before + 1  # type: ignore[attr-defined]
    assert shelf.take(engine) is first
    shelf.give_back(first)
    shelf.close()
    assert engine.pool.checkedout() == before  # type: ignore[attr-defined]
    shelf.give_back(engine.raw_connection())  # after close: straight back to the pool
    assert engine.pool.checkedout() == before  # type: ignore[attr-defined]
