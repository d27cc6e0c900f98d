"""Tokens minted with ``--issuer aws`` pass aws-jwt-verify's CognitoJwtVerifier (unmodified,
from the npm registry), and tampered or misused tokens fail it (spec §6.10, §10.15)."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD
from tests.e2e.node import JS, require_node
from tests.e2e.server import ACCESS_KEY, SECRET_KEY, Server, running

pytestmark = pytest.mark.node


@pytest.fixture(scope="module")
def aws_issuer_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from running(tmp_path_factory.mktemp("aws-issuer"), "--issuer", "aws",
                       "--admin-credentials", f"{ACCESS_KEY}:{SECRET_KEY}")


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["username"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


def test_aws_jwt_verify_accepts_real_tokens_and_refuses_forgeries(aws_issuer_server: Server) -> None:
    require_node("aws-jwt-verify")
    idp: Any = aws_issuer_server.client()
    pool_id = idp.create_user_pool(PoolName="jwt")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app",
                                            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="jwtuser", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="jwtuser", Password=PASSWORD, Permanent=True)
    tokens = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "jwtuser", "PASSWORD": PASSWORD})["AuthenticationResult"]
    payload = {
        "jwksUrl": f"{aws_issuer_server.url}/{pool_id}/.well-known/jwks.json", "poolId": pool_id,
        "clientId": client_id, "idToken": tokens["IdToken"], "accessToken": tokens["AccessToken"],
        "tamperedToken": _tamper(tokens["AccessToken"]),
    }
    done = subprocess.run(["node", str(Path(JS) / "verify_jwt.mjs")], input=json.dumps(payload),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["id"]["ok"], result["id"]
    assert result["id"]["claims"]["iss"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    assert result["access"]["ok"], result["access"]
    assert result["access"]["claims"]["username"] == "jwtuser"
    for refused in ("tampered", "wrongClient", "idAsAccess"):
        assert not result[refused]["ok"], (refused, result[refused])
