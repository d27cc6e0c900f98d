"""Secrets at rest through a real server (issue 9 item 13): the SQLite files, the outbox and the
key are private to the server's user; a version-3 database's plaintext verifiers are sealed
when the server opens it, and users still sign in."""

from __future__ import annotations

import base64
import os
import sqlite3
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.server import running as _running
from userpool.crypto.sealing import AesGcmSecretBox, derive_key, load_or_create_master_key
from userpool.delivery.outbox import read_outbox
from userpool.storage.sql.repos.verifiers import PASSWORD, open_verifier

pytestmark = pytest.mark.e2e

PASSWORD_TEXT = "Correct-Horse-9"
running = contextmanager(_running)


def _modes(directory: Path) -> dict[str, int]:
    return {path.name: stat.S_IMODE(path.stat().st_mode) for path in directory.iterdir()}


def _pool_with_user(idp: Any, *, invite: bool = False) -> tuple[str, str]:
    pool_id = idp.create_user_pool(PoolName="secrets")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    extra: dict[str, Any] = {"DesiredDeliveryMediums": ["EMAIL"]} if invite else {"MessageAction": "SUPPRESS"}
    idp.admin_create_user(UserPoolId=pool_id, Username="ann",
                          UserAttributes=[{"Name": "email", "Value": "ann@example.com"}], **extra)
    idp.admin_set_user_password(UserPoolId=pool_id, Username="ann", Password=PASSWORD_TEXT, Permanent=True)
    return pool_id, client_id


def _sign_in(idp: Any, client_id: str) -> dict[str, Any]:
    return dict(idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "ann", "PASSWORD": PASSWORD_TEXT}))


def test_data_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    """Whatever the caller's umask, the server creates its data directory 0700 and every file in
    it 0600: the key, the database with its WAL, shared-memory and writer-lock files (which SQLite
    and the store create lazily), the outbox."""
    data = tmp_path / "data"  # created by the server (start_server's own directory holds the log)
    old = os.umask(0o022)
    try:
        with running(tmp_path, "--data-dir", str(data)) as server:
            idp = server.client()
            _pool_with_user(idp, invite=True)
            assert [m["username"] for m in read_outbox(str(data / "outbox.jsonl"))] == ["ann"]
            files = _modes(data)
    finally:
        os.umask(old)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    expected = {"server.key", "userpool.db", "userpool.db-wal", "userpool.db-shm", "userpool.db-writer.lock",
                "outbox.jsonl"}
    assert expected <= set(files), files
    assert {name: mode for name, mode in files.items() if mode != 0o600} == {}


def _to_version_3(db: Path, data: Path) -> None:
    """Writes the verifiers back in the clear, as version 3 kept them, and stamps version 3."""
    key = load_or_create_master_key(str(data / "server.key"), os.urandom)
    box = AesGcmSecretBox(derive_key(key, "secret-box"), os.urandom)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT pool_id, username, password_salt, password_verifier FROM users").fetchall()
        assert rows
        for pool_id, username, salt, sealed in rows:
            plain = open_verifier(box, bytes(sealed), PASSWORD, pool_id, username, salt=bytes(salt))
            assert len(plain) == 384 and plain not in bytes(sealed)
            conn.execute("UPDATE users SET password_verifier = ? WHERE pool_id = ? AND username = ?",
                         (plain, pool_id, username))
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version (version, applied_at) VALUES (3, 0)")


def test_plaintext_verifiers_of_a_version_3_database_are_sealed_and_sign_in_works(tmp_path: Path) -> None:
    with running(tmp_path) as server:
        pool_id, client_id = _pool_with_user(server.client())
    db = tmp_path / "userpool.db"
    _to_version_3(db, tmp_path)
    with sqlite3.connect(db) as conn:
        [(plain,)] = conn.execute("SELECT password_verifier FROM users").fetchall()
    with running(tmp_path) as server:
        tokens = _sign_in(server.client(), client_id)["AuthenticationResult"]
        assert tokens["AccessToken"]
        with sqlite3.connect(db) as conn:
            [(sealed,)] = conn.execute("SELECT password_verifier FROM users").fetchall()
            [(version,)] = conn.execute("SELECT max(version) FROM schema_version").fetchall()
    assert version >= 4
    assert bytes(plain) not in bytes(sealed) and base64.b64encode(bytes(plain)) not in bytes(sealed)
    assert pool_id
