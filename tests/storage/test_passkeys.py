"""Contract: PasskeyRepo (users' WebAuthn credentials) on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import inspect

from tests.storage.helpers import POOL_ID, make_user, rewind_before
from userpool.model.entities import WebAuthnCredential
from userpool.model.errors import StoreConflict
from userpool.storage import SqlStore
from userpool.storage.sql.migrations import LATEST_VERSION, migrate
from userpool.storage.sql.schema import passkeys


def make_passkey(credential_id: str = "cred-1", username: str = "alice", **overrides: object) -> WebAuthnCredential:
    values: dict[str, object] = {"pool_id": POOL_ID, "username": username, "credential_id": credential_id,
                                 "public_key": b"\xa5\x01\x02" * 20, "sign_count": 0, "relying_party_id": "example.com",
                                 "created": 3000.5}
    values.update(overrides)
    return WebAuthnCredential(**values)  # type: ignore[arg-type]


def test_round_trip_count_and_delete(user_store: SqlStore) -> None:
    full = make_passkey("cred-2", friendly_name="Chrome on Linux", attachment="platform",
                        transports=("internal", "hybrid"), sign_count=2**40)
    with user_store.transaction() as tx:
        tx.insert_passkey(make_passkey())
        tx.insert_passkey(full)
        tx.insert_passkey(make_passkey("cred-3", username="bob"))
    with user_store.read() as tx:
        assert tx.get_passkey(POOL_ID, "cred-2") == full
        assert tx.get_passkey(POOL_ID, "nope") is None
        assert [p.credential_id for p in tx.list_passkeys(POOL_ID, "alice", 1)] == ["cred-1"]
        assert [p.credential_id for p in tx.list_passkeys(POOL_ID, "alice", 5, after="cred-1")] == ["cred-2"]
    with user_store.transaction() as tx:
        tx.set_passkey_sign_count(POOL_ID, "cred-1", 7)
        assert tx.delete_passkey(POOL_ID, "cred-2") and not tx.delete_passkey(POOL_ID, "cred-2")
        tx.delete_user(POOL_ID, "bob")
    with user_store.read() as tx:
        assert tx.get_passkey(POOL_ID, "cred-1") == replace(make_passkey(), sign_count=7)
        assert tx.get_passkey(POOL_ID, "cred-3") is None


def test_duplicate_credential_conflicts(user_store: SqlStore) -> None:
    with user_store.transaction() as tx:
        tx.insert_passkey(make_passkey())
    with pytest.raises(StoreConflict), user_store.transaction() as tx:
        tx.insert_passkey(make_passkey(username="bob"))


def test_migration_9_adds_the_passkeys_table(pool_store: SqlStore) -> None:
    rewind_before(pool_store, passkeys, 8)
    assert migrate(pool_store.engine) == LATEST_VERSION
    with pool_store.engine.connect() as conn:
        assert inspect(conn).has_table("passkeys")
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("alice"))
        tx.insert_passkey(make_passkey())


def test_migrations_report_progress(pool_store: SqlStore, caplog: pytest.LogCaptureFixture) -> None:
    rewind_before(pool_store, passkeys, 8)
    with caplog.at_level("WARNING", logger="userpool.migrations"):
        migrate(pool_store.engine)
    assert f"migrating the database schema to version 9 of {LATEST_VERSION}" in caplog.text
