"""Contract: PoolRepo and ClientRepo, including secrets sealed at rest and delete_pool cascades."""

from __future__ import annotations

import dataclasses

import pytest

from tests.storage.helpers import (
    OTHER_POOL_ID,
    POOL_ID,
    XorBox,
    make_client,
    make_group,
    make_pool,
    make_token,
    make_user,
    raw,
)
from userpool.model.entities import CodePurpose, LockoutState, SchemaAttribute, SigningKey, VerificationCode
from userpool.model.errors import StoreConflict
from userpool.storage import SqlStore

FULL_SCHEMA = (
    SchemaAttribute(name="email", required=True, mutable=True, max_length=2048),
    SchemaAttribute(
        name="custom:level",
        data_type="Number",
        developer_only=True,
        mutable=False,
        min_length=None,
        min_value=1,
        max_value=10,
    ),
)
FULL_CONFIG = {
    "Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": False}},
    "UsernameConfiguration": {"CaseSensitive": False},
    "AutoVerifiedAttributes": ["email"],
    "Description": "pool ünïcode ✓",
}


def test_pool_round_trip(store: SqlStore) -> None:
    pool = make_pool(config=FULL_CONFIG, schema=FULL_SCHEMA)
    with store.transaction() as tx:
        tx.insert_pool(pool)
    with store.read() as tx:
        assert tx.get_pool(POOL_ID) == pool
        assert tx.get_pool("us-east-1_missing") is None


def test_pool_conflict_keeps_transaction_usable(store: SqlStore) -> None:
    with store.transaction() as tx:
        tx.insert_pool(make_pool())
        with pytest.raises(StoreConflict) as raised:
            tx.insert_pool(make_pool(name="again"))
        assert raised.value.what == "pool"
        tx.insert_pool(make_pool(OTHER_POOL_ID))
    with store.read() as tx:
        assert [p.id for p in tx.list_pools(10)] == [OTHER_POOL_ID, POOL_ID]
        assert tx.get_pool(POOL_ID) == make_pool()


def test_update_pool(pool_store: SqlStore) -> None:
    changed = make_pool(name="renamed", last_modified=2000.0, config=FULL_CONFIG, schema=FULL_SCHEMA)
    with pool_store.transaction() as tx:
        tx.update_pool(changed)
    with pool_store.read() as tx:
        assert tx.get_pool(POOL_ID) == changed


def test_list_pools_orders_by_id_and_pages(store: SqlStore) -> None:
    ids = ["us-east-1_b", "us-east-1_A", "eu-west-1_z", "us-east-1_a"]
    with store.transaction() as tx:
        for pool_id in ids:
            tx.insert_pool(make_pool(pool_id))
    with store.read() as tx:
        assert [p.id for p in tx.list_pools(10)] == sorted(ids)
        first = tx.list_pools(2)
        rest = tx.list_pools(10, after=first[-1].id)
    assert [p.id for p in first + rest] == sorted(ids)
    assert len(first) == 2


def test_client_round_trip_with_and_without_secret(pool_store: SqlStore) -> None:
    config = {"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"], "RefreshTokenValidity": 10}
    with_secret = make_client("c1", secret="s3cr3t-ünï", config=config)
    without = make_client("c2")
    with pool_store.transaction() as tx:
        tx.insert_client(with_secret)
        tx.insert_client(without)
    with pool_store.read() as tx:
        assert tx.get_client("c1") == with_secret
        assert tx.get_client("c2") == without
        assert tx.get_client("missing") is None


def test_client_with_pool_reads_both_as_the_single_reads_do(store: SqlStore) -> None:
    pool = make_pool(schema=FULL_SCHEMA, config=FULL_CONFIG)
    other = make_pool(OTHER_POOL_ID, name="other")
    mine = make_client("c1", secret="s3cr3t", config={"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"]})
    theirs = make_client("c2", pool_id=OTHER_POOL_ID)
    with store.transaction() as tx:
        tx.insert_pool(pool)
        tx.insert_pool(other)
        tx.insert_client(mine)
        tx.insert_client(theirs)
    with store.read() as tx:
        assert tx.get_client_with_pool("c1") == (mine, pool)
        assert tx.get_client_with_pool("c2") == (theirs, other)
        assert tx.get_client_with_pool("missing") is None
    updated = dataclasses.replace(pool, name="renamed", last_modified=99.0)
    with store.transaction() as tx:
        tx.update_pool(updated)
    with store.read() as tx:  # a changed pool row is read anew, not served from the parsed cache
        assert tx.get_client_with_pool("c1") == (mine, updated)


