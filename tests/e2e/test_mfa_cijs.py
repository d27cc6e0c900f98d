"""MFA through amazon-cognito-identity-js (unmodified, from the npm registry) against a real
server, as an app built on it signs a user in: the ``totpRequired``, ``mfaRequired``,
``selectMFAType`` and ``mfaSetup`` callbacks answered with ``sendMFACode``,
``sendMFASelectionAnswer``, ``associateSoftwareToken`` and ``verifySoftwareToken``; TOTP set up
by a signed-in user and ``setUserMfaPreference``. Pools and factors are set up through boto3.
The library has no e-mail MFA (``sendMFACode`` sends SMS_MFA_CODE only, and EMAIL_OTP reaches
no callback), so e-mail codes are tested through Amplify (test_mfa_amplify.py)."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from tests.e2e.conftest import PASSWORD
from tests.e2e.mfa import (
    MASKED_PHONE,
    MISMATCH,
    SETUP_MISMATCH,
    Authenticator,
    enable,
    mfa_pool,
    mfa_user,
    sent_code,
    with_totp,
)
from tests.e2e.node import NodeClient, cognito_identity_js
from tests.e2e.server import Server

pytestmark = pytest.mark.node


def signed_in(idp: Any, client: dict[str, Any], username: str) -> str:
    """An access token of ``username`` (ADMIN_USER_PASSWORD_AUTH, before MFA is enabled)."""
    done = idp.admin_initiate_auth(UserPoolId=client["UserPoolId"], ClientId=client["ClientId"],
                                   AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
    return str(done["AuthenticationResult"]["AccessToken"])


def refused(event: dict[str, Any], code: str, message: str) -> None:
    assert event["callback"] == "onFailure", event
    assert (event["args"][0]["code"], event["args"][0]["message"]) == (code, message), event


def signed_in_as(event: dict[str, Any], username: str, idp: Any) -> dict[str, str]:
    assert event["callback"] == "onSuccess", event
    tokens: dict[str, str] = event["args"][0]
    assert jwt.decode(tokens["idToken"], options={"verify_signature": False})["cognito:username"] == username
    assert idp.get_user(AccessToken=tokens["accessToken"])["Username"] == username
    return tokens


def authenticate(js: NodeClient, username: str, flow: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = js.call("authenticateUser", username=username, password=PASSWORD, flow=flow)
    return event


@pytest.mark.parametrize("flow", ["USER_SRP_AUTH", "USER_PASSWORD_AUTH"])
def test_totp_required(flow: str, server: Server, idp: Any, make_pool: Any, make_client: Any,
                       make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool)
    client = make_client(pool_id)
    mfa_user(make_user, pool_id, "tia")
    app = with_totp(idp, signed_in(idp, client, "tia"))
    enable(idp, pool_id, "tia", "TOTP", preferred="TOTP")
    with cognito_identity_js(server, pool_id, client["ClientId"]) as js:
        event = authenticate(js, "tia", flow)
        assert event["callback"] == "totpRequired", event
        assert event["args"][0] == "SOFTWARE_TOKEN_MFA"
        code = app.code()
        refused(js.call("sendMFACode", code=Authenticator.wrong(code), mfaType="SOFTWARE_TOKEN_MFA"),
                "CodeMismatchException", MISMATCH)
        # the same Session takes the right code after a wrong one
        signed_in_as(js.call("sendMFACode", code=code, mfaType="SOFTWARE_TOKEN_MFA"), "tia", idp)

        # a code already used is refused in the next sign-in
        assert authenticate(js, "tia", flow)["callback"] == "totpRequired"
        refused(js.call("sendMFACode", code=code, mfaType="SOFTWARE_TOKEN_MFA"), "CodeMismatchException", MISMATCH)


def test_sms_mfa_required(server: Server, idp: Any, make_pool: Any, make_client: Any, make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool)
    client = make_client(pool_id)
    mfa_user(make_user, pool_id, "sam")
    enable(idp, pool_id, "sam", "SMS", preferred="SMS")
    with cognito_identity_js(server, pool_id, client["ClientId"]) as js:
        event = authenticate(js, "sam")
        assert event["callback"] == "mfaRequired", event
        assert event["args"] == ["SMS_MFA", {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                                             "CODE_DELIVERY_DESTINATION": MASKED_PHONE}]
        code = sent_code(server, "sam", "SMS")
        refused(js.call("sendMFACode", code=Authenticator.wrong(code)), "CodeMismatchException", MISMATCH)
        tokens = signed_in_as(js.call("sendMFACode", code=code), "sam", idp)
    attributes = {a["Name"]: a["Value"] for a in idp.get_user(AccessToken=tokens["accessToken"])["UserAttributes"]}
    assert attributes["phone_number_verified"] == "true"  # a right SMS code proves the number

    with cognito_identity_js(server, pool_id, client["ClientId"]) as js:
        assert authenticate(js, "sam")["callback"] == "mfaRequired"
        refused(js.call("sendMFACode", code=code), "CodeMismatchException", MISMATCH)  # the previous sign-in's code


@pytest.mark.parametrize("answer", ["SOFTWARE_TOKEN_MFA", "SMS_MFA"])
def test_select_mfa_type(answer: str, server: Server, idp: Any, make_pool: Any, make_client: Any,
                         make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool, email=False)
    client = make_client(pool_id)
    mfa_user(make_user, pool_id, "sel")
    app = with_totp(idp, signed_in(idp, client, "sel"))
    enable(idp, pool_id, "sel", "SMS", "TOTP")
    with cognito_identity_js(server, pool_id, client["ClientId"]) as js:
        event = authenticate(js, "sel")
        assert event["callback"] == "selectMFAType", event
        # compact JSON, as Cognito writes it
        assert event["args"] == ["SELECT_MFA_TYPE", {"MFAS_CAN_CHOOSE": '["SMS_MFA","SOFTWARE_TOKEN_MFA"]'}]
        event = js.call("sendMFASelectionAnswer", answer=answer)
        if answer == "SOFTWARE_TOKEN_MFA":
            assert event["callback"] == "totpRequired", event
            code = app.code()
        else:
            assert event["callback"] == "mfaRequired", event
            assert event["args"][1]["CODE_DELIVERY_DESTINATION"] == MASKED_PHONE
            code = sent_code(server, "sel", "SMS")
        refused(js.call("sendMFACode", code=Authenticator.wrong(code), mfaType=answer), "CodeMismatchException",
                MISMATCH)
        signed_in_as(js.call("sendMFACode", code=code, mfaType=answer), "sel", idp)


def test_mfa_setup_with_totp(server: Server, idp: Any, make_pool: Any, make_client: Any, make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool, "ON", sms=False, email=False)
    client = make_client(pool_id)
    make_user(pool_id, "neo")
    with cognito_identity_js(server, pool_id, client["ClientId"]) as js:
        event = authenticate(js, "neo")
        assert event["callback"] == "mfaSetup", event
        assert event["args"] == ["MFA_SETUP", {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'}]
        event = js.call("associateSoftwareToken")
        assert event["callback"] == "associateSecretCode", event
        app = Authenticator(event["args"][0])
        code = app.code()
        refused(js.call("verifySoftwareToken", code=Authenticator.wrong(code), friendlyName="phone"),
                "EnableSoftwareTokenMFAException", SETUP_MISMATCH)
        # the library retries with the same Session
        tokens = signed_in_as(js.call("verifySoftwareToken", code=code, friendlyName="phone"), "neo", idp)
    user = idp.get_user(AccessToken=tokens["accessToken"])
    assert (user["UserMFASettingList"], user["PreferredMfaSetting"]) == (["SOFTWARE_TOKEN_MFA"], "SOFTWARE_TOKEN_MFA")

    with cognito_identity_js(server, pool_id, client["ClientId"]) as js:
        assert authenticate(js, "neo")["callback"] == "totpRequired"
        signed_in_as(js.call("sendMFACode", code=app.code(), mfaType="SOFTWARE_TOKEN_MFA"), "neo", idp)


def test_signed_in_user_sets_up_totp(server: Server, idp: Any, make_pool: Any, make_client: Any,
                                     make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool)
    client = make_client(pool_id)
    make_user(pool_id, "oli")
    with cognito_identity_js(server, pool_id, client["ClientId"]) as js:
        signed_in_as(authenticate(js, "oli"), "oli", idp)  # OPTIONAL pool, no factor yet: no MFA
        event = js.call("associateSoftwareToken")
        assert event["callback"] == "associateSecretCode", event
        app = Authenticator(event["args"][0])
        code = app.code()
        refused(js.call("verifySoftwareToken", code=Authenticator.wrong(code), friendlyName="phone"),
                "EnableSoftwareTokenMFAException", SETUP_MISMATCH)
        event = js.call("verifySoftwareToken", code=code, friendlyName="phone")
        assert event["callback"] == "onSuccess" and event["args"][0]["Status"] == "SUCCESS", event
        assert js.call("setUserMfaPreference", sms=None, totp={"Enabled": True, "PreferredMfa": True}) == "SUCCESS"
        data = js.call("getUserData")
        assert (data["UserMFASettingList"], data["PreferredMfaSetting"]) == (["SOFTWARE_TOKEN_MFA"],
                                                                             "SOFTWARE_TOKEN_MFA")
        assert authenticate(js, "oli")["callback"] == "totpRequired"
        signed_in_as(js.call("sendMFACode", code=app.code(), mfaType="SOFTWARE_TOKEN_MFA"), "oli", idp)


def test_new_password_then_mfa_setup(server: Server, idp: Any, make_pool: Any, make_client: Any) -> None:
    pool_id = mfa_pool(idp, make_pool, "ON", sms=False)
    client = make_client(pool_id)
    idp.admin_create_user(UserPoolId=pool_id, Username="ada", TemporaryPassword="Temp0rary!x",
                          MessageAction="SUPPRESS")
    with cognito_identity_js(server, pool_id, client["ClientId"]) as js:
        event = js.call("authenticateUser", username="ada", password="Temp0rary!x")
        assert event["callback"] == "newPasswordRequired", event
        event = js.call("completeNewPasswordChallenge", password="Chosen-Passw0rd")
        assert event["args"] == ["MFA_SETUP", {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]'}], event
        assert event["callback"] == "mfaSetup"
        event = js.call("associateSoftwareToken")
        assert event["callback"] == "associateSecretCode", event
        signed_in_as(js.call("verifySoftwareToken", code=Authenticator(event["args"][0]).code(), friendlyName="phone"),
                     "ada", idp)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="ada")["UserStatus"] == "CONFIRMED"


def test_legacy_enable_and_disable_mfa(server: Server, idp: Any, make_pool: Any, make_client: Any,
                                       make_user: Any) -> None:
    """enableMFA / disableMFA (SetUserSettings with MFAOptions) and getMFAOptions (GetUser)."""
    pool_id = mfa_pool(idp, make_pool, totp=False, email=False)
    client = make_client(pool_id)
    mfa_user(make_user, pool_id, "leo")
    with cognito_identity_js(server, pool_id, client["ClientId"]) as js:
        signed_in_as(authenticate(js, "leo"), "leo", idp)
        assert js.call("getMFAOptions") is None  # GetUser leaves MFAOptions out
        assert js.call("enableMFA") == "SUCCESS"
        assert js.call("getMFAOptions") == [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]

        assert authenticate(js, "leo")["callback"] == "mfaRequired"
        signed_in_as(js.call("sendMFACode", code=sent_code(server, "leo", "SMS")), "leo", idp)
        assert js.call("disableMFA") == "SUCCESS"
        assert js.call("getMFAOptions") is None
        signed_in_as(authenticate(js, "leo"), "leo", idp)  # no MFA any more
