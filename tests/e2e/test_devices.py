"""Device tracking through boto3 and pycognito (issue 13): NewDeviceMetadata at sign-in,
ConfirmDevice with the verifier pycognito computes (and through pycognito's own confirm_device,
which posts with a Bearer header), DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER run by pycognito's
authenticate_user, a remembered device skipping MFA, refresh tokens bound to their device, and
the misuse cases: another user's device, a second confirmation, garbage verifiers, a wrong device
secret. The JavaScript clients are in test_devices_js.py."""

from __future__ import annotations

from typing import Any
from unittest import mock

import jwt
import pytest
import requests
from pycognito.aws_srp import AWSSRP, generate_hash_device

from tests.e2e.conftest import PASSWORD
from tests.e2e.mfa import Authenticator, with_totp
from tests.e2e.server import Server

REMEMBERED_AT_ONCE = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False}
SRP_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def password_sign_in(idp: Any, client: dict[str, Any], username: str = "ann", **parameters: str) -> dict[str, Any]:
    return dict(idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD, **parameters}))


def confirmed(idp: Any, result: dict[str, Any]) -> tuple[dict[str, str], str, bool]:
    """ConfirmDevice with the device secret pycognito's helper draws: (metadata, password, necessary)."""
    metadata = result["NewDeviceMetadata"]
    device_password, config = generate_hash_device(metadata["DeviceGroupKey"], metadata["DeviceKey"])
    answer = idp.confirm_device(AccessToken=result["AccessToken"], DeviceKey=metadata["DeviceKey"],
                                DeviceSecretVerifierConfig=config, DeviceName="Mozilla/5.0 " + "x" * 600)
    return metadata, device_password, answer["UserConfirmationNecessary"]


def device_srp(idp: Any, client: dict[str, Any], metadata: dict[str, str], device_password: str,
               username: str = "ann") -> dict[str, Any]:
    srp = AWSSRP(username=username, password=PASSWORD, pool_id=client["UserPoolId"], client_id=client["ClientId"],
                 client=idp, device_key=metadata["DeviceKey"], device_group_key=metadata["DeviceGroupKey"],
                 device_password=device_password)
    return dict(srp.authenticate_user())


def test_new_device_metadata_confirm_and_device_srp(idp: Any, make_pool: Any, make_client: Any, make_user: Any,
                                                    expect_error: Any) -> None:
    pool_id = make_pool(DeviceConfiguration=REMEMBERED_AT_ONCE)
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["DeviceConfiguration"] == REMEMBERED_AT_ONCE
    client = make_client(pool_id, ExplicitAuthFlows=SRP_FLOWS)
    make_user(pool_id, "ann")
    make_user(pool_id, "bob")
    first = password_sign_in(idp, client)["AuthenticationResult"]
    metadata = first["NewDeviceMetadata"]
    assert metadata["DeviceKey"].startswith(pool_id.split("_")[0] + "_")
    bob = password_sign_in(idp, client, "bob")["AuthenticationResult"]
    config = generate_hash_device(metadata["DeviceGroupKey"], metadata["DeviceKey"])[1]
    with expect_error("InvalidParameterException", "Invalid device key given."):  # not bob's device
        idp.confirm_device(AccessToken=bob["AccessToken"], DeviceKey=metadata["DeviceKey"],
                           DeviceSecretVerifierConfig=config)
    for garbage in ({"PasswordVerifier": "not base64!", "Salt": config["Salt"]},
                    {"PasswordVerifier": "AA==", "Salt": config["Salt"]},
                    {"PasswordVerifier": config["PasswordVerifier"], "Salt": "QQ==" * 40}):
        with expect_error("InvalidParameterException"):
            idp.confirm_device(AccessToken=first["AccessToken"], DeviceKey=metadata["DeviceKey"],
                               DeviceSecretVerifierConfig=garbage)
    metadata, device_password, necessary = confirmed(idp, first)
    assert necessary is False  # remembered at once
    with expect_error("DeviceKeyExistsException"):
        idp.confirm_device(AccessToken=first["AccessToken"], DeviceKey=metadata["DeviceKey"],
                           DeviceSecretVerifierConfig=config)
    tokens = device_srp(idp, client, metadata, device_password)["AuthenticationResult"]
    assert claims(tokens["AccessToken"])["device_key"] == metadata["DeviceKey"]
    assert "NewDeviceMetadata" not in tokens
    with expect_error("NotAuthorizedException", "Incorrect username or password."):
        device_srp(idp, client, metadata, "a-wrong-device-password")


