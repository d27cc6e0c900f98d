"""Test doubles, entity factories and subprocess workers for the storage contract suite.

Kept free of pytest so ``multiprocessing`` (spawn) children can import it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import text

from userpool.model.entities import (
    AppClient,
    Group,
    LockoutState,
    PasswordCredential,
    RefreshTokenRecord,
    User,
    UserPool,
    UserStatus,
)
from userpool.storage import SqlStore

POOL_ID = "us-east-1_TestPool1"
OTHER_POOL_ID = "eu-west-1_OtherPool"


class XorBox:
    """A reversible SecretBox that visibly changes the bytes (not encryption!).

    Like an AEAD it refuses to open with other associated data than it sealed with (a short
    hash of ``aad`` follows the prefix), so the contract suite can check what sealed data is
    bound to.
    """

    PREFIX = b"xor1:"

    def seal(self, plaintext: bytes, *, aad: bytes = b"") -> bytes:
        return self.PREFIX + _aad_tag(aad) + bytes(b ^ 0x5A for b in plaintext)

    def open(self, sealed: bytes, *, aad: bytes = b"") -> bytes:
        head = self.PREFIX + _aad_tag(aad)
        if not sealed.startswith(head):
            raise ValueError("not sealed by XorBox with this associated data")
        return bytes(b ^ 0x5A for b in sealed[len(head) :])


def _aad_tag(aad: bytes) -> bytes:
    return hashlib.sha256(aad).digest()[:4]


def make_pool(pool_id: str = POOL_ID, **overrides: Any) -> UserPool:
    values: dict[str, Any] = {"id": pool_id, "name": "test pool", "created": 1000.5, "last_modified": 1001.25}
    values.update(overrides)
    return UserPool(**values)


def make_client(client_id: str = "client1", pool_id: str = POOL_ID, **overrides: Any) -> AppClient:
    values: dict[str, Any] = {
        "pool_id": pool_id,
        "client_id": client_id,
        "name": f"app {client_id}",
        "created": 2000.0,
        "last_modified": 2000.5,
    }
    values.update(overrides)
    return AppClient(**values)


def make_user(username: str, pool_id: str = POOL_ID, **overrides: Any) -> User:
    values: dict[str, Any] = {
        "pool_id": pool_id,
        "username": username,
        "attributes": {"sub": f"sub-{username}"},
        "status": UserStatus.CONFIRMED,
        "enabled": True,
        "created": 3000.0,
        "last_modified": 3000.0,
    }
    values.update(overrides)
    return User(**values)


def make_credential(seed: int, **overrides: Any) -> PasswordCredential:
    values: dict[str, Any] = {
        "salt": bytes([seed]) * 16,
        "verifier": bytes(range(256)) + bytes([seed]) * 128,
        "set_at": 4000.0 + seed,
    }
    values.update(overrides)
    return PasswordCredential(**values)


def make_group(name: str, pool_id: str = POOL_ID, **overrides: Any) -> Group:
    values: dict[str, Any] = {"pool_id": pool_id, "name": name, "created": 5000.0, "last_modified": 5001.0}
    values.update(overrides)
    return Group(**values)


def make_token(
    token_hash: bytes, username: str, origin_jti: str = "family-1", pool_id: str = POOL_ID, **overrides: Any
) -> RefreshTokenRecord:
    values: dict[str, Any] = {
        "token_hash": token_hash,
        "pool_id": pool_id,
        "client_id": "client1",
        "username": username,
        "origin_jti": origin_jti,
        "auth_time": 1_700_000_000,
        "issued_at": 6000.0,
        "expires_at": 9000.0,
    }
    values.update(overrides)
    return RefreshTokenRecord(**values)


def raw(store: SqlStore, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of a raw SQL query, bypassing the repositories."""
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


# --- subprocess workers (multiprocessing spawn) ---------------------------------------------


def count_failures_worker(url: str, start: Any, rounds: int) -> None:
    """Opens its own store and adds one failure per transaction, ``rounds`` times."""
    from userpool.storage import open_store

    store = open_store(url, XorBox())
    try:
        start.wait(timeout=60)
        for _ in range(rounds):
            with store.transaction() as tx:
                state = tx.lock_lockout(POOL_ID, "alice")
                tx.save_lockout(POOL_ID, "alice", LockoutState(failures=state.failures + 1, last_attempt=float(rounds)))
    finally:
        store.close()


def open_store_worker(url: str, start: Any) -> None:
    """Opens (and so migrates) the store at the same moment as its siblings."""
    from userpool.storage import open_store

    start.wait(timeout=60)
    store = open_store(url, XorBox())
    try:
        with store.transaction() as tx:
            tx.list_pools(limit=1)
    finally:
        store.close()


def count_limit_worker(url: str, start: Any, rounds: int) -> None:
    """Opens its own store and adds one to a limit counter per transaction, ``rounds`` times."""
    from userpool.model.entities import LimitWindow
    from userpool.storage import open_store

    store = open_store(url, XorBox())
    try:
        start.wait(timeout=60)
        for _ in range(rounds):
            with store.transaction() as tx:
                window = tx.lock_limit(POOL_ID, "alice", "ConfirmForgotPassword")
                tx.save_limit(POOL_ID, "alice", "ConfirmForgotPassword", LimitWindow(1.0, window.count + 1))
    finally:
        store.close()


def rewind_before(store: SqlStore, table: Any, version: int) -> None:
    """Makes the store's database look as it was at schema ``version``, before ``table`` existed
    (for a migration test): the table dropped, the recorded version set back."""
    from sqlalchemy import delete, insert

    from userpool.storage.sql.schema import schema_version

    with store.engine.begin() as conn:
        table.drop(conn)
        conn.execute(delete(schema_version))
        conn.execute(insert(schema_version).values(version=version, applied_at=0.0))
    store.engine.dispose()  # connections may have cached the old shape