def test_client_secret_is_sealed_at_rest(pool_store: SqlStore, box: XorBox) -> None:
    with pool_store.transaction() as tx:
        tx.insert_client(make_client("c1", secret="plain-secret"))
    [(stored,)] = raw(pool_store, "SELECT secret FROM clients WHERE client_id = 'c1'")
    assert bytes(stored) != b"plain-secret"
    assert b"plain-secret" not in bytes(stored)
    assert box.open(bytes(stored)) == b"plain-secret"


def test_client_conflict(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_client(make_client("c1"))
        with pytest.raises(StoreConflict) as raised:
            tx.insert_client(make_client("c1", name="other"))
    assert raised.value.what == "client"


def test_update_and_delete_client(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_client(make_client("c1", secret="one"))
    updated = make_client("c1", name="renamed", secret=None, config={"AuthSessionValidity": 5}, last_modified=9.0)
    with pool_store.transaction() as tx:
        tx.update_client(updated)
    with pool_store.read() as tx:
        assert tx.get_client("c1") == updated
    with pool_store.transaction() as tx:
        tx.delete_client(POOL_ID, "c1")
    with pool_store.read() as tx:
        assert tx.get_client("c1") is None


def test_list_clients_per_pool_ordered_and_paged(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_pool(make_pool(OTHER_POOL_ID))
        for client_id in ["cc", "aa", "bb", "Zz"]:
            tx.insert_client(make_client(client_id))
        tx.insert_client(make_client("elsewhere", pool_id=OTHER_POOL_ID))
    with pool_store.read() as tx:
        assert [c.client_id for c in tx.list_clients(POOL_ID, 10)] == ["Zz", "aa", "bb", "cc"]
        assert [c.client_id for c in tx.list_clients(POOL_ID, 2, after="aa")] == ["bb", "cc"]
        assert [c.client_id for c in tx.list_clients(OTHER_POOL_ID, 10)] == ["elsewhere"]


POOL_TABLES = [
    "clients",
    "users",
    "user_attribute_index",
    "groups",
    "memberships",
    "refresh_tokens",
    "lockout",
    "codes",
    "signing_keys",
]


def _fill_pool(store: SqlStore, pool_id: str) -> None:
    with store.transaction() as tx:
        tx.insert_pool(make_pool(pool_id))
        tx.insert_client(make_client(f"client-{pool_id}", pool_id=pool_id, secret="x"))
        attributes = {"sub": f"s-{pool_id}", "email": "a@x"}
        tx.insert_user(make_user("alice", pool_id=pool_id, attributes=attributes))
        tx.insert_group(make_group("admins", pool_id=pool_id))
        tx.add_member(pool_id, "admins", "alice", 1.0)
        tx.insert_refresh_token(make_token(pool_id.encode(), "alice", pool_id=pool_id))
        tx.save_lockout(pool_id, "alice", LockoutState(failures=2))
        tx.put_code(VerificationCode(pool_id, "alice", CodePurpose.SIGN_UP, b"h", 1.0, 2.0))
        tx.insert_signing_key(SigningKey(pool_id, f"kid-{pool_id}", "id", b"PEM", 1.0))


def test_delete_pool_removes_everything_in_it(store: SqlStore) -> None:
    _fill_pool(store, POOL_ID)
    _fill_pool(store, OTHER_POOL_ID)
    with store.transaction() as tx:
        tx.delete_pool(POOL_ID)
    with store.read() as tx:
        assert tx.get_pool(POOL_ID) is None
        assert tx.get_client(f"client-{POOL_ID}") is None
        assert tx.get_user(POOL_ID, "alice") is None
        assert tx.get_group(POOL_ID, "admins") is None
        assert tx.get_refresh_token(POOL_ID.encode()) is None
        assert tx.signing_keys(POOL_ID) == []
        assert tx.get_user(OTHER_POOL_ID, "alice") is not None
    for table in POOL_TABLES:
        count = f"SELECT count(*) FROM {table} WHERE pool_id = :p"
        kept = 2 if table == "user_attribute_index" else 1  # sub and email
        assert raw(store, count, p=POOL_ID) == [(0,)], table
        assert raw(store, count, p=OTHER_POOL_ID) == [(kept,)], table
