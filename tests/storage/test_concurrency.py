"""Contract: several OS processes sharing one database behave as one server."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from tests.storage.helpers import POOL_ID, XorBox, count_failures_worker, make_pool, open_store_worker, raw
from userpool.storage import SqlStore, open_store
from userpool.storage.sql import LATEST_VERSION

ROUNDS = 50


def _run_together(target: object, url: str, *extra: object) -> None:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    processes = [ctx.Process(target=target, args=(url, start, *extra)) for _ in range(2)]  # type: ignore[arg-type]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0, 0]


def test_lockout_counting_is_atomic_across_processes(store_url: str) -> None:
    store = open_store(store_url, XorBox())
    try:
        with store.transaction() as tx:
            tx.insert_pool(make_pool())
        _run_together(count_failures_worker, store_url, ROUNDS)
        with store.transaction() as tx:
            assert tx.lock_lockout(POOL_ID, "alice").failures == 2 * ROUNDS
    finally:
        store.close()


def test_two_processes_migrate_at_once(store_url: str) -> None:
    _run_together(open_store_worker, store_url)
    store = open_store(store_url, XorBox())
    try:
        assert raw(store, "SELECT version FROM schema_version") == [(LATEST_VERSION,)]
    finally:
        store.close()


def test_hold_lock_runs_holders_one_after_the_other(store: SqlStore) -> None:
    """``Tx.hold_lock``: a second holder waits for the first to commit, then sees what it wrote
    (two servers applying one seed file at once: the second finds the pool the first made)."""
    held, seen = threading.Event(), []

    def first() -> None:
        with store.transaction() as tx:
            tx.hold_lock("seed")
            held.set()
            time.sleep(0.3)
            tx.insert_pool(make_pool())

    def second() -> None:
        held.wait(10)
        with store.transaction() as tx:
            tx.hold_lock("seed")
            seen.append(tx.get_pool(POOL_ID))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert seen and seen[0] is not None


def test_hold_lock_names_one_lock(store: SqlStore) -> None:
    """Another name is another lock: holding "a" does not keep a transaction from holding "b"."""
    if store.dialect != "postgresql":
        pytest.skip("SQLite write transactions are serial whatever the lock")
    with store.transaction() as outer:
        outer.hold_lock("a")
        done = threading.Event()

        def other() -> None:
            with store.transaction() as tx:
                tx.hold_lock("b")
            done.set()

        thread = threading.Thread(target=other)
        thread.start()
        assert done.wait(10)
        thread.join()
