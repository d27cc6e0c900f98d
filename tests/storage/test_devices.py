"""Contract: DeviceRepo (devices, sealed device verifiers) on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import inspect, select

from tests.storage.helpers import POOL_ID, make_user, rewind_before
from userpool.model.entities import Device, DeviceSecret
from userpool.model.errors import StoreConflict
from userpool.storage import SqlStore
from userpool.storage.sql.migrations import LATEST_VERSION, migrate
from userpool.storage.sql.schema import devices

KEY = "us-east-1_0b2c5f9e-1111-4a4a-9c9c-000000000001"


def make_device(key: str = KEY, username: str = "alice", **overrides: object) -> Device:
    values: dict[str, object] = {"pool_id": POOL_ID, "username": username, "key": key, "group_key": "-AbCd1234",
                                 "created": 2000.5, "last_modified": 2000.5}
    values.update(overrides)
    return Device(**values)  # type: ignore[arg-type]


def test_device_round_trip_minted_then_confirmed(user_store: SqlStore) -> None:
    minted = make_device()
    with user_store.transaction() as tx:
        tx.insert_device(minted)
    with user_store.read() as tx:
        assert tx.get_device(POOL_ID, KEY) == minted
        assert not minted.confirmed
        assert tx.get_device(POOL_ID, "us-east-1_other") is None
    confirmed = replace(minted, secret=DeviceSecret(salt=b"\x00\x01" * 8, verifier=b"\xff" * 384), remembered=True,
                        name="Chrome on Linux " * 20, last_ip="192.0.2.7", last_authenticated=2100.25,
                        last_modified=2050.0)
    with user_store.transaction() as tx:
        assert tx.lock_device(POOL_ID, KEY) == minted
        tx.update_device(confirmed)
    with user_store.read() as tx:
        assert tx.get_device(POOL_ID, KEY) == confirmed


def test_device_verifier_is_sealed_and_bound_to_its_row(user_store: SqlStore) -> None:
    secret = DeviceSecret(salt=b"s" * 16, verifier=b"\x12\x34" * 192)
    with user_store.transaction() as tx:
        tx.insert_device(make_device(secret=secret))
    with user_store.engine.connect() as conn:
        stored = conn.execute(select(devices.c.verifier)).scalar_one()
    assert secret.verifier not in bytes(stored)
    # the sealed verifier moved to another device's row does not open
    with user_store.transaction() as tx:
        tx.insert_device(make_device("us-east-1_second", secret=DeviceSecret(salt=b"s" * 16, verifier=b"\x01")))
    with user_store.engine.begin() as conn:
        conn.execute(devices.update().where(devices.c.device_key == "us-east-1_second").values(verifier=stored))
    with user_store.read() as tx, pytest.raises(ValueError):
        tx.get_device(POOL_ID, "us-east-1_second")


def test_duplicate_key_conflicts(user_store: SqlStore) -> None:
    with user_store.transaction() as tx:
        tx.insert_device(make_device())
    with pytest.raises(StoreConflict), user_store.transaction() as tx:
        tx.insert_device(make_device(username="bob"))


def test_list_devices_pages_by_key_and_hides_unconfirmed(user_store: SqlStore) -> None:
    secret = DeviceSecret(salt=b"s" * 16, verifier=b"v")
    with user_store.transaction() as tx:
        for n in range(5):
            tx.insert_device(make_device(f"us-east-1_k{n}", secret=secret))
        tx.insert_device(make_device("us-east-1_unconfirmed"))
        tx.insert_device(make_device("us-east-1_bobs", username="bob", secret=secret))
    with user_store.read() as tx:
        first = tx.list_devices(POOL_ID, "alice", 3)
        assert [d.key for d in first] == ["us-east-1_k0", "us-east-1_k1", "us-east-1_k2"]
        rest = tx.list_devices(POOL_ID, "alice", 3, after=first[-1].key)
        assert [d.key for d in rest] == ["us-east-1_k3", "us-east-1_k4"]
        every = tx.list_devices(POOL_ID, "alice", 10, confirmed_only=False)
        assert "us-east-1_unconfirmed" in [d.key for d in every]
        assert [d.key for d in tx.list_devices(POOL_ID, "bob", 10)] == ["us-east-1_bobs"]


def test_delete_purge_and_user_deletion(user_store: SqlStore) -> None:
    secret = DeviceSecret(salt=b"s" * 16, verifier=b"v")
    with user_store.transaction() as tx:
        tx.insert_device(make_device("us-east-1_old", created=10.0))
        tx.insert_device(make_device("us-east-1_new", created=5000.0))
        tx.insert_device(make_device("us-east-1_kept", created=10.0, secret=secret))
        tx.insert_device(make_device("us-east-1_bob", username="bob", secret=secret))
    with user_store.transaction() as tx:
        assert tx.purge_unconfirmed_devices(created_before=100.0) == 1
        assert tx.delete_device(POOL_ID, "us-east-1_new")
        assert not tx.delete_device(POOL_ID, "us-east-1_new")
        tx.delete_user(POOL_ID, "bob")
    with user_store.read() as tx:
        assert tx.get_device(POOL_ID, "us-east-1_kept") is not None
        assert tx.get_device(POOL_ID, "us-east-1_old") is None
        assert tx.get_device(POOL_ID, "us-east-1_bob") is None


def test_migration_7_adds_the_devices_table(pool_store: SqlStore) -> None:
    rewind_before(pool_store, devices, 6)
    assert migrate(pool_store.engine) == LATEST_VERSION
    with pool_store.engine.connect() as conn:
        assert inspect(conn).has_table("devices")
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("alice"))
        tx.insert_device(make_device())
