"""Contract: several OS processes sharing one database behave as one server."""

from __future__ import annotations

import multiprocessing

from tests.storage.helpers import POOL_ID, XorBox, count_failures_worker, make_pool, open_store_worker, raw
from userpool.storage import open_store
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
