"""Housekeeping keeps the lockout table bounded (issue 9 item 9a): counters of names that stopped
failing long ago (typically names that are not users, under PreventUserExistenceErrors) are
purged, and a purge never changes what the lockout rules decide."""

from __future__ import annotations

from tests.auth.conftest import Harness
from userpool.auth import housekeeping, lockout
from userpool.model.entities import LockoutState, UserPool

POOL = "us-east-1_Housekeep"


def _counters(harness: Harness) -> dict[str, LockoutState]:
    with harness.rt.store.transaction() as tx:
        keys = ("stale", lockout.key_for_unknown("nobody"), "recent", "locked")
        return {key: tx.lock_lockout(POOL, key) for key in keys}


def test_purge_removes_idle_counters_and_keeps_those_that_matter(harness: Harness) -> None:
    now = 100_000.0
    idle = lockout.IDLE_RESET_SECONDS
    with harness.rt.store.transaction() as tx:
        tx.insert_pool(UserPool(id=POOL, name="p", created=0.0, last_modified=0.0))
        for key, when in (("stale", now - idle - 1), (lockout.key_for_unknown("nobody"), now - idle - 1),
                          ("recent", now - idle + 60)):
            state = LockoutState()
            for _ in range(4):
                lockout.failed(tx, POOL, key, state, when, harness.rt.metrics)
                state = tx.lock_lockout(POOL, key)
        state = LockoutState()
        for _ in range(12):  # locked for the 15-minute cap, starting now
            lockout.failed(tx, POOL, "locked", state, now, harness.rt.metrics)
            state = tx.lock_lockout(POOL, "locked")
    before = _counters(harness)
    with harness.rt.store.transaction() as tx:
        housekeeping.purge(tx, now)
        assert tx.lock_lockout(POOL, lockout.key_for_unknown("nobody")) == LockoutState()
    after = _counters(harness)
    assert after["stale"] == LockoutState()
    assert after["recent"] == before["recent"] and after["recent"].failures == 4
    assert after["locked"] == before["locked"] and after["locked"].locked_until > now


def test_a_purged_counter_counts_the_next_failure_as_an_unpurged_one_would(harness: Harness) -> None:
    """The idle reset of ``lockout.failed``: after IDLE_RESET_SECONDS the counter restarts anyway,
    so deleting it cannot unlock anyone early or forgive a failure that still counts."""
    now = 50_000.0
    with harness.rt.store.transaction() as tx:
        tx.insert_pool(UserPool(id=POOL, name="p", created=0.0, last_modified=0.0))
        kept_state = LockoutState(failures=9, locked_until=now - lockout.IDLE_RESET_SECONDS, last_attempt=now - 1000)
        tx.save_lockout(POOL, "kept", kept_state)
        tx.save_lockout(POOL, "purged", kept_state)
        tx.purge_stale_lockouts(now - lockout.IDLE_RESET_SECONDS)
        for key in ("kept", "purged"):
            state = kept_state if key == "kept" else tx.lock_lockout(POOL, key)
            lockout.failed(tx, POOL, key, state, now, harness.rt.metrics)
        assert tx.lock_lockout(POOL, "kept") == tx.lock_lockout(POOL, "purged") == LockoutState(1, 0.0, now)
