"""What only a clock can show (spec §2.5, §2.6, §3.1, §3.3, §6): temporary passwords, challenge
sessions, access tokens and refresh tokens expire exactly when their validity ends."""

from __future__ import annotations

import jwt
import pytest

from tests.auth.conftest import Harness, refused
from userpool.directory import users
from userpool.model.errors import NotAuthorizedException

DAY = 86400.0
TEMPORARY = "Temporary-Pass-1"
NEW_PASSWORD = "Battery-Staple-7"


def test_temporary_password_expires_after_its_validity_days(harness: Harness) -> None:
    pool_id = harness.pool(Policies={"PasswordPolicy": {"MinimumLength": 8, "TemporaryPasswordValidityDays": 1}})
    client = harness.client(pool_id)
    harness.user(pool_id, "early", TEMPORARY, temporary=True)
    harness.user(pool_id, "late", TEMPORARY, temporary=True)

    harness.clock.advance(DAY - 1)
    assert harness.sign_in(client, "early", TEMPORARY)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    harness.clock.advance(DAY + 1)
    with refused(NotAuthorizedException, "Temporary password has expired and must be reset by an administrator."):
        harness.sign_in(client, "late", TEMPORARY)
    with refused(NotAuthorizedException, "Incorrect username or password."):
        harness.sign_in(client, "late", "Wrong-Password-1")

    users.admin_set_user_password(harness.rt, {"UserPoolId": pool_id, "Username": "late", "Password": TEMPORARY,
                                               "Permanent": False})
    assert harness.sign_in(client, "late", TEMPORARY)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_temporary_password_validity_defaults_to_seven_days(harness: Harness) -> None:
    pool_id = harness.pool()
    client = harness.client(pool_id)
    harness.user(pool_id, "kai", TEMPORARY, temporary=True)
    harness.clock.advance(7 * DAY - 1)
    assert harness.sign_in(client, "kai", TEMPORARY)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    harness.clock.advance(1)
    with refused(NotAuthorizedException, "Temporary password has expired and must be reset by an administrator."):
        harness.sign_in(client, "kai", TEMPORARY)


@pytest.mark.parametrize("minutes", [3, 15])
def test_challenge_session_expires_after_auth_session_validity(harness: Harness, minutes: int) -> None:
    pool_id = harness.pool()
    client = harness.client(pool_id, AuthSessionValidity=minutes)
    harness.user(pool_id, "lea", TEMPORARY, temporary=True)
    harness.user(pool_id, "max", TEMPORARY, temporary=True)
    lea = harness.sign_in(client, "lea", TEMPORARY)["Session"]
    max_ = harness.sign_in(client, "max", TEMPORARY)["Session"]

    harness.clock.advance(minutes * 60 - 1)
    answer = harness.respond(client, "NEW_PASSWORD_REQUIRED", lea, USERNAME="lea", NEW_PASSWORD=NEW_PASSWORD)
    assert answer["AuthenticationResult"]["AccessToken"]
    harness.clock.advance(1)
    with refused(NotAuthorizedException, "Invalid session for the user, session is expired."):
        harness.respond(client, "NEW_PASSWORD_REQUIRED", max_, USERNAME="max", NEW_PASSWORD=NEW_PASSWORD)


def test_access_token_expires_after_its_validity(harness: Harness) -> None:
    pool_id = harness.pool()
    client = harness.client(pool_id, AccessTokenValidity=10, TokenValidityUnits={"AccessToken": "minutes"})
    harness.user(pool_id, "nia")
    result = harness.sign_in(client, "nia")["AuthenticationResult"]
    assert result["ExpiresIn"] == 600

    harness.clock.advance(599)
    assert harness.get_user(result["AccessToken"])["Username"] == "nia"
    harness.clock.advance(1)
    with refused(NotAuthorizedException, "Access Token has expired"):
        harness.get_user(result["AccessToken"])
    renewed = harness.refresh(client, result["RefreshToken"])["AuthenticationResult"]
    assert harness.get_user(renewed["AccessToken"])["Username"] == "nia"


def test_refresh_token_expires_after_its_validity(harness: Harness) -> None:
    pool_id = harness.pool()
    client = harness.client(pool_id, RefreshTokenValidity=60, TokenValidityUnits={"RefreshToken": "minutes"})
    harness.user(pool_id, "oli")
    token = harness.sign_in(client, "oli")["AuthenticationResult"]["RefreshToken"]

    harness.clock.advance(3599)
    assert harness.refresh(client, token)["AuthenticationResult"]["IdToken"]
    harness.clock.advance(1)
    with refused(NotAuthorizedException, "Refresh Token has expired"):
        harness.refresh(client, token)
    assert harness.sign_in(client, "oli")["AuthenticationResult"]["RefreshToken"]


def test_refresh_keeps_the_original_auth_time_hours_later(harness: Harness) -> None:
    pool_id = harness.pool()
    client = harness.client(pool_id)
    harness.user(pool_id, "pam")
    first = harness.sign_in(client, "pam")["AuthenticationResult"]
    harness.clock.advance(5 * 3600)
    renewed = harness.refresh(client, first["RefreshToken"])["AuthenticationResult"]
    before = jwt.decode(first["IdToken"], options={"verify_signature": False})
    after = jwt.decode(renewed["IdToken"], options={"verify_signature": False, "verify_exp": False})
    assert after["auth_time"] == before["auth_time"] == int(before["iat"])
    assert after["iat"] == before["iat"] + 5 * 3600
    assert after["exp"] - after["iat"] == 3600
    assert after["origin_jti"] == before["origin_jti"]
