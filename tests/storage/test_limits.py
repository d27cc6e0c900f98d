"""Contract: the per-user hourly limit counters (``LimitRepo``, spec §2.6) on both databases."""

from __future__ import annotations

import multiprocessing

from sqlalchemy import delete, insert

from tests.storage.helpers import OTHER_POOL_ID, POOL_ID, XorBox, count_limit_worker, make_pool
from userpool.model.entities import LimitWindow
from userpool.storage import SqlStore, open_store
from userpool.storage.sql.migrations import LATEST_VERSION, migrate
from userpool.storage.sql.schema import schema_version, user_limits

ROUNDS = 40


def test_a_missing_counter_reads_as_zero_and_saves(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        assert tx.lock_limit(POOL_ID, "alice", "ForgotPassword") == LimitWindow()
        tx.save_limit(POOL_ID, "alice", "ForgotPassword", LimitWindow(started=10.0, count=3))
        tx.save_limit(POOL_ID, "alice", "ConfirmSignUp", LimitWindow(started=20.0, count=1))
    with pool_store.transaction() as tx:
        assert tx.lock_limit(POOL_ID, "alice", "ForgotPassword") == LimitWindow(10.0, 3)
        assert tx.lock_limit(POOL_ID, "alice", "ConfirmSignUp") == LimitWindow(20.0, 1)
        assert tx.lock_limit(POOL_ID, "bob", "ForgotPassword") == LimitWindow()
        tx.save_limit(POOL_ID, "alice", "ForgotPassword", LimitWindow(30.0, 1))
    with pool_store.transaction() as tx:
        assert tx.lock_limit(POOL_ID, "alice", "ForgotPassword") == LimitWindow(30.0, 1)


def test_purge_drops_windows_started_before_the_cutoff(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.save_limit(POOL_ID, "old", "ForgotPassword", LimitWindow(5.0, 2))
        tx.save_limit(POOL_ID, "new", "ForgotPassword", LimitWindow(50.0, 2))
    with pool_store.transaction() as tx:
        assert tx.purge_expired_limits(10.0) == 1
    with pool_store.transaction() as tx:
        assert tx.lock_limit(POOL_ID, "old", "ForgotPassword") == LimitWindow()
        assert tx.lock_limit(POOL_ID, "new", "ForgotPassword") == LimitWindow(50.0, 2)


def test_deleting_the_pool_deletes_its_counters(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_pool(make_pool(OTHER_POOL_ID))
        tx.save_limit(POOL_ID, "alice", "ForgotPassword", LimitWindow(5.0, 2))
        tx.save_limit(OTHER_POOL_ID, "alice", "ForgotPassword", LimitWindow(5.0, 1))
    with pool_store.transaction() as tx:
        tx.delete_pool(POOL_ID)
        tx.insert_pool(make_pool(POOL_ID))
    with pool_store.transaction() as tx:
        assert tx.lock_limit(POOL_ID, "alice", "ForgotPassword") == LimitWindow()
        assert tx.lock_limit(OTHER_POOL_ID, "alice", "ForgotPassword") == LimitWindow(5.0, 1)


def test_counting_is_atomic_across_processes(store_url: str) -> None:
    store = open_store(store_url, XorBox())
    try:
        with store.transaction() as tx:
            tx.insert_pool(make_pool())
        ctx = multiprocessing.get_context("spawn")
        start = ctx.Barrier(2)
        processes = [ctx.Process(target=count_limit_worker, args=(store_url, start, ROUNDS)) for _ in range(2)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=120)
        assert [process.exitcode for process in processes] == [0, 0]
        with store.transaction() as tx:
            assert tx.lock_limit(POOL_ID, "alice", "ConfirmForgotPassword").count == 2 * ROUNDS
    finally:
        store.close()


def test_migration_3_adds_the_table(pool_store: SqlStore, box: XorBox) -> None:
    with pool_store.engine.begin() as conn:  # back to version 2, before the table existed
        user_limits.drop(conn)
        conn.execute(delete(schema_version))
        conn.execute(insert(schema_version).values(version=2, applied_at=0.0))
    assert migrate(pool_store.engine, box) == LATEST_VERSION  # later steps may need the box
    with pool_store.transaction() as tx:
        tx.save_limit(POOL_ID, "alice", "ForgotPassword", LimitWindow(1.0, 1))
    with pool_store.transaction() as tx:
        assert tx.lock_limit(POOL_ID, "alice", "ForgotPassword") == LimitWindow(1.0, 1)
