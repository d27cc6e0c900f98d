"""Issue 9 items 3, 4, 13 (secrets to workers) and 14 against a real server: the admin API fails
closed off loopback, browsers cannot drive signed admin calls, a client cannot choose its tokens'
``iss``, worker processes hold no secret in their environment, invalid UTF-8 in a key is a 400."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from tests.e2e.conftest import PASSWORD
from tests.e2e.server import ACCESS_KEY, SECRET_KEY, Server, free_port, start_server

TARGET = "AWSCognitoIdentityProviderService."
AMZ_JSON = "application/x-amz-json-1.1"
FORGED = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}


def add_headers(client: Any, extra: dict[str, str]) -> Any:
    def before_send(request: Any, **_: Any) -> None:
        for name, value in extra.items():
            request.headers[name] = value

    client.meta.events.register_first("before-sign.cognito-idp.*", before_send)
    return client


def issuer_and_discovery(server: Server, extra: dict[str, str]) -> tuple[str, str]:
    """Sign in through boto3 with ``extra`` headers; the ID token's iss and discovery's issuer."""
    idp = server.client()
    pool_id = idp.create_user_pool(PoolName="edge")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app",
                                            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                               "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
    public = add_headers(server.client(), extra)
    tokens = public.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]
    iss = jwt.decode(tokens["IdToken"], options={"verify_signature": False})["iss"]
    access_iss = jwt.decode(tokens["AccessToken"], options={"verify_signature": False})["iss"]
    assert access_iss == iss
    discovery = httpx.get(f"{server.url}/{pool_id}/.well-known/openid-configuration", headers=extra, timeout=10)
    return str(iss), str(discovery.json()["issuer"])


# --- item 4 ------------------------------------------------------------------------------------
def test_forged_forwarded_host_does_not_choose_the_issuer(server: Server) -> None:
    iss, discovered = issuer_and_discovery(server, FORGED)
    assert "evil.example" not in iss
    assert iss.startswith(server.url + "/")
    assert discovered == iss


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("proxy"), "--admin-credentials", f"{ACCESS_KEY}:{SECRET_KEY}",
                          "--trusted-proxies", "127.0.0.1/32")
    yield server
    server.stop()


def test_forwarded_host_from_a_trusted_proxy_is_honoured(behind_proxy: Server) -> None:
    iss, discovered = issuer_and_discovery(behind_proxy, FORGED)
    assert iss.startswith("https://evil.example/")
    assert discovered == iss
    plain_iss, plain_discovered = issuer_and_discovery(behind_proxy, {})
    assert plain_iss.startswith(behind_proxy.url + "/") and plain_discovered == plain_iss


def test_public_url_wins_over_everything(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--admin-credentials", f"{ACCESS_KEY}:{SECRET_KEY}",
                          "--trusted-proxies", "127.0.0.1", "--public-url", "https://id.example.com")
    try:
        iss, discovered = issuer_and_discovery(server, FORGED)
    finally:
        server.stop()
    assert iss.startswith("https://id.example.com/") and discovered == iss


# --- item 3 ------------------------------------------------------------------------------------
def serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "userpool.cli", "serve", "--data-dir", str(tmp_path), "--port",
               str(free_port()), *args]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("USERPOOL_")}
    full_env.update(env or {})
    return subprocess.run(command, capture_output=True, text=True, timeout=30, env=full_env, check=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_serve_refuses_a_network_address_without_admin_credentials(tmp_path: Path, host: str) -> None:
    done = serve(tmp_path, "--host", host)
    assert done.returncode == 2
    assert "--admin-credentials" in done.stderr and "--insecure-accept-any-signature" in done.stderr
    assert "userpool listening" not in done.stdout


def test_insecure_override_starts_on_a_network_address_with_a_warning(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--host", "0.0.0.0", "--insecure-accept-any-signature")
    try:
        idp = server.client("ANYKEY", "any-secret")
        assert idp.list_user_pools(MaxResults=1)["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert "INSECURE" in server.log()
    finally:
        server.stop()


def test_loopback_without_credentials_still_accepts_any_signature(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--host", "127.0.0.1")
    try:
        assert server.client("ANYKEY", "any-secret").list_user_pools(MaxResults=1)["UserPools"] == []
    finally:
        server.stop()


def test_browser_page_cannot_drive_a_signed_admin_call(server: Server) -> None:
    idp = add_headers(server.client(), {"Origin": "https://evil.example"})
    with pytest.raises(Exception) as info:
        idp.list_user_pools(MaxResults=1)
    response = info.value.response  # type: ignore[attr-defined]
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    asked = "content-type,x-amz-target,authorization,x-amz-date"
    preflight = httpx.request("OPTIONS", server.url + "/", timeout=10, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": asked,
    })
    assert preflight.headers["Access-Control-Allow-Headers"] == "content-type,x-amz-target"


def test_admin_call_without_signed_target_is_refused(server: Server) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = b'{"MaxResults": 1}'
    request = AWSRequest(method="POST", url=server.url + "/", data=body, headers={"Content-Type": AMZ_JSON})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "cognito-idp", "us-east-1").add_auth(request)
    headers = {**dict(request.headers.items()), "X-Amz-Target": TARGET + "ListUserPools"}
    response = httpx.post(server.url + "/", content=body, headers=headers, timeout=10)
    assert response.status_code == 400
    assert response.json()["__type"] == "InvalidSignatureException"


# --- item 14 -----------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [b"\xed\xa0\x80", b"\xc0\xaf", b"\xff", b"\xe2\x82"], ids=lambda b: b.hex())
@pytest.mark.parametrize(("operation", "body"), [
    ("CreateUserPool", b'{"PoolName": "p", "X%s": 1}'),
    ("CreateUserPool", b'{"PoolName": "p", "UserPoolTags": {"k%s": "v"}}'),
    ("CreateUserPool", b'{"PoolName": "p%s"}'),
    ("InitiateAuth", b'{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "c", "AuthParameters": {"U%s": "x"}}'),
    ("SignUp", b'{"ClientId": "c", "Username": "u", "Password": "p", "UserAttributes": [{"Name%s": "e"}]}'),
], ids=["key", "nested-key", "value", "auth-parameter-key", "list-member-key"])
def test_invalid_utf8_in_a_body_is_a_serialization_error(server: Server, operation: str, body: bytes,
                                                          bad: bytes) -> None:
    content = body.replace(b"%s", bad)  # boto3 cannot send invalid UTF-8: sign by hand
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    raw = AWSRequest(method="POST", url=server.url + "/", data=content,
                     headers={"Content-Type": AMZ_JSON, "X-Amz-Target": TARGET + operation})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "cognito-idp", "us-east-1").add_auth(raw)
    response = httpx.post(server.url + "/", content=content, headers=dict(raw.headers.items()), timeout=10)
    assert response.status_code == 400, response.text
    assert response.json()["__type"] == "SerializationException"


# --- item 13 (last sentence) -----------------------------------------------------------------------
def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(p) for p in text)
    return found


def test_workers_hold_no_secret_in_their_environment(tmp_path: Path) -> None:
    server_key = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="
    server = start_server(tmp_path, "--workers", "2", "--admin-credentials", f"{ACCESS_KEY}:{SECRET_KEY}",
                          env={"USERPOOL_SERVER_KEY": server_key})
    try:
        idp = server.client()
        pool_ids = {idp.create_user_pool(PoolName=f"w{i}")["UserPool"]["Id"] for i in range(6)}
        listed = {p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]}
        assert pool_ids <= listed
        workers = [p for p in children(server.process.pid) if b"spawn_main" in
                   Path(f"/proc/{p}/cmdline").read_bytes()]
        assert len(workers) == 2, children(server.process.pid)
        assert SECRET_KEY.encode() not in Path(f"/proc/{server.process.pid}/environ").read_bytes()
        for pid in workers:  # the parent was given the server key in its environment; they were not
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            assert SECRET_KEY.encode() not in environ and server_key.encode() not in environ
            assert b"USERPOOL_SERVER_KEY" not in environ
            assert SECRET_KEY.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
        variables = dict(line.split(b"=", 1) for line in Path(f"/proc/{workers[0]}/environ").read_bytes().split(b"\0")
                         if b"=" in line)
        settings_file = Path(variables[b"USERPOOL_SETTINGS_FILE"].decode())
        assert settings_file.stat().st_mode & 0o777 == 0o600
        assert settings_file.parent.stat().st_mode & 0o777 == 0o700
        assert json.loads(settings_file.read_text())["server_key"] == server_key
    finally:
        server.stop()
    assert not settings_file.parent.exists()
