"""Device tracking through boto3 and pycognito (issue 13): NewDeviceMetadata at sign-in,
ConfirmDevice with the verifier pycognito computes (and through pycognito's own confirm_device,
which posts with a Bearer header), DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER run by pycognito's
authenticate_user, a remembered device skipping MFA, refresh tokens bound to their device, and
the misuse cases: another user's device, a second confirmation, garbage verifiers, a wrong device
secret. The JavaScript clients are in test_devices_js.py."""

from __future__ import annotations

import base64
from typing import Any
from unittest import mock

import jwt
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from botocore.session import get_session
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
                    {"PasswordVerifier": config["PasswordVerifier"], "Salt": "QQ==" * 40},
                    # the right verifier behind 600 zero bytes: its value, but no client's PAD(dv)
                    {"PasswordVerifier": base64.b64encode(b"\0" * 600 + base64.b64decode(config["PasswordVerifier"]))
                     .decode(), "Salt": config["Salt"]}):
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


def test_device_operations(idp: Any, make_pool: Any, make_client: Any, make_user: Any, expect_error: Any) -> None:
    """Get / List / UpdateDeviceStatus / ForgetDevice for the user and the admin: the user sees
    remembered devices only, the admin every confirmed one; nobody reaches another user's device;
    forgetting a device ends the refresh tokens issued on it, not the access token in use."""
    prompt = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True}
    pool_id = make_pool(DeviceConfiguration=prompt)
    client = make_client(pool_id, ExplicitAuthFlows=SRP_FLOWS)
    make_user(pool_id, "ann")
    make_user(pool_id, "bob")
    results = [password_sign_in(idp, client)["AuthenticationResult"] for _ in range(3)]
    keys = []
    for result in results:
        metadata, _, necessary = confirmed(idp, result)
        assert necessary is True  # DeviceOnlyRememberedOnUserPrompt: remembered only when asked
        keys.append(metadata["DeviceKey"])
    access = results[-1]["AccessToken"]
    bob = password_sign_in(idp, client, "bob")["AuthenticationResult"]
    assert idp.list_devices(AccessToken=access)["Devices"] == []  # none remembered yet
    with expect_error("ResourceNotFoundException", "Device does not exist."):
        idp.get_device(AccessToken=access, DeviceKey=keys[0])
    for key in keys[:2]:
        idp.update_device_status(AccessToken=access, DeviceKey=key, DeviceRememberedStatus="remembered")
    device = idp.get_device(AccessToken=access, DeviceKey=keys[0])["Device"]
    attributes = {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}
    assert attributes["dev:device_remembered_status"] == "remembered"
    assert attributes["device_status"] == "valid" and attributes["device_name"].startswith("Mozilla/5.0 ")
    assert {"DeviceCreateDate", "DeviceLastModifiedDate"} <= device.keys()
    first = idp.list_devices(AccessToken=access, Limit=1)
    rest = idp.list_devices(AccessToken=access, Limit=1, PaginationToken=first["PaginationToken"])
    assert [d["DeviceKey"] for d in first["Devices"] + rest["Devices"]] == sorted(keys[:2])
    assert "PaginationToken" not in rest
    listed = idp.admin_list_devices(UserPoolId=pool_id, Username="ann")["Devices"]
    assert sorted(d["DeviceKey"] for d in listed) == sorted(keys)  # the admin sees the third one too
    assert idp.admin_get_device(UserPoolId=pool_id, Username="ann", DeviceKey=keys[2])["Device"]["DeviceKey"] == keys[2]
    # another user's device is nobody's business
    for call in (lambda: idp.get_device(AccessToken=bob["AccessToken"], DeviceKey=keys[0]),
                 lambda: idp.update_device_status(AccessToken=bob["AccessToken"], DeviceKey=keys[0],
                                                  DeviceRememberedStatus="not_remembered"),
                 lambda: idp.forget_device(AccessToken=bob["AccessToken"], DeviceKey=keys[0]),
                 lambda: idp.admin_get_device(UserPoolId=pool_id, Username="bob", DeviceKey=keys[0])):
        with expect_error("ResourceNotFoundException", "Device does not exist."):
            call()
    idp.admin_update_device_status(UserPoolId=pool_id, Username="ann", DeviceKey=keys[1],
                                   DeviceRememberedStatus="not_remembered")
    assert [d["DeviceKey"] for d in idp.list_devices(AccessToken=access)["Devices"]] == [keys[0]]
    # forgetting: the device goes, with the refresh tokens issued on it
    refresh = {"REFRESH_TOKEN": results[0]["RefreshToken"], "DEVICE_KEY": keys[0]}
    assert idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh)
    idp.forget_device(AccessToken=access, DeviceKey=keys[0])
    with expect_error("NotAuthorizedException"):
        idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh)
    with expect_error("ResourceNotFoundException", "Device does not exist."):  # the access token still works
        idp.update_device_status(AccessToken=access, DeviceKey=keys[0], DeviceRememberedStatus="remembered")
    idp.forget_device(AccessToken=access, DeviceKey=keys[2])
    idp.admin_forget_device(UserPoolId=pool_id, Username="ann", DeviceKey=keys[1])
    assert idp.admin_list_devices(UserPoolId=pool_id, Username="ann")["Devices"] == []


