"""Contract: password verifiers are sealed at rest, bound to their row; migration 4 seals old rows;
stale lockout rows are purged (issue 9, items 13 and 9a)."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable

import pytest
from sqlalchemy import delete, insert, update

from tests.storage.helpers import OTHER_POOL_ID, POOL_ID, XorBox, make_credential, make_pool, make_user, raw
from userpool.crypto.sealing import AesGcmSecretBox, SealError
from userpool.directory.passwords import make_credential as credential_for
from userpool.directory.passwords import matches
from userpool.model.entities import LockoutState
from userpool.storage import SqlStore, open_store
from userpool.storage.sql.engine import make_engine
from userpool.storage.sql.migrations import LATEST_VERSION, BoxRequired, migrate
from userpool.storage.sql.schema import schema_version, users


def _stored(store: SqlStore, username: str) -> tuple[bytes, bytes, list[dict[str, object]]]:
    [(salt, verifier, history)] = raw(
        store,
        "SELECT password_salt, password_verifier, password_history FROM users WHERE username = :u",
        u=username,
    )
    return bytes(salt), bytes(verifier), json.loads(history)


def _to_version_3(store: SqlStore, plaintext: dict[str, tuple[bytes, list[dict[str, object]]]]) -> None:
    """Rewrites users as version 3 kept them (verifiers in the clear) and stamps version 3."""
    with store.engine.begin() as conn:
        for username, (verifier, history) in plaintext.items():
            conn.execute(
                update(users)
                .where(users.c.username == username)
                .values(password_verifier=verifier, password_history=json.dumps(history))
            )
        conn.execute(delete(schema_version))
        conn.execute(insert(schema_version).values(version=3, applied_at=0.0))


def _plain_history(*credentials: object) -> list[dict[str, object]]:
    return [
        {"salt": base64.b64encode(c.salt).decode(), "verifier": base64.b64encode(c.verifier).decode(),  # type: ignore[attr-defined]
         "set_at": c.set_at, "temporary": False, "expires_at": None}  # type: ignore[attr-defined]
        for c in credentials
    ]


def test_verifiers_are_sealed_in_the_row_and_history(pool_store: SqlStore) -> None:
    """A dump of the users table holds no verifier, current or past, in the clear."""
    current, old = make_credential(1), make_credential(2)
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("ann", password=current, password_history=(old,)))
    salt, verifier, history = _stored(pool_store, "ann")
    assert salt == current.salt  # the salt is public (SALT of PASSWORD_VERIFIER)
    assert verifier != current.verifier and current.verifier not in verifier
    assert verifier.startswith(XorBox.PREFIX)
    assert base64.b64encode(old.verifier).decode() not in json.dumps(history)
    with pool_store.read() as tx:
        user = tx.get_user(POOL_ID, "ann")
    assert user is not None and user.password == current and user.password_history == (old,)


def test_a_sealed_verifier_cannot_be_moved_to_another_user(pool_store: SqlStore) -> None:
    """The seal's associated data names pool, user and salt: copying Bob's sealed verifier (and
    salt) over Ann's does not give Ann Bob's password; reading her fails closed."""
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("ann", password=make_credential(1)))
        tx.insert_user(make_user("bob", password=make_credential(2)))
    bob_salt, bob_verifier, _ = _stored(pool_store, "bob")
    with pool_store.engine.begin() as conn:
        conn.execute(
            update(users)
            .where(users.c.username == "ann")
            .values(password_salt=bob_salt, password_verifier=bob_verifier)
        )
    with pool_store.read() as tx, pytest.raises(ValueError, match="associated data"):
        tx.get_user(POOL_ID, "ann")


def test_a_sealed_verifier_cannot_be_moved_to_another_salt(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("ann", password=make_credential(1)))
    with pool_store.engine.begin() as conn:
        conn.execute(update(users).where(users.c.username == "ann").values(password_salt=b"\x09" * 16))
    with pool_store.read() as tx, pytest.raises(ValueError):
        tx.get_user(POOL_ID, "ann")


def test_migration_4_seals_plaintext_verifiers(pool_store: SqlStore, box: XorBox) -> None:
    """A version-3 database (verifiers in the clear) is sealed when the store opens it; users
    without a password are left alone; running it again changes nothing."""
    current, old = make_credential(1), make_credential(2)
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("ann", password=current, password_history=(old,)))
        tx.insert_user(make_user("nopass"))
        tx.insert_pool(make_pool(OTHER_POOL_ID))
        tx.insert_user(make_user("ann", pool_id=OTHER_POOL_ID, password=make_credential(3)))
    _to_version_3(pool_store, {"ann": (current.verifier, _plain_history(old))})
    with pool_store.engine.begin() as conn:
        conn.execute(update(users).where(users.c.pool_id == OTHER_POOL_ID).values(
            password_verifier=make_credential(3).verifier))
    assert migrate(pool_store.engine, box) == LATEST_VERSION
    assert raw(pool_store, "SELECT password_verifier FROM users WHERE username = 'nopass'") == [(None,)]
    for pool_id, expected in ((POOL_ID, current), (OTHER_POOL_ID, make_credential(3))):
        with pool_store.read() as tx:
            user = tx.get_user(pool_id, "ann")
        assert user is not None and user.password == expected
    with pool_store.read() as tx:
        ann = tx.get_user(POOL_ID, "ann")
    assert ann is not None and ann.password_history == (old,)
    rows = raw(pool_store, "SELECT password_verifier FROM users WHERE username = 'ann'")
    assert all(bytes(row[0]).startswith(XorBox.PREFIX) for row in rows)
    before = raw(pool_store, "SELECT password_verifier, password_history FROM users ORDER BY pool_id, username")
    assert migrate(pool_store.engine, box) == LATEST_VERSION
    assert raw(pool_store, "SELECT password_verifier, password_history FROM users ORDER BY pool_id, username") == before


def test_migration_4_reports_its_progress(pool_store: SqlStore, box: XorBox, caplog: pytest.LogCaptureFixture,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Sealing every verifier of a large database takes a while: the count out of the total is
    logged every ``PROGRESS_EVERY`` users and at the end (issue 15 item 5)."""
    from userpool.storage.sql import migrations

    with pool_store.transaction() as tx:
        for name in ("ann", "bob", "cy"):
            tx.insert_user(make_user(name, password=make_credential(1)))
    _to_version_3(pool_store, {name: (make_credential(1).verifier, []) for name in ("ann", "bob", "cy")})
    monkeypatch.setattr(migrations, "PROGRESS_EVERY", 2)
    with caplog.at_level("WARNING", logger="userpool.migrations"):
        assert migrate(pool_store.engine, box) == LATEST_VERSION
    progress = [r.getMessage() for r in caplog.records if r.getMessage().startswith("schema 4:")]
    assert progress == [f"schema 4: sealed the verifiers of {n} of 3 users" for n in (2, 3)]
    assert f"migrating the database schema to version 4 of {LATEST_VERSION}" in caplog.text


