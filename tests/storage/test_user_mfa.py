"""Contract: a user's MFA settings round-trip; the TOTP secret is sealed at rest and bound to its
user; migration 6 adds the columns to a version-5 database (issue 11)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, text

from tests.storage.helpers import POOL_ID, make_user, raw
from userpool.crypto.sealing import SealError
from userpool.model.entities import MfaSettings, SoftwareToken
from userpool.storage import SqlStore
from userpool.storage.sql.migrations import LATEST_VERSION, migrate
from userpool.storage.sql.schema import schema_version

SECRET = bytes(range(32))
MFA = MfaSettings(sms=True, software_token=True, preferred="SOFTWARE_TOKEN_MFA",
                  token=SoftwareToken(SECRET, friendly_name="phone", last_step=57), pending_secret=b"\x07" * 32)


def test_mfa_settings_round_trip(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("ann", mfa=MFA))
        tx.insert_user(make_user("bob"))
    with pool_store.read() as tx:
        ann, bob = tx.get_user(POOL_ID, "ann"), tx.get_user(POOL_ID, "bob")
    assert ann is not None and ann.mfa == MFA and ann.mfa.enabled == ("SMS_MFA", "SOFTWARE_TOKEN_MFA")
    assert bob is not None and bob.mfa == MfaSettings() and bob.mfa.enabled == ()
    pending = MfaSettings(email=True, pending_secret=SECRET[::-1])
    with pool_store.transaction() as tx:
        user = tx.lock_user(POOL_ID, "bob")
        assert user is not None
        tx.update_user(type(user)(**{**user.__dict__, "mfa": pending}))
    with pool_store.read() as tx:
        bob = tx.get_user(POOL_ID, "bob")
    assert bob is not None and bob.mfa == pending


def test_totp_secret_is_sealed_and_bound_to_its_user(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("ann", mfa=MFA))
        tx.insert_user(make_user("eve", mfa=MfaSettings(token=SoftwareToken(b"\x01" * 32))))
    [(sealed, pending)] = raw(pool_store, "SELECT totp_secret, totp_pending FROM users WHERE username = 'ann'")
    assert SECRET not in bytes(sealed) and b"\x07" * 32 not in bytes(pending)
    with pool_store.engine.begin() as conn:  # a secret copied to another row does not open there
        conn.execute(text("UPDATE users SET totp_secret = :s WHERE username = 'eve'"), {"s": bytes(sealed)})
    with pytest.raises((SealError, ValueError)), pool_store.read() as tx:  # the box refuses it
        tx.get_user(POOL_ID, "eve")


def test_migration_6_adds_the_mfa_columns(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("ann"))
    with pool_store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE users DROP COLUMN mfa"))
        conn.execute(text("ALTER TABLE users DROP COLUMN totp_secret"))
        conn.execute(text("ALTER TABLE users DROP COLUMN totp_pending"))
        conn.execute(delete(schema_version))
        conn.execute(insert(schema_version).values(version=5, applied_at=0.0))
    pool_store.engine.dispose()  # connections may have cached the old table shape
    assert migrate(pool_store.engine) == LATEST_VERSION
    assert migrate(pool_store.engine) == LATEST_VERSION  # idempotent
    with pool_store.read() as tx:
        ann = tx.get_user(POOL_ID, "ann")
    assert ann is not None and ann.mfa == MfaSettings()
