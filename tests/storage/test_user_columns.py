"""Contract: the narrow user writes that make lost updates impossible (issue 9 item 10).

``enabled`` and ``tokens_revoked_at`` are written only by ``set_user_enabled`` and
``set_tokens_revoked_at``; ``update_user`` with a copy read earlier leaves them as they are.
The revocation cut-off never moves back. ``lock_user`` reads the row for update.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tests.storage.helpers import POOL_ID, make_client, make_token, make_user
from userpool.model.entities import User
from userpool.storage import SqlStore


def _stored(store: SqlStore, username: str = "amy") -> User | None:
    with store.read() as tx:
        return tx.get_user(POOL_ID, username)


def test_update_user_with_a_stale_copy_keeps_enabled_and_the_revocation_cut_off(pool_store: SqlStore) -> None:
    stale = make_user("amy", attributes={"name": "Amy"})
    with pool_store.transaction() as tx:
        tx.insert_user(stale)
    with pool_store.transaction() as tx:
        assert tx.set_user_enabled(POOL_ID, "amy", False, 50.0) is True
        tx.set_tokens_revoked_at(POOL_ID, "amy", 60.0)
    with pool_store.transaction() as tx:
        tx.update_user(replace(stale, attributes={"name": "Ann"}, last_modified=70.0))
    user = _stored(pool_store)
    assert user is not None
    assert (user.enabled, user.tokens_revoked_at, user.attributes, user.last_modified) == (
        False, 60.0, {"name": "Ann"}, 70.0)


def test_set_user_enabled(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("amy", last_modified=1.0))
        assert tx.set_user_enabled(POOL_ID, "nobody", False, 5.0) is False
        assert tx.set_user_enabled(POOL_ID, "amy", False, 5.0) is True
    user = _stored(pool_store)
    assert user is not None and user.enabled is False and user.last_modified == 5.0
    with pool_store.transaction() as tx:
        assert tx.set_user_enabled(POOL_ID, "amy", True, 6.0) is True
    user = _stored(pool_store)
    assert user is not None and user.enabled is True


def test_the_revocation_cut_off_never_moves_back(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("amy"))
        tx.set_tokens_revoked_at(POOL_ID, "amy", 100.5)
        tx.set_tokens_revoked_at(POOL_ID, "amy", 99.0)
        tx.set_tokens_revoked_at(POOL_ID, "nobody", 99.0)
    user = _stored(pool_store)
    assert user is not None and user.tokens_revoked_at == 100.5
    with pool_store.transaction() as tx:
        tx.set_tokens_revoked_at(POOL_ID, "amy", 200.0)
    user = _stored(pool_store)
    assert user is not None and user.tokens_revoked_at == 200.0


def test_lock_user_reads_the_user(pool_store: SqlStore) -> None:
    amy = make_user("amy", attributes={"email": "a@example.com"})
    with pool_store.transaction() as tx:
        tx.insert_user(amy)
    with pool_store.transaction() as tx:
        assert tx.lock_user(POOL_ID, "amy") == amy
        assert tx.lock_user(POOL_ID, "nobody") is None


@pytest.mark.postgres
def test_lock_user_holds_a_row_lock_until_commit(pool_store: SqlStore) -> None:
    if pool_store.dialect != "postgresql":
        pytest.skip("SQLite write transactions are serial (BEGIN IMMEDIATE): no row locks")
    with pool_store.transaction() as tx:
        tx.insert_user(make_user("amy"))
    probe = text("SELECT username FROM users WHERE pool_id = :p AND username = 'amy' FOR UPDATE NOWAIT")
    with pool_store.transaction() as tx:
        tx.lock_user(POOL_ID, "amy")
        with pool_store.engine.connect() as other, pytest.raises(OperationalError, match="could not obtain lock"):
            other.execute(probe, {"p": POOL_ID})
    with pool_store.engine.connect() as other:
        assert other.execute(probe, {"p": POOL_ID}).all() == [("amy",)]


def test_delete_client_deletes_its_refresh_tokens(pool_store: SqlStore) -> None:
    with pool_store.transaction() as tx:
        tx.insert_client(make_client("gone"))
        tx.insert_client(make_client("kept"))
        tx.insert_user(make_user("amy"))
        tx.insert_refresh_token(make_token(b"1" * 32, "amy", "family-1", client_id="gone"))
        tx.insert_refresh_token(make_token(b"2" * 32, "amy", "family-2", client_id="kept"))
    with pool_store.transaction() as tx:
        tx.delete_client(POOL_ID, "gone")
    with pool_store.read() as tx:
        assert tx.get_refresh_token(b"1" * 32) is None
        assert tx.is_family_revoked(POOL_ID, "family-1") is True
        kept = tx.get_refresh_token(b"2" * 32)
        assert kept is not None and not kept.revoked
