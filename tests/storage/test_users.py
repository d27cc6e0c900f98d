"""Contract: UserRepo — round trips, the attribute index, ListUsers filters, delete cascades."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace

import pytest
from sqlalchemy import delete, insert, update

from tests.storage.helpers import (
    OTHER_POOL_ID,
    POOL_ID,
    XorBox,
    make_credential,
    make_group,
    make_pool,
    make_token,
    make_user,
    raw,
)
from userpool.model.entities import CodePurpose, LockoutState, User, UserStatus, VerificationCode
from userpool.model.errors import StoreConflict
from userpool.model.ports import UserFilter
from userpool.storage import SqlStore
from userpool.storage.sql.migrations import LATEST_VERSION, migrate
from userpool.storage.sql.schema import INDEXED_VALUE_CHARS, schema_version, user_attribute_index


def _usernames(users: Sequence[User]) -> list[str]:
    return [user.username for user in users]


def test_full_user_round_trip(pool_store: SqlStore) -> None:
    user = make_user(
        "Ålice ünïcode",
        attributes={"sub": "0b7e-…", "email": "ålice@exämple.com", "name": "名前 🙂", "custom:x": ""},
        status=UserStatus.FORCE_CHANGE_PASSWORD,
        enabled=False,
        created=1.25,
        last_modified=2.5,
        password=make_credential(1, temporary=True, expires_at=99.5),
        password_history=(make_credential(2), make_credential(3, temporary=True, expires_at=7.0)),
        tokens_revoked_at=123.456,
    )
    with pool_store.transaction() as tx:
        tx.insert_user(user)
    with pool_store.read() as tx:
        assert tx.get_user(POOL_ID, user.username) == user


def test_minimal_user_round_trip(pool_store: SqlStore) -> None:
    user = make_user("bob", status=UserStatus.UNCONFIRMED)
    with pool_store.transaction() as tx:
        tx.insert_user(user)
    with pool_store.read() as tx:
        stored = tx.get_user(POOL_ID, "bob")
        assert tx.get_user(POOL_ID, "missing") is None
        assert tx.get_user(POOL_ID, "BOB") is None
    assert stored == user
    assert stored is not None and stored.password is None and stored.tokens_revoked_at is None


def test_user_conflict_is_per_pool(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_pool(make_pool(OTHER_POOL_ID))
        tx.insert_user(make_user("bob"))
        with pytest.raises(StoreConflict) as raised:
            tx.insert_user(make_user("bob", attributes={"sub": "other"}))
        assert raised.value.what == "user"
        tx.insert_user(make_user("bob", pool_id=OTHER_POOL_ID))
    with pool_store.read() as tx:
        assert tx.get_user(POOL_ID, "bob") == make_user("bob")
        assert tx.count_users(POOL_ID) == 1


def test_update_user_replaces_everything(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("bob", password=make_credential(1), attributes={"sub": "s", "email": "b@x"}))
    updated = make_user(
        "bob",
        attributes={"sub": "s", "phone_number": "+15550100"},
        status=UserStatus.RESET_REQUIRED,
        enabled=False,
        last_modified=10.0,
        password=None,
        password_history=(make_credential(1),),
        tokens_revoked_at=11.0,
    )
    with pool_store.transaction() as tx:
        tx.update_user(updated)
        tx.update_user(make_user("ghost"))  # no such user: nothing happens
    with pool_store.read() as tx:
        # ... except ``enabled`` and ``tokens_revoked_at``: only their narrow writes set them
        # (see test_user_columns).
        assert tx.get_user(POOL_ID, "bob") == replace(updated, enabled=True, tokens_revoked_at=None)
        assert tx.get_user(POOL_ID, "ghost") is None


def test_find_users_by_attribute_exact_and_case_insensitive(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("u1", attributes={"sub": "s1", "email": "Mixed@Example.com"}))
        tx.insert_user(make_user("u2", attributes={"sub": "s2", "email": "mixed@example.com"}))
        tx.insert_user(make_user("u3", attributes={"sub": "s3", "email": "other@example.com"}))
    with pool_store.read() as tx:
        assert _usernames(tx.find_users_by_attribute(POOL_ID, "email", "Mixed@Example.com")) == ["u1"]
        assert _usernames(tx.find_users_by_attribute(POOL_ID, "email", "MIXED@example.com")) == []
        found = tx.find_users_by_attribute(POOL_ID, "email", "MIXED@example.com", case_insensitive=True)
        assert _usernames(found) == ["u1", "u2"]
        assert found[0] == make_user("u1", attributes={"sub": "s1", "email": "Mixed@Example.com"})
        assert _usernames(tx.find_users_by_attribute(POOL_ID, "sub", "s3")) == ["u3"]
        assert tx.find_users_by_attribute(POOL_ID, "phone_number", "s3") == []
        assert tx.find_users_by_attribute(OTHER_POOL_ID, "sub", "s3") == []


def test_attribute_index_follows_updates_and_deletes(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("u1", attributes={"sub": "s1", "email": "old@x", "name": "N"}))
    with pool_store.transaction() as tx:
        tx.update_user(make_user("u1", attributes={"sub": "s1", "email": "New@x", "phone_number": "+1"}))
    with pool_store.read() as tx:
        assert tx.find_users_by_attribute(POOL_ID, "email", "old@x", case_insensitive=True) == []
        assert tx.find_users_by_attribute(POOL_ID, "name", "N") == []
        found = tx.find_users_by_attribute(POOL_ID, "email", "new@x", case_insensitive=True)
        assert _usernames(found) == ["u1"]
        assert _usernames(tx.find_users_by_attribute(POOL_ID, "phone_number", "+1")) == ["u1"]
        assert _usernames(tx.find_users_by_attribute(POOL_ID, "sub", "s1")) == ["u1"]
    indexed = raw(pool_store, "SELECT name, value, value_fold FROM user_attribute_index ORDER BY name")
    assert indexed == [("email", "New@x", "new@x"), ("phone_number", "+1", "+1"), ("sub", "s1", "s1")]
    with pool_store.transaction() as tx:
        tx.delete_user(POOL_ID, "u1")
    with pool_store.read() as tx:
        assert tx.find_users_by_attribute(POOL_ID, "sub", "s1") == []
    assert raw(pool_store, "SELECT count(*) FROM user_attribute_index") == [(0,)]


def _long(stem: str, length: int = 2048, seed: int = 7) -> str:
    """A custom attribute at its longest, of four-byte characters in no pattern (PostgreSQL
    compresses a repetitive index entry below its limit): 8 KiB of UTF-8."""
    rnd = random.Random(seed)
    return stem + "".join(chr(rnd.randrange(0x20000, 0x2A6D0)) for _ in range(length - len(stem)))


def test_long_multibyte_attribute_values_are_stored_and_found_exactly(pool_store: SqlStore) -> None:
    """PostgreSQL refuses index entries over 2704 bytes: values are indexed cut to
    INDEXED_VALUE_CHARS, and lookups stay exact whatever the length."""
    cut = INDEXED_VALUE_CHARS
    head = _long("", cut)  # the first `cut` characters of all three values below
    one, two, exactly = head + _long("one", 1648, seed=1), head + _long("two", 1648, seed=2), head
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("u1", attributes={"sub": "s1", "custom:blob": one, "name": _long("Ä")}))
        tx.insert_user(make_user("u2", attributes={"sub": "s2", "custom:blob": two}))
        tx.insert_user(make_user("u3", attributes={"sub": "s3", "custom:blob": exactly}))
    with pool_store.read() as tx:
        assert _usernames(tx.find_users_by_attribute(POOL_ID, "custom:blob", one)) == ["u1"]
        assert _usernames(tx.find_users_by_attribute(POOL_ID, "custom:blob", two)) == ["u2"]
        assert _usernames(tx.find_users_by_attribute(POOL_ID, "custom:blob", exactly)) == ["u3"]
        assert tx.find_users_by_attribute(POOL_ID, "custom:blob", head[:-1]) == []
        assert tx.find_users_by_attribute(POOL_ID, "custom:blob", head + "three") == []
        folded = tx.find_users_by_attribute(POOL_ID, "name", _long("ä"), case_insensitive=True)
        assert _usernames(folded) == ["u1"]
        assert folded[0].attributes["custom:blob"] == one  # the row keeps the whole value
        assert tx.find_users_by_attribute(POOL_ID, "name", _long("ä")) == []
        prefix = UserFilter("custom:blob", head[:200], prefix=True)
        assert _usernames(tx.list_users(POOL_ID, 10, user_filter=prefix)) == ["u1", "u2", "u3"]
    with pool_store.transaction() as tx:  # a change past the cut still replaces the value
        tx.update_user(make_user("u2", attributes={"sub": "s2", "custom:blob": one}))
    with pool_store.read() as tx:
        assert _usernames(tx.find_users_by_attribute(POOL_ID, "custom:blob", one)) == ["u1", "u2"]
        assert tx.find_users_by_attribute(POOL_ID, "custom:blob", two) == []
    longest = raw(pool_store, "SELECT max(length(value)), max(length(value_fold)) FROM user_attribute_index")
    assert longest == [(cut, cut)]


def test_migration_2_cuts_long_indexed_values(pool_store: SqlStore, box: XorBox) -> None:
    """A version-1 database (SQLite could hold whole long values; PostgreSQL ones that
    compress) is brought to the new form when the store opens it."""
    whole = "Ab" * 1024
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("u1", attributes={"sub": "s1", "custom:blob": whole}))
    with pool_store.engine.begin() as conn:  # back to version 1, with a whole value indexed
        conn.execute(
            update(user_attribute_index)
            .where(user_attribute_index.c.name == "custom:blob")
            .values(value=whole, value_fold=whole.lower())
        )
        conn.execute(delete(schema_version))
        conn.execute(insert(schema_version).values(version=1, applied_at=0.0))
    assert migrate(pool_store.engine, box) == LATEST_VERSION
    assert raw(pool_store, "SELECT value, value_fold FROM user_attribute_index WHERE name = 'custom:blob'") == [
        (whole[:INDEXED_VALUE_CHARS], whole.lower()[:INDEXED_VALUE_CHARS])
    ]
    with pool_store.read() as tx:
        assert _usernames(tx.find_users_by_attribute(POOL_ID, "custom:blob", whole)) == ["u1"]
        assert _usernames(tx.find_users_by_attribute(POOL_ID, "custom:blob", whole.upper(), case_insensitive=True)) == [
            "u1"
        ]


def test_list_users_orders_bytewise_and_pages(pool_store: SqlStore) -> None:
    names = ["zed", "alice", "Bob", "élan", "_under", "bob", "al"]
    with pool_store.transaction() as tx:
        for name in names:
            tx.insert_user(make_user(name))
    expected = sorted(names)  # code point order == UTF-8 byte order
    assert expected == ["Bob", "_under", "al", "alice", "bob", "zed", "élan"]
    with pool_store.read() as tx:
        assert _usernames(tx.list_users(POOL_ID, 100)) == expected
        pages, after = [], None
        while page := tx.list_users(POOL_ID, 3, after=after):
            pages.append(_usernames(page))
            after = page[-1].username
        assert tx.count_users(POOL_ID) == len(names)
        assert tx.count_users(OTHER_POOL_ID) == 0
    assert pages == [expected[0:3], expected[3:6], expected[6:]]


@pytest.fixture
def filter_store(pool_store: SqlStore) -> SqlStore:
    users = [
        make_user("a%b_1", attributes={"sub": "1", "email": "ann@example.com", "name": "Ann"}),
        make_user("axb_2", attributes={"sub": "2", "email": "Ann@Example.com"}),
        make_user("a%bx3", attributes={"sub": "3", "email": "bob@example.com"}, enabled=False),
        make_user("A%b_4", attributes={"sub": "4", "email": "an%n@x.org"}, status=UserStatus.UNCONFIRMED),
        make_user("b", attributes={"sub": "5", "email": "ann@example.com"}, status=UserStatus.RESET_REQUIRED),
        make_user("c\U0010ffff", attributes={"sub": "6"}),
    ]
    with pool_store.transaction() as tx:
        for user in users:
            tx.insert_user(user)
    return pool_store


@pytest.mark.parametrize(
    ("user_filter", "expected"),
    [
        (UserFilter("username", "a%b_1"), ["a%b_1"]),
        (UserFilter("username", "a%b"), []),
        (UserFilter("username", "a%b", prefix=True), ["a%b_1", "a%bx3"]),
        (UserFilter("username", "a%b_", prefix=True), ["a%b_1"]),
        (UserFilter("username", "A", prefix=True), ["A%b_4"]),
        (UserFilter("username", "", prefix=True), ["A%b_4", "a%b_1", "a%bx3", "axb_2", "b", "c\U0010ffff"]),
        (UserFilter("username", "c\U0010ffff", prefix=True), ["c\U0010ffff"]),
        (UserFilter("cognito:user_status", "UNCONFIRMED"), ["A%b_4"]),
        (UserFilter("cognito:user_status", "RESET", prefix=True), ["b"]),
        (UserFilter("cognito:user_status", "CONFIRMED"), ["a%b_1", "a%bx3", "axb_2", "c\U0010ffff"]),
        (UserFilter("status", "Disabled"), ["a%bx3"]),
        (UserFilter("status", "Enabled"), ["A%b_4", "a%b_1", "axb_2", "b", "c\U0010ffff"]),
        (UserFilter("status", "Dis", prefix=True), ["a%bx3"]),
        (UserFilter("status", "enabled"), []),
        (UserFilter("email", "ann@example.com"), ["a%b_1", "b"]),
        (UserFilter("email", "an", prefix=True), ["A%b_4", "a%b_1", "b"]),
        (UserFilter("email", "an%", prefix=True), ["A%b_4"]),
        (UserFilter("email", "An", prefix=True), ["axb_2"]),
        (UserFilter("name", "Ann"), ["a%b_1"]),
        (UserFilter("family_name", "x", prefix=True), []),
    ],
)
def test_list_users_filters(filter_store: SqlStore, user_filter: UserFilter, expected: list[str]) -> None:
    with filter_store.read() as tx:
        assert _usernames(tx.list_users(POOL_ID, 60, user_filter=user_filter)) == expected


def test_list_users_filter_pages(filter_store: SqlStore) -> None:
    email = UserFilter("email", "a", prefix=True)
    with filter_store.read() as tx:
        first = tx.list_users(POOL_ID, 2, user_filter=email)
        rest = tx.list_users(POOL_ID, 10, after=first[-1].username, user_filter=email)
        assert _usernames(first) == ["A%b_4", "a%b_1"]
        assert _usernames(rest) == ["b"]  # axb_2 has "Ann@…": case-sensitive
        assert first[0] == make_user(
            "A%b_4", attributes={"sub": "4", "email": "an%n@x.org"}, status=UserStatus.UNCONFIRMED
        )


def test_delete_user_removes_what_belongs_to_the_user(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        for name in ("alice", "bob"):
            tx.insert_user(make_user(name, attributes={"sub": name, "email": f"{name}@x"}))
            tx.insert_refresh_token(make_token(name.encode(), name, origin_jti=f"fam-{name}"))
            tx.put_code(VerificationCode(POOL_ID, name, CodePurpose.FORGOT_PASSWORD, b"h", 1.0, 2.0))
            tx.save_lockout(POOL_ID, name, LockoutState(failures=3))
        tx.insert_group(make_group("g"))
        tx.add_member(POOL_ID, "g", "alice", 1.0)
        tx.add_member(POOL_ID, "g", "bob", 1.0)
    with pool_store.transaction() as tx:
        tx.delete_user(POOL_ID, "alice")
    with pool_store.read() as tx:
        assert tx.get_user(POOL_ID, "alice") is None
        assert tx.get_refresh_token(b"alice") is None
        assert tx.get_code(POOL_ID, "alice", CodePurpose.FORGOT_PASSWORD) is None
        assert _usernames(tx.list_members(POOL_ID, "g", 10)) == ["bob"]
        assert tx.get_group(POOL_ID, "g") is not None
        assert tx.is_family_revoked(POOL_ID, "fam-alice")
        assert not tx.is_family_revoked(POOL_ID, "fam-bob")
    with pool_store.transaction() as tx:
        assert tx.lock_lockout(POOL_ID, "bob").failures == 3
    assert raw(pool_store, "SELECT key FROM lockout") == [("bob",)]
    assert raw(pool_store, "SELECT DISTINCT username FROM user_attribute_index") == [("bob",)]