def test_refresh_tokens_are_bound_to_their_device(idp: Any, make_pool: Any, make_client: Any, make_user: Any,
                                                  expect_error: Any) -> None:
    pool_id = make_pool(DeviceConfiguration=REMEMBERED_AT_ONCE)
    client = make_client(pool_id, ExplicitAuthFlows=SRP_FLOWS)
    make_user(pool_id, "ann")
    first = password_sign_in(idp, client)["AuthenticationResult"]
    refresh = {"REFRESH_TOKEN": first["RefreshToken"], "DEVICE_KEY": first["NewDeviceMetadata"]["DeviceKey"]}
    with expect_error("NotAuthorizedException", "Invalid Refresh Token"):  # not confirmed yet
        idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh)
    confirmed(idp, first)
    again = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh)
    assert claims(again["AuthenticationResult"]["AccessToken"])["device_key"] == refresh["DEVICE_KEY"]
    renewed = idp.get_tokens_from_refresh_token(ClientId=client["ClientId"], RefreshToken=first["RefreshToken"],
                                                DeviceKey=refresh["DEVICE_KEY"])
    assert renewed["AuthenticationResult"]["AccessToken"]
    with expect_error("NotAuthorizedException", "Invalid Refresh Token"):  # without its device
        idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH",
                          AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]})


def test_remembered_device_skips_mfa(idp: Any, make_pool: Any, make_client: Any, make_user: Any) -> None:
    pool_id = make_pool(DeviceConfiguration=REMEMBERED_AT_ONCE)
    client = make_client(pool_id, ExplicitAuthFlows=SRP_FLOWS)
    make_user(pool_id, "ann")
    app = _set_up_totp(idp, client)
    challenge = password_sign_in(idp, client)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    done = idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="SOFTWARE_TOKEN_MFA",
                                         Session=challenge["Session"],
                                         ChallengeResponses={"USERNAME": "ann", "SOFTWARE_TOKEN_MFA_CODE": app.code()})
    metadata, device_password, _ = confirmed(idp, done["AuthenticationResult"])
    # the remembered device: SRP, then the device's proof, and no TOTP code asked
    tokens = device_srp(idp, client, metadata, device_password)["AuthenticationResult"]
    assert claims(tokens["AccessToken"])["device_key"] == metadata["DeviceKey"]
    # without the device, the code is asked again
    assert password_sign_in(idp, client)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def _set_up_totp(idp: Any, client: dict[str, Any]) -> Authenticator:
    """ann registers a TOTP app while the pool's MFA is OPTIONAL, then the pool requires MFA."""
    pool_id = client["UserPoolId"]
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
                                 SoftwareTokenMfaConfiguration={"Enabled": True})
    access = password_sign_in(idp, client)["AuthenticationResult"]["AccessToken"]
    app = with_totp(idp, access)
    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username="ann",
                                      SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                 SoftwareTokenMfaConfiguration={"Enabled": True})
    return app


def test_pycognito_confirms_with_a_bearer_header(server: Server, idp: Any, make_pool: Any, make_client: Any,
                                                 make_user: Any) -> None:
    """pycognito's confirm_device posts to the AWS hostname with ``Authorization: Bearer``: the
    same request, sent to this server instead, is accepted (§11.2)."""
    pool_id = make_pool(DeviceConfiguration=REMEMBERED_AT_ONCE)
    client = make_client(pool_id, ExplicitAuthFlows=SRP_FLOWS)
    make_user(pool_id, "ann")
    srp = AWSSRP(username="ann", password=PASSWORD, pool_id=pool_id, client_id=client["ClientId"], client=idp)
    tokens = srp.authenticate_user()
    real_post = requests.post

    def to_this_server(url: str, **kwargs: Any) -> requests.Response:
        assert url.startswith("https://cognito-idp.")
        return real_post(server.url, **kwargs)

    with mock.patch("pycognito.aws_srp.requests.post", side_effect=to_this_server):
        response, device_password = srp.confirm_device(tokens)
    assert response.status_code == 200, response.text
    metadata = tokens["AuthenticationResult"]["NewDeviceMetadata"]
    again = device_srp(idp, client, metadata, device_password)
    assert claims(again["AuthenticationResult"]["AccessToken"])["device_key"] == metadata["DeviceKey"]


@pytest.mark.parametrize("tracking", [False, True])
def test_unknown_device_key_at_initiate_is_ignored(tracking: bool, idp: Any, make_pool: Any, make_client: Any,
                                                   make_user: Any, expect_error: Any) -> None:
    pool_id = make_pool(**({"DeviceConfiguration": REMEMBERED_AT_ONCE} if tracking else {}))
    client = make_client(pool_id, ExplicitAuthFlows=SRP_FLOWS)
    make_user(pool_id, "ann")
    result = password_sign_in(idp, client, DEVICE_KEY="us-east-1_00000000-0000-4000-8000-000000000000")
    assert ("NewDeviceMetadata" in result["AuthenticationResult"]) is tracking
    # in a challenge answer it is "Device does not exist.", and the same answer without it works
    srp = AWSSRP(username="ann", password=PASSWORD, pool_id=pool_id, client_id=client["ClientId"], client=idp)
    params = srp.get_auth_params()
    started = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    answer = srp.process_challenge(started["ChallengeParameters"], params)
    with expect_error("ResourceNotFoundException", "Device does not exist."):
        idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="PASSWORD_VERIFIER",
                                      ChallengeResponses={**answer, "DEVICE_KEY": "us-east-1_nope"})
    done = idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="PASSWORD_VERIFIER",
                                         ChallengeResponses=answer)
    assert done["AuthenticationResult"]["AccessToken"]
