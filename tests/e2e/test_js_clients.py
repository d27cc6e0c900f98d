"""amazon-cognito-identity-js (unmodified, from the npm registry) against a real server:
USER_SRP_AUTH sign-in, NEW_PASSWORD_REQUIRED, refresh, and refusal of a wrong password.

Needs ``node`` and ``npm ci --prefix tests/js`` (``make test`` runs it)."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import jwt
import pytest

from tests.e2e.node import JS, require_node
from tests.e2e.server import Server

pytestmark = pytest.mark.node


def sign_in(server: Server, pool_id: str, client_id: str, **fields: Any) -> dict[str, Any]:
    require_node("amazon-cognito-identity-js")
    payload = {"endpoint": server.url + "/", "poolId": pool_id, "clientId": client_id, **fields}
    done = subprocess.run(["node", str(JS / "sign_in.mjs")], input=json.dumps(payload), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_srp_sign_in_refresh_and_wrong_password(server: Server, idp: Any, make_pool: Any, make_client: Any,
                                                make_user: Any) -> None:
    pool_id = make_pool()
    client = make_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    make_user(pool_id, "jsuser", email="js@example.com")
    result = sign_in(server, pool_id, client["ClientId"], username="jsuser", password="Correct-Horse-9")
    assert result["ok"], result
    claims = jwt.decode(result["idToken"], options={"verify_signature": False})
    assert claims["cognito:username"] == "jsuser"
    assert claims["aud"] == client["ClientId"]
    assert result["refreshError"] is None
    refreshed = jwt.decode(result["refreshedIdToken"], options={"verify_signature": False})
    assert refreshed["auth_time"] == claims["auth_time"] and refreshed["jti"] != claims["jti"]
    assert idp.get_user(AccessToken=result["accessToken"])["Username"] == "jsuser"

    wrong = sign_in(server, pool_id, client["ClientId"], username="jsuser", password="Wrong-Horse-9")
    assert (wrong["ok"], wrong["code"], wrong["message"]) == (False, "NotAuthorizedException",
                                                              "Incorrect username or password.")


def test_srp_new_password_required(server: Server, idp: Any, make_pool: Any, make_client: Any) -> None:
    pool_id = make_pool()
    client = make_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    idp.admin_create_user(UserPoolId=pool_id, Username="newbie", TemporaryPassword="Temp0rary!x",
                          MessageAction="SUPPRESS")
    result = sign_in(server, pool_id, client["ClientId"], username="newbie", password="Temp0rary!x",
                     newPassword="Chosen-Passw0rd")
    assert result["ok"], result
    assert [s["challenge"] for s in result["seen"]] == ["NEW_PASSWORD_REQUIRED"]
    assert idp.admin_get_user(UserPoolId=pool_id, Username="newbie")["UserStatus"] == "CONFIRMED"
    again = sign_in(server, pool_id, client["ClientId"], username="newbie", password="Chosen-Passw0rd")
    assert again["ok"], again
    old = sign_in(server, pool_id, client["ClientId"], username="newbie", password="Temp0rary!x")
    assert old["code"] == "NotAuthorizedException"


def test_srp_by_email_alias_uses_internal_username(server: Server, idp: Any, make_pool: Any,
                                                   make_client: Any) -> None:
    pool_id = make_pool(UsernameAttributes=["email"])
    client = make_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    created = idp.admin_create_user(UserPoolId=pool_id, Username="mail@example.com", MessageAction="SUPPRESS")
    internal = created["User"]["Username"]
    idp.admin_set_user_password(UserPoolId=pool_id, Username="mail@example.com", Password="Correct-Horse-9",
                                Permanent=True)
    result = sign_in(server, pool_id, client["ClientId"], username="mail@example.com", password="Correct-Horse-9")
    assert result["ok"], result
    assert jwt.decode(result["accessToken"], options={"verify_signature": False})["username"] == internal
