"""Device tracking through the JavaScript clients (issue 13), unmodified from the npm registry:
amazon-cognito-identity-js confirms the device minted at sign-in by itself, keeps its key and
password in its storage and, at the next sign-in, answers DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER
by itself; with a wrong device password that step is refused. Amplify v6 does the same, and on a
remembered device of an MFA pool is not asked for a code, while a new device is."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from tests.e2e.conftest import PASSWORD
from tests.e2e.mfa import Authenticator, with_totp
from tests.e2e.node import JsError, NodeClient, amplify, cognito_identity_js
from tests.e2e.server import Server

pytestmark = pytest.mark.node

REMEMBERED_AT_ONCE = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False}
DONE = {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}


def device_key_of(tokens: dict[str, str]) -> str | None:
    key = jwt.decode(tokens["accessToken"], options={"verify_signature": False}).get("device_key")
    return str(key) if key else None


def stored(js: NodeClient, client_id: str, username: str, item: str) -> str | None:
    value = js.call("storage").get(f"CognitoIdentityServiceProvider.{client_id}.{username}.{item}")
    return str(value) if value is not None else None


def mfa_pool_with_totp(idp: Any, make_pool: Any, make_client: Any, make_user: Any) -> tuple[str, str, Authenticator]:
    pool_id = make_pool(DeviceConfiguration=REMEMBERED_AT_ONCE)
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
                                 SoftwareTokenMfaConfiguration={"Enabled": True})
    client_id = make_client(pool_id)["ClientId"]
    make_user(pool_id, "ann")
    access = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "ann", "PASSWORD": PASSWORD})["AuthenticationResult"]
    app = with_totp(idp, access["AccessToken"])
    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username="ann",
                                      SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                 SoftwareTokenMfaConfiguration={"Enabled": True})
    return pool_id, client_id, app


def test_cognito_identity_js_remembers_and_uses_its_device(server: Server, idp: Any, make_pool: Any,
                                                           make_client: Any, make_user: Any) -> None:
    pool_id = make_pool(DeviceConfiguration=REMEMBERED_AT_ONCE)
    client_id = make_client(pool_id)["ClientId"]
    make_user(pool_id, "ann")
    with cognito_identity_js(server, pool_id, client_id) as js:
        first = js.call("authenticateUser", username="ann", password=PASSWORD)
        assert first["callback"] == "onSuccess", first
        key = stored(js, client_id, "ann", "deviceKey")
        assert key is not None and device_key_of(first["args"][0]) == key  # confirmed by the library
        assert stored(js, client_id, "ann", "randomPasswordKey")
        # the next sign-in presents the device and proves its secret (DEVICE_SRP_AUTH by itself)
        again = js.call("authenticateUser", username="ann", password=PASSWORD)
        assert again["callback"] == "onSuccess", again
        assert device_key_of(again["args"][0]) == key
        assert stored(js, client_id, "ann", "deviceKey") == key  # no new device minted
        # a wrong device password: the device step is refused
        js.call("setStorageItem", key=f"CognitoIdentityServiceProvider.{client_id}.ann.randomPasswordKey",
                value="bm90IHRoZSBkZXZpY2UgcGFzc3dvcmQ=")
        refused = js.call("authenticateUser", username="ann", password=PASSWORD)
        assert refused["callback"] == "onFailure", refused
        assert refused["args"][0]["code"] == "NotAuthorizedException"


def test_cognito_identity_js_skips_mfa_on_the_remembered_device(server: Server, idp: Any, make_pool: Any,
                                                                make_client: Any, make_user: Any) -> None:
    pool_id, client_id, app = mfa_pool_with_totp(idp, make_pool, make_client, make_user)
    with cognito_identity_js(server, pool_id, client_id) as js:
        asked = js.call("authenticateUser", username="ann", password=PASSWORD)
        assert asked["callback"] == "totpRequired", asked
        done = js.call("sendMFACode", code=app.code(), mfaType="SOFTWARE_TOKEN_MFA")
        assert done["callback"] == "onSuccess", done
        key = stored(js, client_id, "ann", "deviceKey")
        assert key is not None
        again = js.call("authenticateUser", username="ann", password=PASSWORD)
        assert again["callback"] == "onSuccess", again  # no code asked on the remembered device
        assert device_key_of(again["args"][0]) == key
    with cognito_identity_js(server, pool_id, client_id) as other:  # another device: a code again
        assert other.call("authenticateUser", username="ann", password=PASSWORD)["callback"] == "totpRequired"


def test_amplify_remembered_device_skips_mfa_new_device_does_not(server: Server, idp: Any, make_pool: Any,
                                                                 make_client: Any, make_user: Any) -> None:
    pool_id, client_id, app = mfa_pool_with_totp(idp, make_pool, make_client, make_user)
    with amplify(server, pool_id, client_id) as device:
        step = device.call("signIn", input={"username": "ann", "password": PASSWORD})
        assert step["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_TOTP_CODE", step
        assert device.call("confirmSignIn", input={"challengeResponse": app.code()}) == DONE
        key = device_key_of(device.call("tokens"))
        assert key is not None
        device.call("signOut")
        assert device.call("signIn", input={"username": "ann", "password": PASSWORD}) == DONE  # no code
        assert device_key_of(device.call("tokens")) == key
        with amplify(server, pool_id, client_id) as new_device:
            step = new_device.call("signIn", input={"username": "ann", "password": PASSWORD})
            assert step["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_TOTP_CODE", step
            with pytest.raises(JsError):
                new_device.call("confirmSignIn", input={"challengeResponse": Authenticator.wrong(app.code())})


def test_cognito_identity_js_device_calls(server: Server, idp: Any, make_pool: Any, make_client: Any,
                                          make_user: Any) -> None:
    """setDeviceStatusRemembered, listDevices, getDevice, forgetDevice as an app calls them."""
    pool_id = make_pool(DeviceConfiguration={"ChallengeRequiredOnNewDevice": True,
                                             "DeviceOnlyRememberedOnUserPrompt": True})
    client_id = make_client(pool_id)["ClientId"]
    make_user(pool_id, "ann")
    with cognito_identity_js(server, pool_id, client_id) as js:
        first = js.call("authenticateUser", username="ann", password=PASSWORD)
        assert first["callback"] == "onSuccess" and first["args"][1] is True, first  # UserConfirmationNecessary
        key = stored(js, client_id, "ann", "deviceKey")
        assert js.call("listDevices", limit=10)["Devices"] == []
        assert js.call("setDeviceStatusRemembered") == "SUCCESS"
        listed = js.call("listDevices", limit=10)
        assert [d["DeviceKey"] for d in listed["Devices"]] == [key]
        device = js.call("getDevice")["Device"]
        attributes = {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}
        assert attributes["dev:device_remembered_status"] == "remembered"
        assert js.call("forgetDevice") == "SUCCESS"
        assert idp.admin_list_devices(UserPoolId=pool_id, Username="ann")["Devices"] == []
        # the next sign-in: the forgotten key is refused in the answer, the library retries
        # without it and gets a new device (spec §2.4 "Device does not exist.")
        again = js.call("authenticateUser", username="ann", password=PASSWORD)
        assert again["callback"] == "onSuccess", again
        assert stored(js, client_id, "ann", "deviceKey") not in (None, key)


def test_amplify_device_calls(server: Server, idp: Any, make_pool: Any, make_client: Any, make_user: Any) -> None:
    """rememberDevice, fetchDevices, forgetDevice through Amplify v6."""
    pool_id = make_pool(DeviceConfiguration={"ChallengeRequiredOnNewDevice": True,
                                             "DeviceOnlyRememberedOnUserPrompt": True})
    client_id = make_client(pool_id)["ClientId"]
    make_user(pool_id, "ann")
    with amplify(server, pool_id, client_id) as app:
        assert app.call("signIn", input={"username": "ann", "password": PASSWORD}) == DONE
        key = device_key_of(app.call("tokens"))
        assert app.call("fetchDevices") == []
        app.call("rememberDevice")
        devices = app.call("fetchDevices")
        assert [d["id"] for d in devices] == [key]
        app.call("forgetDevice")
        assert app.call("fetchDevices") == []
        assert idp.admin_list_devices(UserPoolId=pool_id, Username="ann")["Devices"] == []
