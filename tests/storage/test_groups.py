"""Contract: GroupRepo — groups, memberships, precedence order."""

from __future__ import annotations

import pytest

from tests.storage.helpers import POOL_ID, make_group, make_user, raw
from userpool.model.errors import StoreConflict
from userpool.storage import SqlStore


def test_group_round_trip_and_conflict(pool_store: SqlStore) -> None:
    full = make_group("admins", description="Ädmins", role_arn="arn:aws:iam::1:role/x", precedence=0)
    bare = make_group("plain")
    with pool_store.transaction() as tx:
        tx.insert_group(full)
        tx.insert_group(bare)
        with pytest.raises(StoreConflict) as raised:
            tx.insert_group(make_group("admins"))
        assert raised.value.what == "group"
    with pool_store.read() as tx:
        assert tx.get_group(POOL_ID, "admins") == full
        assert tx.get_group(POOL_ID, "plain") == bare
        assert tx.get_group(POOL_ID, "Admins") is None


def test_update_group(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_group(make_group("g", description="d", precedence=3))
    updated = make_group("g", description=None, role_arn="arn", precedence=None, last_modified=7.0)
    with pool_store.transaction() as tx:
        tx.update_group(updated)
    with pool_store.read() as tx:
        assert tx.get_group(POOL_ID, "g") == updated


def test_list_groups_orders_and_pages(pool_store: SqlStore) -> None:
    names = ["b", "a", "C", "d"]
    with pool_store.transaction() as tx:
        for name in names:
            tx.insert_group(make_group(name))
    with pool_store.read() as tx:
        assert [g.name for g in tx.list_groups(POOL_ID, 10)] == ["C", "a", "b", "d"]
        assert [g.name for g in tx.list_groups(POOL_ID, 2, after="a")] == ["b", "d"]


@pytest.fixture
def members_store(pool_store: SqlStore) -> SqlStore:
    with pool_store.transaction() as tx:
        for name in ("carol", "alice", "bob"):
            tx.insert_user(make_user(name))
        tx.insert_group(make_group("none-b"))
        tx.insert_group(make_group("none-a"))
        tx.insert_group(make_group("ten", precedence=10))
        tx.insert_group(make_group("zero", precedence=0))
        tx.insert_group(make_group("also-ten", precedence=10))
        for group in ("none-b", "none-a", "ten", "zero", "also-ten"):
            tx.add_member(POOL_ID, group, "alice", 1.0)
        tx.add_member(POOL_ID, "ten", "carol", 1.0)
        tx.add_member(POOL_ID, "ten", "bob", 1.0)
        tx.add_member(POOL_ID, "ten", "bob", 2.0)  # idempotent
    return pool_store


def test_groups_of_orders_by_precedence_nulls_last_then_name(members_store: SqlStore) -> None:
    with members_store.read() as tx:
        in_order = ["zero", "also-ten", "ten", "none-a", "none-b"]
        assert [g.name for g in tx.groups_of(POOL_ID, "alice")] == in_order
        assert [g.name for g in tx.groups_of(POOL_ID, "bob")] == ["ten"]
        assert tx.groups_of(POOL_ID, "nobody") == []
        assert tx.groups_of(POOL_ID, "alice")[0] == make_group("zero", precedence=0)


def test_list_members_orders_and_pages(members_store: SqlStore) -> None:
    with members_store.read() as tx:
        assert [u.username for u in tx.list_members(POOL_ID, "ten", 10)] == ["alice", "bob", "carol"]
        assert [u.username for u in tx.list_members(POOL_ID, "ten", 1, after="alice")] == ["bob"]
        assert tx.list_members(POOL_ID, "ten", 10)[0] == make_user("alice")
        assert tx.list_members(POOL_ID, "missing", 10) == []


def test_remove_member_and_delete_group(members_store: SqlStore) -> None:
    with members_store.transaction() as tx:
        tx.remove_member(POOL_ID, "ten", "bob")
        tx.remove_member(POOL_ID, "ten", "bob")  # already gone: fine
    with members_store.read() as tx:
        assert [u.username for u in tx.list_members(POOL_ID, "ten", 10)] == ["alice", "carol"]
    with members_store.transaction() as tx:
        tx.delete_group(POOL_ID, "ten")
    with members_store.read() as tx:
        assert tx.get_group(POOL_ID, "ten") is None
        assert "ten" not in [g.name for g in tx.groups_of(POOL_ID, "alice")]
        assert tx.get_user(POOL_ID, "carol") is not None
    assert raw(members_store, "SELECT count(*) FROM memberships WHERE group_name = 'ten'") == [(0,)]