def test_migration_4_needs_the_secret_box(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("ann", password=make_credential(1)))
    _to_version_3(pool_store, {"ann": (make_credential(1).verifier, [])})
    with pytest.raises(BoxRequired):
        migrate(pool_store.engine)
    assert raw(pool_store, "SELECT max(version) FROM schema_version") == [(3,)]  # rolled back


def test_fresh_database_migrates_without_a_box(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        assert migrate(engine) == LATEST_VERSION
    finally:
        engine.dispose()


def test_password_still_checks_after_migration_with_the_real_box(store_url: str) -> None:
    """End to end at the store: AES-GCM box, a real SRP verifier written in the clear by version
    3, sealed by migration 4 on open, and the password (current and past) still matches."""
    box = AesGcmSecretBox(os.urandom(32), os.urandom)

    class _Random:
        def bytes(self, n: int) -> bytes:
            return os.urandom(n)

    pool = make_pool()
    first = credential_for(pool, "ann", "Old-passw0rd!", _Random(), 10.0)
    second = credential_for(pool, "ann", "New-passw0rd!", _Random(), 20.0)
    store = open_store(store_url, box)
    try:
        with store.transaction() as tx:
            tx.insert_pool(pool)
            tx.insert_user(make_user("ann", password=second, password_history=(first,)))
        _to_version_3(store, {"ann": (second.verifier, _plain_history(first))})
    finally:
        store.close()
    store = open_store(store_url, box)
    try:
        _, verifier, _ = _stored(store, "ann")
        assert second.verifier not in verifier
        with store.read() as tx:
            user = tx.get_user(POOL_ID, "ann")
        assert user is not None and user.password is not None
        assert matches(pool, "ann", "New-passw0rd!", user.password)
        assert not matches(pool, "ann", "Old-passw0rd!", user.password)
        assert matches(pool, "ann", "Old-passw0rd!", user.password_history[0])
    finally:
        store.close()
    other_key = open_store(store_url, AesGcmSecretBox(os.urandom(32), os.urandom))
    try:
        with other_key.read() as tx, pytest.raises(SealError):
            tx.get_user(POOL_ID, "ann")  # the dump (or a server with another key) cannot use it
    finally:
        other_key.close()


# --- lockout purge (issue 9 item 9a) -----------------------------------------------------------


def test_purge_stale_lockouts_deletes_only_rows_that_can_no_longer_matter(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_pool(make_pool(OTHER_POOL_ID))
        rows = {
            (POOL_ID, "idle"): LockoutState(failures=3, locked_until=0.0, last_attempt=100.0),
            (POOL_ID, "was locked long ago"): LockoutState(failures=8, locked_until=500.0, last_attempt=400.0),
            (POOL_ID, "zero row"): LockoutState(),
            (OTHER_POOL_ID, "idle elsewhere"): LockoutState(failures=1, last_attempt=999.0),
            (POOL_ID, "recent"): LockoutState(failures=4, last_attempt=1000.0),
            (POOL_ID, "still locked"): LockoutState(failures=9, locked_until=1000.0, last_attempt=50.0),
        }
        for (pool_id, key), state in rows.items():
            tx.save_lockout(pool_id, key, state)
    with pool_store.transaction() as tx:
        assert tx.purge_stale_lockouts(1000.0) == 4
    assert sorted(raw(pool_store, "SELECT key, failures FROM lockout")) == [("recent", 4), ("still locked", 9)]
    with pool_store.transaction() as tx:
        assert tx.lock_lockout(POOL_ID, "recent") == rows[(POOL_ID, "recent")]
        assert tx.lock_lockout(POOL_ID, "idle") == LockoutState()  # (PostgreSQL: a zero row again)
    with pool_store.transaction() as tx:
        tx.purge_stale_lockouts(900.0)  # PostgreSQL's zero row for "idle" goes again; the others stay
    assert sorted(raw(pool_store, "SELECT key FROM lockout")) == [("recent",), ("still locked",)]


@pytest.mark.postgres
def test_purge_stale_lockouts_skips_rows_another_transaction_holds(
    postgres_database: Callable[[], str], box: XorBox
) -> None:
    """A sign-in holding a counter's row lock is neither waited for nor disturbed (PostgreSQL;
    on SQLite writers are serial anyway)."""
    store = open_store(postgres_database(), box)
    try:
        with store.transaction() as tx:
            tx.insert_pool(make_pool())
            tx.save_lockout(POOL_ID, "held", LockoutState(failures=2, last_attempt=10.0))
            tx.save_lockout(POOL_ID, "free", LockoutState(failures=2, last_attempt=10.0))
        with store.transaction() as holder:
            assert holder.lock_lockout(POOL_ID, "held").failures == 2
            with store.transaction() as purger:
                assert purger.purge_stale_lockouts(1000.0) == 1
        assert raw(store, "SELECT key FROM lockout") == [("held",)]
    finally:
        store.close()
