"""Tokens that must stay dead (issue 9 item 11): refresh after AdminResetUserPassword (spec §3.7),
tokens across AdminDisableUser / AdminEnableUser (API reference: AdminDisableUser "revokes all
access tokens for the user"), and tokens of a deleted app client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.test_tokens import ACCESS_REVOKED, INVALID_ACCESS, INVALID_REFRESH, REFRESH_REVOKED, refresh


@pytest.fixture
def signed_in(make_pool: Any, make_client: Any, make_user: Any, sign_in: Any) -> Callable[[], dict[str, Any]]:
    """A fresh pool, client and user zoe (verified email), signed in."""

    def make() -> dict[str, Any]:
        pool_id = make_pool()
        client = make_client(pool_id)
        make_user(pool_id, "zoe", email="zoe@example.com", email_verified="true")
        return {**sign_in(client, "zoe")["AuthenticationResult"], "pool_id": pool_id, "client": client}

    return make


def test_refresh_is_refused_after_admin_reset_user_password(idp: Any, signed_in: Any, expect_error: Any) -> None:
    state = signed_in()
    idp.admin_reset_user_password(UserPoolId=state["pool_id"], Username="zoe")
    with expect_error("PasswordResetRequiredException", "Password reset required for the user"):
        refresh(idp, state["client"], state["RefreshToken"])
    with expect_error("PasswordResetRequiredException", "Password reset required for the user"):
        idp.get_user(AccessToken=state["AccessToken"])


def test_disabling_revokes_tokens_for_good(
    idp: Any, signed_in: Any, make_client: Any, sign_in: Any, expect_error: Any,
) -> None:
    state = signed_in()
    pool_id = state["pool_id"]
    plain = make_client(pool_id, EnableTokenRevocation=False)  # access tokens without origin_jti
    other = sign_in(plain, "zoe")["AuthenticationResult"]
    sessions = [(state["client"], state), (plain, other)]

    idp.admin_disable_user(UserPoolId=pool_id, Username="zoe")
    for client, tokens in sessions:
        with expect_error("NotAuthorizedException", "User is disabled."):
            idp.get_user(AccessToken=tokens["AccessToken"])
        with expect_error("NotAuthorizedException", "User is disabled."):
            refresh(idp, client, tokens["RefreshToken"])

    idp.admin_enable_user(UserPoolId=pool_id, Username="zoe")
    for client, tokens in sessions:
        with expect_error("NotAuthorizedException", ACCESS_REVOKED):
            idp.get_user(AccessToken=tokens["AccessToken"])
        with expect_error("NotAuthorizedException", REFRESH_REVOKED):
            refresh(idp, client, tokens["RefreshToken"])

    for client, _ in sessions:  # a new sign-in after re-enabling works at once, same second or not
        fresh = sign_in(client, "zoe")["AuthenticationResult"]
        assert idp.get_user(AccessToken=fresh["AccessToken"])["Username"] == "zoe"
        assert refresh(idp, client, fresh["RefreshToken"])["AccessToken"]


def test_tokens_of_a_deleted_app_client_are_refused(
    idp: Any, signed_in: Any, make_client: Any, sign_in: Any, expect_error: Any,
) -> None:
    state = signed_in()
    pool_id = state["pool_id"]
    plain = make_client(pool_id, EnableTokenRevocation=False)
    other = sign_in(plain, "zoe")["AuthenticationResult"]
    survivor = make_client(pool_id)
    kept = sign_in(survivor, "zoe")["AuthenticationResult"]

    for client in (state["client"], plain):
        idp.delete_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"])
    for tokens in (state, other):
        with expect_error("NotAuthorizedException", INVALID_ACCESS):
            idp.get_user(AccessToken=tokens["AccessToken"])
        with expect_error("NotAuthorizedException", INVALID_ACCESS):
            idp.update_user_attributes(AccessToken=tokens["AccessToken"],
                                       UserAttributes=[{"Name": "name", "Value": "Mallory"}])
        with expect_error("NotAuthorizedException", INVALID_REFRESH):  # through a client that still exists
            refresh(idp, survivor, tokens["RefreshToken"])
    assert idp.get_user(AccessToken=kept["AccessToken"])["Username"] == "zoe"
    assert refresh(idp, survivor, kept["RefreshToken"])["AccessToken"]
