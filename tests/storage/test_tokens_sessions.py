"""Contract: TokenRepo, SessionRepo, LockoutRepo, CodeRepo, KeyRepo."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import delete, insert, text

from tests.storage.helpers import POOL_ID, XorBox, make_token, make_user, raw
from userpool.model.entities import CodePurpose, LockoutState, SigningKey, VerificationCode
from userpool.model.errors import StoreConflict
from userpool.storage import SqlStore
from userpool.storage.sql.migrations import LATEST_VERSION, migrate
from userpool.storage.sql.schema import schema_version


def test_refresh_token_round_trip(user_store: SqlStore) -> None:
    plain = make_token(b"\x00\xff" * 16, "alice")
    full = make_token(b"h2", "alice", device_key="us-east-1_dev", revoked=True, auth_time=2**40)
    with user_store.transaction() as tx:
        tx.insert_refresh_token(plain)
        tx.insert_refresh_token(full)
    with user_store.read() as tx:
        assert tx.get_refresh_token(plain.token_hash) == plain
        assert tx.get_refresh_token(b"h2") == full
        assert tx.get_refresh_token(b"missing") is None


def test_revoke_family_and_user_tokens(user_store: SqlStore) -> None:
    with user_store.transaction() as tx:
        tx.insert_refresh_token(make_token(b"a1", "alice", origin_jti="fa"))
        tx.insert_refresh_token(make_token(b"a2", "alice", origin_jti="fa"))
        tx.insert_refresh_token(make_token(b"a3", "alice", origin_jti="fb"))
        tx.insert_refresh_token(make_token(b"b1", "bob", origin_jti="fc"))
    with user_store.read() as tx:
        assert not tx.is_family_revoked(POOL_ID, "fa")
        assert tx.is_family_revoked(POOL_ID, "never-issued")
        assert tx.is_family_revoked("us-east-1_otherpool", "fa")
    with user_store.transaction() as tx:
        tx.revoke_family(POOL_ID, "fa")
    with user_store.read() as tx:
        assert tx.is_family_revoked(POOL_ID, "fa")
        assert not tx.is_family_revoked(POOL_ID, "fb")
        assert [tx.get_refresh_token(h).revoked for h in (b"a1", b"a2", b"a3")] == [True, True, False]  # type: ignore[union-attr]
    with user_store.transaction() as tx:
        tx.revoke_user_tokens(POOL_ID, "alice")
    with user_store.read() as tx:
        assert tx.is_family_revoked(POOL_ID, "fb")
        assert not tx.is_family_revoked(POOL_ID, "fc")


def test_one_revoked_token_revokes_the_family(user_store: SqlStore) -> None:
    with user_store.transaction() as tx:
        tx.insert_refresh_token(make_token(b"x1", "alice", origin_jti="f"))
        tx.insert_refresh_token(make_token(b"x2", "alice", origin_jti="f", revoked=True))
    with user_store.read() as tx:
        assert tx.is_family_revoked(POOL_ID, "f")


def test_purge_expired_tokens(user_store: SqlStore) -> None:
    with user_store.transaction() as tx:
        tx.insert_refresh_token(make_token(b"old", "alice", expires_at=100.0))
        tx.insert_refresh_token(make_token(b"edge", "alice", expires_at=200.0))
        tx.insert_refresh_token(make_token(b"new", "alice", expires_at=300.0))
    with user_store.transaction() as tx:
        assert tx.purge_expired_tokens(200.0) == 2
        assert tx.purge_expired_tokens(200.0) == 0
    with user_store.read() as tx:
        assert tx.get_refresh_token(b"old") is None
        assert tx.get_refresh_token(b"new") is not None


def test_consume_once_and_purge_sessions(store: SqlStore) -> None:
    with store.transaction() as tx:
        assert tx.consume_once("s1", 100.0)
        assert not tx.consume_once("s1", 100.0)
        assert tx.consume_once("s2", 300.0)
    with store.transaction() as tx:
        assert not tx.consume_once("s1", 100.0)
        assert tx.purge_expired_sessions(150.0) == 1
        assert tx.consume_once("s1", 100.0)  # forgotten after expiry
        assert not tx.consume_once("s2", 300.0)


def test_lockout_row_is_created_locked_and_saved(user_store: SqlStore) -> None:
    with user_store.transaction() as tx:
        assert tx.lock_lockout(POOL_ID, "alice") == LockoutState()
        tx.save_lockout(POOL_ID, "alice", LockoutState(failures=4, locked_until=10.5, last_attempt=9.25))
    with user_store.transaction() as tx:
        assert tx.lock_lockout(POOL_ID, "alice") == LockoutState(4, 10.5, 9.25)
        tx.save_lockout(POOL_ID, "bob", LockoutState(failures=1))  # never locked first: upsert
    with user_store.transaction() as tx:
        assert tx.lock_lockout(POOL_ID, "bob") == LockoutState(failures=1)


def test_codes_replace_and_delete(user_store: SqlStore) -> None:
    first = VerificationCode(POOL_ID, "alice", CodePurpose.FORGOT_PASSWORD, b"\x01hash", 1.0, 100.0, 2)
    with user_store.transaction() as tx:
        tx.put_code(first)
        tx.put_code(VerificationCode(POOL_ID, "alice", CodePurpose.VERIFY_EMAIL, b"other", 1.0, 100.0))
    with user_store.read() as tx:
        assert tx.get_code(POOL_ID, "alice", CodePurpose.FORGOT_PASSWORD) == first
        assert tx.get_code(POOL_ID, "alice", CodePurpose.SIGN_UP) is None
    replacement = VerificationCode(POOL_ID, "alice", CodePurpose.FORGOT_PASSWORD, b"new", 5.0, 500.0)
    with user_store.transaction() as tx:
        tx.put_code(replacement)
    with user_store.read() as tx:
        assert tx.get_code(POOL_ID, "alice", CodePurpose.FORGOT_PASSWORD) == replacement
    with user_store.transaction() as tx:
        tx.delete_code(POOL_ID, "alice", CodePurpose.FORGOT_PASSWORD)
    with user_store.read() as tx:
        assert tx.get_code(POOL_ID, "alice", CodePurpose.FORGOT_PASSWORD) is None
        assert tx.get_code(POOL_ID, "alice", CodePurpose.VERIFY_EMAIL) is not None


def test_signing_keys_oldest_first_sealed_and_unique(pool_store: SqlStore, box: XorBox) -> None:
    pem = b"-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n"
    keys = [
        SigningKey(POOL_ID, "k-new", "access", pem + b"2", 20.0),
        SigningKey(POOL_ID, "k-old", "id", pem + b"1", 10.0),
    ]
    with pool_store.transaction() as tx:
        for key in keys:
            tx.insert_signing_key(key)
        with pytest.raises(StoreConflict) as raised:
            tx.insert_signing_key(SigningKey(POOL_ID, "k-old", "id", b"x", 30.0))
        assert raised.value.what == "key"
    with pool_store.read() as tx:
        assert tx.signing_keys(POOL_ID) == [keys[1], keys[0]]
        assert tx.signing_keys("us-east-1_none") == []
    stored = raw(pool_store, "SELECT private_pem FROM signing_keys WHERE kid = 'k-old'")[0][0]
    assert bytes(stored) != pem + b"1" and b"PRIVATE KEY" not in bytes(stored)
    assert box.open(bytes(stored)) == pem + b"1"


def test_is_consumed_reads_without_consuming(store: SqlStore) -> None:
    with store.read() as tx:
        assert not tx.is_consumed("s1")
    with store.transaction() as tx:
        assert not tx.is_consumed("s1")
        assert tx.consume_once("s1", 100.0)
        assert tx.is_consumed("s1")
    with store.read() as tx:
        assert tx.is_consumed("s1") and not tx.is_consumed("s2")


def test_get_lockout_reads_without_creating_a_row(user_store: SqlStore) -> None:
    with user_store.read() as tx:
        assert tx.get_lockout(POOL_ID, "alice") == LockoutState()
    with user_store.transaction() as tx:
        assert tx.get_lockout(POOL_ID, "alice") == LockoutState()
        tx.save_lockout(POOL_ID, "alice", LockoutState(failures=5, locked_until=10.5, last_attempt=9.5))
    with user_store.read() as tx:
        assert tx.get_lockout(POOL_ID, "alice") == LockoutState(5, 10.5, 9.5)
        assert tx.get_lockout(POOL_ID, "bob") == LockoutState()


def test_a_verification_code_keeps_the_value_it_was_sent_to(user_store: SqlStore) -> None:
    bound = VerificationCode(POOL_ID, "alice", CodePurpose.VERIFY_EMAIL, b"h", 1.0, 100.0, value="new@example.com")
    with user_store.transaction() as tx:
        tx.put_code(bound)
    with user_store.read() as tx:
        assert tx.get_code(POOL_ID, "alice", CodePurpose.VERIFY_EMAIL) == bound
    with user_store.transaction() as tx:  # a replacement without a value clears it
        tx.put_code(replace(bound, code_hash=b"h2", value=None))
    with user_store.read() as tx:
        stored = tx.get_code(POOL_ID, "alice", CodePurpose.VERIFY_EMAIL)
        assert stored is not None and stored.value is None


def test_migration_5_adds_the_code_value_column(user_store: SqlStore) -> None:
    with user_store.engine.begin() as conn:  # back to version 4, before the column existed
        conn.execute(text("ALTER TABLE codes DROP COLUMN value"))
        conn.execute(delete(schema_version))
        conn.execute(insert(schema_version).values(version=4, applied_at=0.0))
    user_store.engine.dispose()  # connections may have cached the old table shape
    assert migrate(user_store.engine) == LATEST_VERSION
    assert migrate(user_store.engine) == LATEST_VERSION  # idempotent
    test_a_verification_code_keeps_the_value_it_was_sent_to(user_store)


def test_a_released_session_can_be_consumed_again(store: SqlStore) -> None:
    with store.transaction() as tx:
        assert tx.consume_once("s9", 100.0)
        assert not tx.consume_once("s9", 100.0)
        tx.release("s9")
        assert not tx.is_consumed("s9")
        assert tx.consume_once("s9", 100.0)


def test_rotation_grace_is_stored_and_locked_reads_see_it(user_store: SqlStore) -> None:
    token = make_token(b"r1", "alice", origin_jti="fr")
    with user_store.transaction() as tx:
        tx.insert_refresh_token(token)
        tx.insert_refresh_token(make_token(b"r2", "alice", origin_jti="fr", grace_until=5000.25))
    with user_store.transaction() as tx:
        locked = tx.lock_refresh_token(b"r1")
        assert locked == token and locked.grace_until is None
        tx.set_refresh_grace(b"r1", 1234.5)
        assert tx.lock_refresh_token(b"missing") is None
    with user_store.read() as tx:
        assert tx.get_refresh_token(b"r1") == replace(token, grace_until=1234.5)
        got = tx.get_refresh_token(b"r2")
        assert got is not None and got.grace_until == 5000.25


def test_migration_8_adds_the_grace_column(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("alice"))
        tx.insert_refresh_token(make_token(b"old", "alice"))
    with pool_store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE refresh_tokens DROP COLUMN grace_until"))
        conn.execute(delete(schema_version))
        conn.execute(insert(schema_version).values(version=7, applied_at=0.0))
    pool_store.engine.dispose()
    assert migrate(pool_store.engine) == LATEST_VERSION
    with pool_store.read() as tx:
        old = tx.get_refresh_token(b"old")
    assert old is not None and old.grace_until is None
