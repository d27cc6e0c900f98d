"""Access-token checks that need the server's own keys or its clock (spec §3.8, §6.1, §6.7):
a token signed with another pool's key, a token whose use does not match its key, and
GlobalSignOut's cut-off for clients without token revocation."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from tests.auth.conftest import Harness, refused
from userpool.auth import account
from userpool.crypto import jwt as userpool_jwt
from userpool.model.errors import NotAuthorizedException


def claims_of(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_a_token_signed_with_another_pools_key_is_invalid(harness: Harness) -> None:
    pool_a, pool_b = harness.pool(), harness.pool()
    client_a, client_b = harness.client(pool_a), harness.client(pool_b)
    harness.user(pool_a, "amy")
    harness.user(pool_b, "amy")
    token_a = harness.sign_in(client_a, "amy")["AuthenticationResult"]["AccessToken"]
    token_b = harness.sign_in(client_b, "amy")["AuthenticationResult"]["AccessToken"]
    assert harness.get_user(token_a)["Username"] == harness.get_user(token_b)["Username"] == "amy"

    # B's genuine key, claims that say pool A (its issuer, user and sub).
    kid, key = harness.auth.keys.signer(pool_b, "access")
    forged = userpool_jwt.sign(claims_of(token_a), key, kid)
    with refused(NotAuthorizedException, "Invalid Access Token"):
        harness.get_user(forged)
    # And A's claims with B's kid but a signature by A's key: the kid is not A's.
    kid_a, key_a = harness.auth.keys.signer(pool_a, "access")
    assert harness.get_user(userpool_jwt.sign(claims_of(token_a), key_a, kid_a))["Username"] == "amy"
    with refused(NotAuthorizedException, "Invalid Access Token"):
        harness.get_user(userpool_jwt.sign(claims_of(token_a), key_a, kid))


def test_an_access_token_needs_the_admin_scope(harness: Harness) -> None:
    pool_id = harness.pool()
    client = harness.client(pool_id)
    harness.user(pool_id, "bo")
    token = harness.sign_in(client, "bo")["AuthenticationResult"]["AccessToken"]
    kid, key = harness.auth.keys.signer(pool_id, "access")
    narrowed = userpool_jwt.sign({**claims_of(token), "scope": "openid email"}, key, kid)
    with refused(NotAuthorizedException, "Access Token does not have required scopes"):
        harness.get_user(narrowed)


def test_global_sign_out_cuts_off_tokens_without_origin_jti_by_time(harness: Harness) -> None:
    pool_id = harness.pool()
    client = harness.client(pool_id, EnableTokenRevocation=False)
    harness.user(pool_id, "cy")
    harness.clock.advance(0.2)
    before = harness.sign_in(client, "cy")["AuthenticationResult"]
    assert "origin_jti" not in claims_of(before["AccessToken"])
    harness.clock.advance(10)
    account.global_sign_out(harness.auth, {"AccessToken": before["AccessToken"]})
    with refused(NotAuthorizedException, "Access Token has been revoked"):
        harness.get_user(before["AccessToken"])
    with refused(NotAuthorizedException, "Refresh Token has been revoked"):
        harness.refresh(client, before["RefreshToken"])
    harness.clock.advance(1)
    after = harness.sign_in(client, "cy")["AuthenticationResult"]
    assert harness.get_user(after["AccessToken"])["Username"] == "cy"


def test_a_sign_in_in_the_same_second_after_global_sign_out_works(harness: Harness) -> None:
    pool_id = harness.pool()
    client = harness.client(pool_id, EnableTokenRevocation=False)
    harness.user(pool_id, "di")
    harness.clock.advance(0.2)
    before = harness.sign_in(client, "di")["AuthenticationResult"]
    harness.clock.advance(0.3)
    account.global_sign_out(harness.auth, {"AccessToken": before["AccessToken"]})
    harness.clock.advance(0.3)
    after = harness.sign_in(client, "di")["AuthenticationResult"]
    assert harness.get_user(after["AccessToken"])["Username"] == "di"
    with pytest.raises(NotAuthorizedException, match="Access Token has been revoked"):
        harness.get_user(before["AccessToken"])
