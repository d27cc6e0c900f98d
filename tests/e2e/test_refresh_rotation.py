"""Refresh-token rotation (issue 14 item 5, spec §3.3, §6.8) through boto3 and Amplify v6: a client
with ``RefreshTokenRotation`` ENABLED gets a new refresh token from GetTokensFromRefreshToken; the
old one works only within ``RetryGracePeriodSeconds``; used after that it is a reuse
(RefreshTokenReuseException) and the whole family — the successor and its access tokens — is
revoked. REFRESH_TOKEN_AUTH stays refused for such clients."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD, compute_secret_hash
from tests.e2e.node import amplify
from tests.e2e.server import Server

ROTATING = {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}


def signed_in(idp: Any, client: dict[str, Any], username: str = "ann") -> dict[str, str]:
    return dict(idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})["AuthenticationResult"])


def rotate(idp: Any, client: dict[str, Any], token: str) -> dict[str, Any]:
    extra = {"ClientSecret": client["ClientSecret"]} if client.get("ClientSecret") else {}
    return dict(idp.get_tokens_from_refresh_token(RefreshToken=token, ClientId=client["ClientId"],
                                                  **extra)["AuthenticationResult"])


def test_rotation_is_configured_and_echoed(idp: Any, make_pool: Any, make_client: Any) -> None:
    pool_id = make_pool()
    client = make_client(pool_id, RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 30})
    described = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"])["UserPoolClient"]
    assert described["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 30}
    updated = idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"],
                                          ExplicitAuthFlows=client["ExplicitAuthFlows"],
                                          RefreshTokenRotation={"Feature": "DISABLED"})["UserPoolClient"]
    assert updated["RefreshTokenRotation"] == {"Feature": "DISABLED"}


def test_rotation_returns_a_new_token_and_reuse_revokes_the_family(idp: Any, make_pool: Any, make_client: Any,
                                                                   make_user: Any, expect_error: Any) -> None:
    pool_id = make_pool()
    client = make_client(pool_id, RefreshTokenRotation=ROTATING, GenerateSecret=True)
    make_user(pool_id, "ann")
    first = signed_in_secret(idp, client)
    with expect_error("InvalidParameterException"):
        idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH",
                          AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]})
    second = rotate(idp, client, first["RefreshToken"])
    assert second["RefreshToken"] != first["RefreshToken"]
    assert idp.get_user(AccessToken=second["AccessToken"])["Username"] == "ann"
    third = rotate(idp, client, second["RefreshToken"])  # the successor rotates in turn
    # the first token, rotated out with no grace period, is a reuse: the family goes
    with expect_error("RefreshTokenReuseException"):
        rotate(idp, client, first["RefreshToken"])
    with expect_error("NotAuthorizedException", "Refresh Token has been revoked"):
        rotate(idp, client, third["RefreshToken"])
    with expect_error("NotAuthorizedException", "Access Token has been revoked"):
        idp.get_user(AccessToken=third["AccessToken"])
    # another sign-in starts a family of its own
    assert rotate(idp, client, signed_in_secret(idp, client)["RefreshToken"])["RefreshToken"]


def signed_in_secret(idp: Any, client: dict[str, Any]) -> dict[str, str]:
    secret_hash = compute_secret_hash(client["ClientSecret"], "ann", client["ClientId"])
    return dict(idp.initiate_auth(
        ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ann", "PASSWORD": PASSWORD, "SECRET_HASH": secret_hash})["AuthenticationResult"])


def test_grace_period_lets_a_retry_through(idp: Any, make_pool: Any, make_client: Any, make_user: Any,
                                           expect_error: Any) -> None:
    pool_id = make_pool()
    client = make_client(pool_id, RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 2})
    make_user(pool_id, "ann")
    first = signed_in(idp, client)
    rotate(idp, client, first["RefreshToken"])
    retried = rotate(idp, client, first["RefreshToken"])  # a client retry within the grace period
    assert retried["RefreshToken"]
    time.sleep(2.2)
    with expect_error("RefreshTokenReuseException"):
        rotate(idp, client, first["RefreshToken"])
    with expect_error("NotAuthorizedException", "Refresh Token has been revoked"):
        rotate(idp, client, retried["RefreshToken"])


def test_without_rotation_no_refresh_token_comes_back(idp: Any, make_pool: Any, make_client: Any,
                                                      make_user: Any) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    make_user(pool_id, "ann")
    first = signed_in(idp, client)
    again = rotate(idp, client, first["RefreshToken"])
    assert "RefreshToken" not in again
    assert rotate(idp, client, first["RefreshToken"])["AccessToken"]


@pytest.mark.node
def test_amplify_refreshes_through_rotation(server: Server, idp: Any, make_pool: Any, make_client: Any,
                                            make_user: Any) -> None:
    """Amplify v6 refreshes with GetTokensFromRefreshToken and keeps the rotated token: three forced
    refreshes in a row work only if it sends the newest refresh token each time."""
    pool_id = make_pool()
    client = make_client(pool_id, RefreshTokenRotation=ROTATING)
    make_user(pool_id, "ann")
    with amplify(server, pool_id, client["ClientId"]) as app:
        app.call("signIn", input={"username": "ann", "password": PASSWORD,
                                  "options": {"authFlowType": "USER_PASSWORD_AUTH"}})
        seen = set()
        for _ in range(3):
            tokens = app.call("tokens", forceRefresh=True)
            seen.add(tokens["accessToken"])
            assert idp.get_user(AccessToken=tokens["accessToken"])["Username"] == "ann"
        assert len(seen) == 3
