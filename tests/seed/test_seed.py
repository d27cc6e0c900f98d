"""Seed files and export (issue 15 item 2): fixed IDs, idempotent, all or nothing with the entry at
fault named, YAML and JSON, the export round trip; and ``userpool serve --seed`` twice on one
database through a real server, which signs a seeded user in on the seeded client ID."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.auth.conftest import FakeClock, SeededRandom
from tests.e2e.conftest import serving
from userpool import seed
from userpool.crypto.sealing import AesGcmSecretBox
from userpool.directory.runtime import Runtime
from userpool.storage import open_store

POOL_ID = "us-east-1_Seeded0001"
CLIENT_ID = "seededclientid0000000001"
DOCUMENT: dict[str, Any] = {"pools": [{
    "Id": POOL_ID, "PoolName": "app", "AutoVerifiedAttributes": ["email"],
    "clients": [{"ClientName": "web", "ClientId": CLIENT_ID,
                 "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]},
                {"ClientName": "backend", "ClientSecret": "s3cr3t-from-the-seed"}],
    "groups": [{"GroupName": "admins", "Precedence": 1, "Description": "staff"}],
    "users": [{"Username": "alice", "Attributes": {"email": "alice@example.com", "email_verified": "true"},
               "Password": "Correct-Horse-9", "Groups": ["admins"]},
              {"Username": "bob", "Attributes": [{"Name": "email", "Value": "bob@example.com"}],
               "TemporaryPassword": "Temp-Horse-9"},
              {"Username": "cy"}],
}]}


class Store:
    def __init__(self, path: Path) -> None:
        self.rt = Runtime(store=open_store(f"sqlite:///{path}", AesGcmSecretBox(b"\x01" * 32, SeededRandom(1).bytes)),
                          clock=FakeClock(), random=SeededRandom(2), sender=None,  # type: ignore[arg-type]
                          code_pepper=b"\x02" * 32)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    made = Store(tmp_path / "seed.db")
    yield made
    made.rt.store.close()


def test_apply_is_idempotent_and_export_round_trips(store: Store, tmp_path: Path) -> None:
    applied = seed.apply(store.rt, DOCUMENT)
    assert (applied.pools, applied.clients, applied.groups, applied.users) == (1, 2, 1, 3)
    assert seed.apply(store.rt, DOCUMENT) == seed.Applied()  # a second time: nothing new
    with store.rt.store.read() as tx:
        assert tx.get_client(CLIENT_ID) is not None
        users = {u.username: u for u in tx.list_users(POOL_ID, 10)}
        assert users["alice"].status == "CONFIRMED" and users["bob"].status == "FORCE_CHANGE_PASSWORD"
        assert users["cy"].status == "RESET_REQUIRED" and users["cy"].password is None
        assert [g.name for g in tx.groups_of(POOL_ID, "alice")] == ["admins"]
        backend = next(c for c in tx.list_clients(POOL_ID, 10) if c.name == "backend")
        assert backend.secret == "s3cr3t-from-the-seed"
    exported = seed.export(store.rt)
    assert "ClientSecret" not in json.dumps(exported)
    assert "s3cr3t-from-the-seed" in json.dumps(seed.export(store.rt, with_secrets=True))
    # the export seeds an empty store into the same export
    again = Store(tmp_path / "again.db")
    try:
        seed.apply(again.rt, yaml.safe_load(seed.dump(seed.export(store.rt, with_secrets=True), "yaml")))
        assert _stable(seed.export(again.rt, with_secrets=True)) == _stable(seed.export(store.rt, with_secrets=True))
    finally:
        again.rt.store.close()


def _stable(document: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(document, sort_keys=True))


@pytest.mark.parametrize(("change", "where", "why"), [
    (lambda d: d["pools"][0]["users"][1].update(Password="short"), "pools[0].users[1] (bob)",
     "InvalidPasswordException"),
    (lambda d: d["pools"][0]["clients"][0].update(ExplicitAuthFlows=["ALLOW_NOTHING"]), "pools[0].clients[0] (web)",
     "InvalidParameterException"),
    (lambda d: d["pools"][0].update(Id="eu-west-1_Other"), "pools[0] (app)", "Id must be 'us-east-1_'"),
    (lambda d: d["pools"][0]["users"][0].update(Groups=["nobody"]), "pools[0].users[0] (alice)", "no group 'nobody'"),
    (lambda d: d["pools"][0]["users"][2].update(Colour="red"), "pools[0].users[2] (cy)", "unknown member(s) Colour"),
    (lambda d: d["pools"][0]["users"][1].update(Username="alice"), "pools[0].users[1] (alice)", "listed twice"),
])
def test_a_wrong_entry_changes_nothing_and_is_named(store: Store, change: Any, where: str, why: str) -> None:
    document = json.loads(json.dumps(DOCUMENT))
    change(document)
    with pytest.raises(seed.SeedError) as refused:
        seed.apply(store.rt, document)
    assert str(refused.value).startswith(where), str(refused.value)
    assert why in str(refused.value)
    with store.rt.store.read() as tx:
        assert tx.list_pools(10) == []  # all or nothing


def test_progress_is_reported(store: Store) -> None:
    seen: list[tuple[str, int, int]] = []
    seed.apply(store.rt, DOCUMENT, lambda what, done, total: seen.append((what, done, total)))
    assert seen == [("users", 1, 3), ("users", 2, 3), ("users", 3, 3)]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_serve_with_a_seed_twice(backend: str, tmp_path: Path) -> None:
    """``userpool serve --seed`` on one database twice: the same IDs, nothing doubled; a seeded
    user signs in on the seeded client; ``userpool export`` gives the seed back."""
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(DOCUMENT))
    data = tmp_path / "data"
    for _ in range(2):
        for server in serving(data, backend, "--seed", str(path)):
            idp = server.client()
            assert [p["Id"] for p in idp.list_user_pools(MaxResults=10)["UserPools"]] == [POOL_ID]
            assert len(idp.list_user_pool_clients(UserPoolId=POOL_ID, MaxResults=10)["UserPoolClients"]) == 2
            tokens = idp.initiate_auth(ClientId=CLIENT_ID, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
                "USERNAME": "alice", "PASSWORD": "Correct-Horse-9"})["AuthenticationResult"]
            assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"
            assert "seed: " in server.log()
            break
        if backend == "postgres":
            break  # serving() drops its PostgreSQL database at the end: one start is all it can show


def test_serve_refuses_a_broken_seed(tmp_path: Path) -> None:
    broken = json.loads(json.dumps(DOCUMENT))
    broken["pools"][0]["users"][1]["Password"] = "short"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    done = subprocess.run([sys.executable, "-m", "userpool", "serve", "--data-dir", str(tmp_path / "d"), "--port",
                           "0", "--seed", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "pools[0].users[1] (bob): InvalidPasswordException" in done.stderr, done.stderr


def test_export_command(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(DOCUMENT))
    data = tmp_path / "data"
    for _server in serving(data, "sqlite", "--seed", str(path)):
        break
    out = tmp_path / "exported.yaml"
    done = subprocess.run([sys.executable, "-m", "userpool", "export", "--data-dir", str(data), "-o", str(out)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    exported = yaml.safe_load(out.read_text())
    assert [p["Id"] for p in exported["pools"]] == [POOL_ID]
    assert {c["ClientId"] for c in exported["pools"][0]["clients"]} >= {CLIENT_ID}
    assert "ClientSecret" not in out.read_text() and oct(out.stat().st_mode & 0o777) == "0o600"
    assert [u["Username"] for u in exported["pools"][0]["users"]] == ["alice", "bob", "cy"]
