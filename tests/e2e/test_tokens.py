"""Token use after sign-in (spec §3.3, §3.8, §6.5–6.7): access tokens on GetUser and the other
token-authorised operations, forged and foreign tokens, refresh, GlobalSignOut,
AdminUserGlobalSignOut, RevokeToken, ChangePassword and DeleteUser."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.e2e.conftest import PASSWORD

INVALID_ACCESS = "Invalid Access Token"
ACCESS_REVOKED = "Access Token has been revoked"
REFRESH_REVOKED = "Refresh Token has been revoked"
INVALID_REFRESH = "Invalid Refresh Token"
NEW_PASSWORD = "Battery-Staple-7"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def reencode(token: str, *, header: dict[str, Any] | None = None, claims: dict[str, Any] | None = None,
             signature: str | None = None) -> str:
    head, body, sig = token.split(".")
    if header is not None:
        head = b64url(json.dumps(header).encode())
    if claims is not None:
        body = b64url(json.dumps(claims).encode())
    return f"{head}.{body}.{sig if signature is None else signature}"


def payload(token: str) -> dict[str, Any]:
    return dict(json.loads(unb64url(token.split(".")[1])))


@pytest.fixture
def signed_in(make_pool: Any, make_client: Any, make_user: Any, sign_in: Any) -> Callable[..., dict[str, Any]]:
    """A fresh pool, client and user, signed in: the AuthenticationResult plus pool and client."""

    def make(**client_settings: Any) -> dict[str, Any]:
        pool_id = make_pool()
        client = make_client(pool_id, **client_settings)
        make_user(pool_id, "zoe", email="zoe@example.com", email_verified="true")
        result = dict(sign_in(client, "zoe")["AuthenticationResult"])
        return {**result, "pool_id": pool_id, "client": client}

    return make


def refresh(idp: Any, client: dict[str, Any], token: str, flow: str = "REFRESH_TOKEN_AUTH",
            **extra: str) -> dict[str, Any]:
    return dict(idp.initiate_auth(ClientId=client["ClientId"], AuthFlow=flow,
                                  AuthParameters={"REFRESH_TOKEN": token, **extra})["AuthenticationResult"])


# --- access tokens on GetUser -------------------------------------------------------------------


def test_get_user_with_a_valid_access_token(idp: Any, signed_in: Any) -> None:
    state = signed_in()
    user = idp.get_user(AccessToken=state["AccessToken"])
    assert user["Username"] == "zoe"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email"] == "zoe@example.com"
    assert attributes["sub"] == payload(state["AccessToken"])["sub"]


def test_tampered_access_tokens_are_invalid(idp: Any, make_user: Any, signed_in: Any, expect_error: Any) -> None:
    state = signed_in()
    make_user(state["pool_id"], "yan")
    token = state["AccessToken"]
    head, body, sig = token.split(".")
    middle = len(sig) // 2
    flipped_signature = sig[:middle] + ("A" if sig[middle] != "A" else "B") + sig[middle + 1:]
    other_user = reencode(token, claims={**payload(token), "username": "yan"})
    longer_life = reencode(token, claims={**payload(token), "exp": payload(token)["exp"] + 86400})
    for forged in (f"{head}.{body}.{flipped_signature}", other_user, longer_life, f"{head}.{body}", "not-a-token",
                   token + "x"):
        with expect_error("NotAuthorizedException", INVALID_ACCESS):
            idp.get_user(AccessToken=forged)


def test_alg_none_and_algorithm_confusion_are_refused(
    server: Any, idp: Any, signed_in: Any, expect_error: Any,
) -> None:
    state = signed_in()
    token = state["AccessToken"]
    kid = jwt.get_unverified_header(token)["kid"]
    unsigned = reencode(token, header={"kid": kid, "alg": "none"}, signature="")
    jwk = next(k for k in httpx.get(f"{server.url}/{state['pool_id']}/.well-known/jwks.json").json()["keys"]
               if k["kid"] == kid)
    public_pem = jwt.PyJWK(jwk).key.public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    hs_header = b64url(json.dumps({"kid": kid, "alg": "HS256"}).encode())
    signing_input = f"{hs_header}.{token.split('.')[1]}"
    hs256 = f"{signing_input}.{b64url(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())}"
    for forged in (unsigned, unsigned[:-1] if unsigned.endswith(".") else unsigned, hs256):
        with expect_error("NotAuthorizedException", INVALID_ACCESS):
            idp.get_user(AccessToken=forged)


def test_a_token_signed_with_a_key_the_pool_does_not_own_is_refused(
    idp: Any, signed_in: Any, expect_error: Any,
) -> None:
    state = signed_in()
    token = state["AccessToken"]
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = jwt.get_unverified_header(token)["kid"]
    for header_kid in (kid, "someone-elses-key"):
        forged = jwt.encode(payload(token), stranger, algorithm="RS256", headers={"kid": header_kid})
        with expect_error("NotAuthorizedException", INVALID_ACCESS):
            idp.get_user(AccessToken=forged)


def test_an_access_token_of_a_deleted_pool_is_refused(idp: Any, signed_in: Any, expect_error: Any) -> None:
    state = signed_in()
    idp.delete_user_pool(UserPoolId=state["pool_id"])
    with expect_error("NotAuthorizedException", INVALID_ACCESS):
        idp.get_user(AccessToken=state["AccessToken"])


def test_an_id_token_is_not_an_access_token(idp: Any, signed_in: Any, expect_error: Any) -> None:
    state = signed_in()
    with expect_error("NotAuthorizedException", INVALID_ACCESS):
        idp.get_user(AccessToken=state["IdToken"])
    with expect_error("NotAuthorizedException", INVALID_ACCESS):
        idp.global_sign_out(AccessToken=state["IdToken"])


# --- refresh (spec §3.3) ------------------------------------------------------------------------


def test_refresh_keeps_auth_time_and_origin_jti_with_new_jti(idp: Any, signed_in: Any, verify_token: Any) -> None:
    state = signed_in()
    client, pool_id = state["client"], state["pool_id"]
    first_id = verify_token(state["IdToken"], pool_id, audience=client["ClientId"])
    first_access = verify_token(state["AccessToken"], pool_id)

    for flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        renewed = refresh(idp, client, state["RefreshToken"], flow)
        assert "RefreshToken" not in renewed
        assert renewed["TokenType"] == "Bearer" and renewed["ExpiresIn"] == 3600
        id_claims = verify_token(renewed["IdToken"], pool_id, audience=client["ClientId"])
        access = verify_token(renewed["AccessToken"], pool_id)
        assert id_claims["auth_time"] == access["auth_time"] == first_id["auth_time"]
        assert id_claims["origin_jti"] == access["origin_jti"] == first_access["origin_jti"]
        assert id_claims["event_id"] == access["event_id"]
        assert id_claims["jti"] not in (first_id["jti"], first_access["jti"])
        assert access["jti"] not in (first_id["jti"], first_access["jti"])
        assert id_claims["cognito:username"] == access["username"] == "zoe"
        assert idp.get_user(AccessToken=renewed["AccessToken"])["Username"] == "zoe"

    admin = idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH",
                                    AuthParameters={"REFRESH_TOKEN": state["RefreshToken"]})
    assert admin["AuthenticationResult"]["AccessToken"]


def test_refresh_token_of_another_client_or_unknown(
    idp: Any, make_client: Any, signed_in: Any, expect_error: Any,
) -> None:
    state = signed_in()
    other = make_client(state["pool_id"])
    with expect_error("NotAuthorizedException", INVALID_REFRESH):
        refresh(idp, other, state["RefreshToken"])
    with expect_error("NotAuthorizedException", INVALID_REFRESH):
        refresh(idp, state["client"], "bm90LWEtcmVmcmVzaC10b2tlbi1hdC1hbGwtYnV0LWxvbmctZW5vdWdo")
    with expect_error("NotAuthorizedException", INVALID_REFRESH):
        refresh(idp, state["client"], state["AccessToken"])


def test_refresh_secret_hash_is_over_the_internal_username(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, secret_hash: Any, sign_in: Any,
    expect_error: Any,
) -> None:
    pool_id = make_pool(AliasAttributes=["email"])
    client = make_client(pool_id, GenerateSecret=True)
    make_user(pool_id, "yves", email="yves@example.com", email_verified="true")
    token = sign_in(client, "yves@example.com")["AuthenticationResult"]["RefreshToken"]
    client_id = client["ClientId"]

    missing = f"Client {client_id} is configured for secret but secret was not received"
    with expect_error("NotAuthorizedException", missing):
        refresh(idp, client, token)
    with expect_error("NotAuthorizedException", f"Unable to verify secret hash for client {client_id}"):
        refresh(idp, client, token, SECRET_HASH=secret_hash(client, "yves@example.com"))
    assert refresh(idp, client, token, SECRET_HASH=secret_hash(client, "yves"))["IdToken"]


def test_refresh_of_a_disabled_user(idp: Any, signed_in: Any, expect_error: Any) -> None:
    state = signed_in()
    idp.admin_disable_user(UserPoolId=state["pool_id"], Username="zoe")
    with expect_error("NotAuthorizedException", "User is disabled."):
        refresh(idp, state["client"], state["RefreshToken"])
    with expect_error("NotAuthorizedException", "User is disabled."):
        idp.get_user(AccessToken=state["AccessToken"])
    idp.admin_enable_user(UserPoolId=state["pool_id"], Username="zoe")
    # AdminDisableUser revoked the user's tokens: re-enabling does not bring them back.
    with expect_error("NotAuthorizedException", REFRESH_REVOKED):
        refresh(idp, state["client"], state["RefreshToken"])


def test_refresh_is_refused_when_the_flow_is_not_enabled(
    idp: Any, make_pool: Any, make_client: Any, make_user: Any, sign_in: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    make_user(pool_id, "xena")
    no_refresh = make_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"])
    token = sign_in(no_refresh, "xena")["AuthenticationResult"]["RefreshToken"]
    with expect_error("InvalidParameterException", "REFRESH_TOKEN_AUTH flow not enabled for this client"):
        refresh(idp, no_refresh, token)


# --- sign-out and revocation (spec §6.7) ----------------------------------------------------------


def test_global_sign_out_revokes_access_and_refresh_tokens(
    idp: Any, signed_in: Any, sign_in: Any, expect_error: Any,
) -> None:
    state = signed_in()
    client = state["client"]
    renewed = refresh(idp, client, state["RefreshToken"])

    idp.global_sign_out(AccessToken=state["AccessToken"])

    for access in (state["AccessToken"], renewed["AccessToken"]):
        with expect_error("NotAuthorizedException", ACCESS_REVOKED):
            idp.get_user(AccessToken=access)
    with expect_error("NotAuthorizedException", ACCESS_REVOKED):
        idp.global_sign_out(AccessToken=state["AccessToken"])
    with expect_error("NotAuthorizedException", REFRESH_REVOKED):
        refresh(idp, client, state["RefreshToken"])

    fresh = sign_in(client, "zoe")["AuthenticationResult"]
    assert idp.get_user(AccessToken=fresh["AccessToken"])["Username"] == "zoe"
    assert refresh(idp, client, fresh["RefreshToken"])["AccessToken"]


def test_admin_user_global_sign_out(idp: Any, signed_in: Any, sign_in: Any, expect_error: Any) -> None:
    state = signed_in()
    second = sign_in(state["client"], "zoe")["AuthenticationResult"]

    idp.admin_user_global_sign_out(UserPoolId=state["pool_id"], Username="zoe")

    for result in (state, second):
        with expect_error("NotAuthorizedException", ACCESS_REVOKED):
            idp.get_user(AccessToken=result["AccessToken"])
        with expect_error("NotAuthorizedException", REFRESH_REVOKED):
            refresh(idp, state["client"], result["RefreshToken"])
    fresh = sign_in(state["client"], "zoe")["AuthenticationResult"]
    assert idp.get_user(AccessToken=fresh["AccessToken"])["Username"] == "zoe"


def test_revoke_token_revokes_one_family_only(idp: Any, signed_in: Any, sign_in: Any, expect_error: Any) -> None:
    state = signed_in()
    client = state["client"]
    renewed = refresh(idp, client, state["RefreshToken"])
    other = sign_in(client, "zoe")["AuthenticationResult"]

    idp.revoke_token(Token=state["RefreshToken"], ClientId=client["ClientId"])

    for access in (state["AccessToken"], renewed["AccessToken"]):
        with expect_error("NotAuthorizedException", ACCESS_REVOKED):
            idp.get_user(AccessToken=access)
    with expect_error("NotAuthorizedException", REFRESH_REVOKED):
        refresh(idp, client, state["RefreshToken"])
    assert idp.get_user(AccessToken=other["AccessToken"])["Username"] == "zoe"
    assert refresh(idp, client, other["RefreshToken"])["AccessToken"]
    idp.revoke_token(Token=state["RefreshToken"], ClientId=client["ClientId"])  # again: silently fine
    idp.revoke_token(Token="bm90LWEtcmVmcmVzaC10b2tlbi1hdC1hbGwtYnV0LWxvbmctZW5vdWdo", ClientId=client["ClientId"])


def _other_last_character(secret: str) -> str:
    """The secret with its last character changed (to "x", or "y" if it was "x")."""
    return secret[:-1] + ("y" if secret.endswith("x") else "x")


def test_revoke_token_refusals(
    idp: Any, make_client: Any, make_user: Any, signed_in: Any, sign_in: Any, expect_error: Any,
) -> None:
    state = signed_in(GenerateSecret=True)
    client = state["client"]
    client_id, secret = client["ClientId"], client["ClientSecret"]
    with expect_error("UnsupportedTokenTypeException"):
        idp.revoke_token(Token=state["AccessToken"], ClientId=client_id, ClientSecret=secret)
    with expect_error("UnsupportedTokenTypeException"):
        idp.revoke_token(Token=state["IdToken"], ClientId=client_id, ClientSecret=secret)
    with expect_error("UnauthorizedException"):
        idp.revoke_token(Token=state["RefreshToken"], ClientId=client_id, ClientSecret=_other_last_character(secret))
    with expect_error("UnauthorizedException"):
        idp.revoke_token(Token=state["RefreshToken"], ClientId=client_id)
    other = make_client(state["pool_id"])
    with expect_error("UnauthorizedException"):
        idp.revoke_token(Token=state["RefreshToken"], ClientId=other["ClientId"])
    assert idp.get_user(AccessToken=state["AccessToken"])["Username"] == "zoe"

    no_revocation = make_client(state["pool_id"], EnableTokenRevocation=False)
    result = sign_in(no_revocation, "zoe")["AuthenticationResult"]
    assert "origin_jti" not in payload(result["AccessToken"])
    with expect_error("UnsupportedOperationException"):
        idp.revoke_token(Token=result["RefreshToken"], ClientId=no_revocation["ClientId"])


# --- the account itself -----------------------------------------------------------------------------


def test_change_password(idp: Any, signed_in: Any, sign_in: Any, expect_error: Any) -> None:
    state = signed_in()
    client = state["client"]
    with expect_error("NotAuthorizedException", "Incorrect username or password."):
        idp.change_password(PreviousPassword="Wrong-Password-1", ProposedPassword=NEW_PASSWORD,
                            AccessToken=state["AccessToken"])
    with expect_error("InvalidPasswordException", match="Password did not conform with policy"):
        idp.change_password(PreviousPassword=PASSWORD, ProposedPassword="short", AccessToken=state["AccessToken"])

    idp.change_password(PreviousPassword=PASSWORD, ProposedPassword=NEW_PASSWORD, AccessToken=state["AccessToken"])

    with expect_error("NotAuthorizedException", "Incorrect username or password."):
        sign_in(client, "zoe", PASSWORD)
    assert sign_in(client, "zoe", NEW_PASSWORD)["AuthenticationResult"]["AccessToken"]


def test_delete_user(idp: Any, signed_in: Any, sign_in: Any, expect_error: Any) -> None:
    state = signed_in()
    idp.delete_user(AccessToken=state["AccessToken"])
    with expect_error("UserNotFoundException", "User does not exist."):
        sign_in(state["client"], "zoe")
    with expect_error("UserNotFoundException"):
        idp.get_user(AccessToken=state["AccessToken"])
    with expect_error("NotAuthorizedException"):
        refresh(idp, state["client"], state["RefreshToken"])


def test_tokens_of_a_deleted_user_do_not_reach_a_new_user_of_the_same_name(
    idp: Any, make_user: Any, signed_in: Any, sign_in: Any, expect_error: Any,
) -> None:
    state = signed_in()
    idp.admin_delete_user(UserPoolId=state["pool_id"], Username="zoe")
    with expect_error("UserNotFoundException"):
        idp.get_user(AccessToken=state["AccessToken"])
    with expect_error("NotAuthorizedException", INVALID_REFRESH):
        refresh(idp, state["client"], state["RefreshToken"])

    make_user(state["pool_id"], "zoe")
    with expect_error("UserNotFoundException"):
        idp.get_user(AccessToken=state["AccessToken"])
    with expect_error("NotAuthorizedException", INVALID_REFRESH):
        refresh(idp, state["client"], state["RefreshToken"])
    assert sign_in(state["client"], "zoe")["AuthenticationResult"]["AccessToken"]