def test_pycognito_remembers_and_forgets(server: Server, idp: Any, make_pool: Any, make_client: Any,
                                         make_user: Any) -> None:
    """pycognito's update_device_status and forget_device (Bearer header, AWS hostname) against this
    server."""
    pool_id = make_pool(DeviceConfiguration={"DeviceOnlyRememberedOnUserPrompt": True})
    client = make_client(pool_id, ExplicitAuthFlows=SRP_FLOWS)
    make_user(pool_id, "ann")
    srp = AWSSRP(username="ann", password=PASSWORD, pool_id=pool_id, client_id=client["ClientId"], client=idp)
    tokens = srp.authenticate_user()
    access, key = tokens["AuthenticationResult"]["AccessToken"], tokens["AuthenticationResult"]["NewDeviceMetadata"]
    real_post = requests.post
    with mock.patch("pycognito.aws_srp.requests.post", side_effect=lambda url, **kw: real_post(server.url, **kw)):
        response, _ = srp.confirm_device(tokens)
        assert response.status_code == 200
        assert "200" in srp.update_device_status(True, access, key["DeviceKey"])
        assert [d["DeviceKey"] for d in idp.list_devices(AccessToken=access)["Devices"]] == [key["DeviceKey"]]
        assert "200" in srp.forget_device(access, key["DeviceKey"])
    assert idp.admin_list_devices(UserPoolId=pool_id, Username="ann")["Devices"] == []


def test_get_and_forget_device_without_an_access_token(server: Server, idp: Any, make_pool: Any, make_client: Any,
                                                       make_user: Any, expect_error: Any) -> None:
    """GetDevice and ForgetDevice declare AccessToken optional: a call without one is a Cognito
    error (400), not a 500, and the device is untouched."""
    pool_id = make_pool(DeviceConfiguration=REMEMBERED_AT_ONCE)
    client = make_client(pool_id, ExplicitAuthFlows=SRP_FLOWS)
    make_user(pool_id, "ann")
    metadata = confirmed(idp, password_sign_in(idp, client)["AuthenticationResult"])[0]
    anonymous = get_session().create_client("cognito-idp", region_name="us-east-1", endpoint_url=server.url,
                                            config=Config(signature_version=UNSIGNED))
    for call in (anonymous.get_device, anonymous.forget_device):
        with expect_error("InvalidParameterException", "Missing required parameter AccessToken"):
            call(DeviceKey=metadata["DeviceKey"])
    assert [d["DeviceKey"] for d in idp.admin_list_devices(UserPoolId=pool_id, Username="ann")["Devices"]] == \
        [metadata["DeviceKey"]]


def test_device_configuration_updated_is_echoed_and_used(idp: Any, make_pool: Any, make_client: Any,
                                                        make_user: Any) -> None:
    """UpdateUserPool's DeviceConfiguration is what DescribeUserPool shows and what the next
    ConfirmDevice reads: asked to prompt, the device waits to be remembered."""
    pool_id = make_pool(DeviceConfiguration=REMEMBERED_AT_ONCE)
    client = make_client(pool_id, ExplicitAuthFlows=SRP_FLOWS)
    make_user(pool_id, "ann")
    signed_in = password_sign_in(idp, client)["AuthenticationResult"]
    prompt = {"ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": True}
    idp.update_user_pool(UserPoolId=pool_id, DeviceConfiguration=prompt)
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["DeviceConfiguration"] == prompt
    metadata, _, necessary = confirmed(idp, signed_in)
    assert necessary is True
    assert idp.list_devices(AccessToken=signed_in["AccessToken"])["Devices"] == []
    idp.update_device_status(AccessToken=signed_in["AccessToken"], DeviceKey=metadata["DeviceKey"],
                             DeviceRememberedStatus="remembered")
    assert [d["DeviceKey"] for d in idp.list_devices(AccessToken=signed_in["AccessToken"])["Devices"]] == \
        [metadata["DeviceKey"]]
