"""``userpool serve --seed`` and ``userpool export`` through real server processes, on SQLite and
PostgreSQL (issue 15 items 2, 5): a seed file brings a server up with fixed IDs, twice without
change; a seeded user signs in with the seeded password on the fixed client ID (boto3, and SRP
through pycognito); a broken file is refused with a precise message and leaves nothing behind;
export -> seed -> export gives the same file; progress on stderr."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pycognito.aws_srp import AWSSRP

from tests.e2e.server import ACCESS_KEY, SECRET_KEY, Server, running

pytestmark = pytest.mark.e2e

POOL_ID = "us-east-1_Seeded001"
CLIENT_ID = "seededclientid000000000001"
SECRET = "backendsecret" + "0" * 30
DOCUMENT: dict[str, Any] = {"pools": [{
    "Id": POOL_ID, "PoolName": "app", "AutoVerifiedAttributes": ["email"],
    "clients": [{"ClientName": "web", "ClientId": CLIENT_ID,
                 "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]},
                {"ClientName": "backend", "ClientSecret": SECRET, "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]}],
    "groups": [{"GroupName": "admins", "Precedence": 1}],
    "users": [{"Username": "alice", "Password": "Correct-Horse-9", "Groups": ["admins"],
               "Attributes": {"email": "alice@example.com", "email_verified": True}},
              {"Username": "bob", "TemporaryPassword": "Temp-Horse-9"}],
}]}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, postgres_database: Callable[[], str]) -> str | None:
    """None for SQLite in the data directory, else a fresh PostgreSQL database that outlives one server."""
    return None if request.param == "sqlite" else postgres_database()


def _serve(data: Path, db: str | None, *args: str) -> Iterator[Server]:
    return running(data, "--admin-credentials", f"{ACCESS_KEY}:{SECRET_KEY}", *args, db=db)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("USERPOOL_")}
    return subprocess.run([sys.executable, "-m", "userpool", *args], capture_output=True, text=True, timeout=120,
                          env={**full_env, **(env or {})})


def test_serve_with_a_seed_twice(tmp_path: Path, db: str | None) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(DOCUMENT))
    data = tmp_path / "data"
    keys = []
    for start in range(2):
        for server in _serve(data, db, "--seed", str(path)):
            idp = server.client()
            assert [p["Id"] for p in idp.list_user_pools(MaxResults=10)["UserPools"]] == [POOL_ID]
            listed = idp.list_user_pool_clients(UserPoolId=POOL_ID, MaxResults=10)["UserPoolClients"]
            assert len(listed) == 2 and CLIENT_ID in {c["ClientId"] for c in listed}
            tokens = idp.initiate_auth(ClientId=CLIENT_ID, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
                "USERNAME": "alice", "PASSWORD": "Correct-Horse-9"})["AuthenticationResult"]
            assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"
            srp = AWSSRP(username="alice", password="Correct-Horse-9", pool_id=POOL_ID, client_id=CLIENT_ID,
                         client=idp)
            assert "AccessToken" in srp.authenticate_user()["AuthenticationResult"]
            answer = idp.initiate_auth(ClientId=CLIENT_ID, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
                "USERNAME": "bob", "PASSWORD": "Temp-Horse-9"})
            assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
            assert [g["GroupName"] for g in idp.admin_list_groups_for_user(
                UserPoolId=POOL_ID, Username="alice")["Groups"]] == ["admins"]
            keys.append(httpx.get(f"{server.url}/{POOL_ID}/.well-known/jwks.json").json())
            log = server.log()
            if start == 0:
                assert "created 1 pool(s), 2 client(s), 1 group(s), 2 user(s); 0 existed" in log
            else:
                assert "created 0 pool(s), 0 client(s), 0 group(s), 0 user(s); 6 existed" in log
            if db is None:
                assert stat.S_IMODE((data / "userpool.db").stat().st_mode) == 0o600
    assert keys[0] == keys[1]  # no new signing key on the second start


def test_a_changed_seed_creates_what_is_missing_and_notes_what_differs(tmp_path: Path) -> None:
    path = tmp_path / "seed.yml"
    path.write_text(yaml.safe_dump(DOCUMENT))
    data = tmp_path / "data"
    for _server in _serve(data, None, "--seed", str(path)):
        pass
    changed = yaml.safe_load(path.read_text())
    changed["pools"][0]["clients"][0]["AccessTokenValidity"] = 2
    changed["pools"][0]["users"].append({"Username": "cy", "Password": "Correct-Horse-9"})
    path.write_text(yaml.safe_dump(changed))
    for server in _serve(data, None, "--seed", str(path)):
        assert "created 0 pool(s), 0 client(s), 0 group(s), 1 user(s); 6 existed" in server.log()
        assert ('NOTE: seed: 1 existing entry differ from the file and were left as they are (a seed only creates '
                'what is missing): pools[0].clients[0] (ClientName "web")') in server.log()
        described = server.client().describe_user_pool_client(UserPoolId=POOL_ID, ClientId=CLIENT_ID)
        assert described["UserPoolClient"]["AccessTokenValidity"] == 1


def test_a_broken_seed_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    """A file wrong in itself is refused before any database is opened or made."""
    broken = yaml.safe_load(yaml.safe_dump(DOCUMENT))
    broken["pools"][0]["clients"][1]["ClientSecret"] = "short"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    data = tmp_path / "fresh"
    done = _cli("serve", "--data-dir", str(data), "--port", "0", "--seed", str(path))
    assert done.returncode == 2
    assert ('userpool: seed: pools[0].clients[1] (ClientName "backend"): InvalidParameterException: 1 validation '
            "error detected: Value at 'clientSecret' failed to satisfy constraint: Member must have length greater "
            "than or equal to 24") in done.stderr, done.stderr
    assert "short" not in done.stderr  # a secret is not echoed (the model marks it sensitive)
    assert not (data / "userpool.db").exists()


def test_a_password_against_the_pool_policy(tmp_path: Path) -> None:
    broken = yaml.safe_load(yaml.safe_dump(DOCUMENT))
    broken["pools"][0]["Policies"] = {"PasswordPolicy": {"MinimumLength": 14}}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    done = _cli("serve", "--data-dir", str(tmp_path / "data"), "--port", "0", "--seed", str(path))
    assert done.returncode == 2
    assert ('userpool: seed: pools[0].users[1] (Username "bob"): InvalidPasswordException: Password did not '
            "conform with policy: Password not long enough") in done.stderr, done.stderr
    assert "Temp-Horse-9" not in done.stderr


def test_a_seed_checked_against_the_database_is_refused_with_nothing_written(tmp_path: Path, db: str | None) -> None:
    """An entry only the database can find wrong (a verified alias another user holds)."""
    document = yaml.safe_load(yaml.safe_dump(DOCUMENT))
    document["pools"][0]["AliasAttributes"] = ["email"]
    document["pools"][0]["users"][1]["Attributes"] = {"email": "alice@example.com", "email_verified": "true"}
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(document))
    data = tmp_path / "data"
    args = ["serve", "--data-dir", str(data), "--port", "0", "--seed", str(path)] + (["--db", db] if db else [])
    done = _cli(*args)
    assert done.returncode == 2
    assert ('pools[0].users[1] (Username "bob"): AliasExistsException: An account with the given email already '
            "exists.") in done.stderr, done.stderr
    for server in _serve(data, db):
        assert server.client().list_user_pools(MaxResults=10)["UserPools"] == []


def test_progress_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(DOCUMENT))
    for server in _serve(tmp_path / "data", None, "--seed", str(path), "--progress", "on"):
        lines = server.log().splitlines()
        assert "seed: checking users 2/2" in lines and "seed: password verifiers 2/2" in lines
        assert "seed: writing users 2/2" in lines
    for server in _serve(tmp_path / "data", None, "--seed", str(path)):  # auto: no terminal, no progress
        assert "password verifiers" not in server.log() and "checking users" not in server.log()


@pytest.mark.parametrize("secrets", [[], ["--with-secrets"]])
def test_export_seed_export(tmp_path: Path, db: str | None, postgres_database: Callable[[], str],
                            secrets: list[str]) -> None:
    """The export of a seeded server seeds an empty one into the same export."""
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(DOCUMENT))
    first, second = tmp_path / "first", tmp_path / "second"
    second_db = postgres_database() if db else None
    for server in _serve(first, db, "--seed", str(path)):
        server.client().admin_disable_user(UserPoolId=POOL_ID, Username="bob")  # a change made through the API
    exported = tmp_path / "exported.yaml"
    exported.write_text("old")
    exported.chmod(0o644)
    done = _cli("export", "--data-dir", str(first), "-o", str(exported), *secrets, *(["--db", db] if db else []))
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600  # even a file that existed: it may hold secrets
    text = exported.read_text()
    assert (SECRET in text) == bool(secrets) and "Correct-Horse-9" not in text
    assert CLIENT_ID in {c["ClientId"] for c in yaml.safe_load(text)["pools"][0]["clients"]}
    for server in _serve(second, second_db, "--seed", str(exported)):
        idp = server.client()
        assert idp.admin_get_user(UserPoolId=POOL_ID, Username="bob")["Enabled"] is False
        assert idp.admin_get_user(UserPoolId=POOL_ID, Username="alice")["UserStatus"] == "RESET_REQUIRED"
        backend = next(c for c in idp.list_user_pool_clients(UserPoolId=POOL_ID, MaxResults=10)["UserPoolClients"]
                       if c["ClientName"] == "backend")
        described = idp.describe_user_pool_client(UserPoolId=POOL_ID, ClientId=backend["ClientId"])["UserPoolClient"]
        assert (described["ClientSecret"] == SECRET) == bool(secrets) and described["ClientSecret"]
    again = _cli("export", "--data-dir", str(second), *secrets, "--format", "yaml",
                 *(["--db", second_db] if second_db else []))
    assert again.returncode == 0, again.stderr
    assert again.stdout == text


def test_export_refuses_what_is_not_a_server(tmp_path: Path) -> None:
    missing = tmp_path / "typo"
    done = _cli("export", "--data-dir", str(missing))
    assert done.returncode == 2 and f"no database at {missing}/userpool.db" in done.stderr
    assert not missing.exists()  # nothing made on the way
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(DOCUMENT))
    data = tmp_path / "data"
    for _server in _serve(data, None, "--seed", str(path)):
        pass
    another_key = "A" * 43 + "="
    done = _cli("export", "--data-dir", str(data), env={"USERPOOL_SERVER_KEY": another_key})
    assert done.returncode == 2, done.stdout
    assert "the database's secrets do not open with this server key" in done.stderr
    (data / "server.key").rename(data / "elsewhere.key")
    done = _cli("export", "--data-dir", str(data))
    assert done.returncode == 2 and "has no server.key" in done.stderr
    assert not (data / "server.key").exists()
