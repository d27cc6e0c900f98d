"""MFA through Amplify JS v6 (``aws-amplify``, unmodified, from the npm registry) in Node,
configured with ``userPoolEndpoint`` = a real server: ``signIn`` → ``confirmSignIn`` through every
MFA step Amplify has (CONFIRM_SIGN_IN_WITH_TOTP_CODE / _SMS_CODE / _EMAIL_CODE,
CONTINUE_SIGN_IN_WITH_MFA_SELECTION, CONTINUE_SIGN_IN_WITH_TOTP_SETUP / _EMAIL_SETUP /
_MFA_SETUP_SELECTION), and the signed-in user's ``setUpTOTP``, ``verifyTOTPSetup``,
``updateMFAPreference`` and ``fetchMFAPreference``. Pools are set up through boto3; codes come
from the outbox (SMS, e-mail) or a TOTP app (tests/e2e/mfa.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

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
from tests.e2e.node import JsError, NodeClient, amplify
from tests.e2e.server import Server

pytestmark = pytest.mark.node

DONE = {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}


def sign_in(app: NodeClient, username: str, flow: str = "USER_SRP_AUTH", password: str = PASSWORD) -> dict[str, Any]:
    step: dict[str, Any] = app.call("signIn", input={"username": username, "password": password,
                                                     "options": {"authFlowType": flow}})
    assert step["isSignedIn"] is False, step
    return step["nextStep"]  # type: ignore[no-any-return]


def confirm(app: NodeClient, response: str) -> dict[str, Any]:
    result: dict[str, Any] = app.call("confirmSignIn", input={"challengeResponse": response})
    return result


def refused(app: NodeClient, response: str, name: str, message: str) -> None:
    with pytest.raises(JsError) as error:
        confirm(app, response)
    assert (error.value.name, error.value.message) == (name, message)


def signed_in_as(app: NodeClient, result: dict[str, Any], username: str, idp: Any) -> str:
    assert result == DONE
    assert app.call("getCurrentUser")["username"] == username
    access = app.call("tokens")["accessToken"]
    assert idp.get_user(AccessToken=access)["Username"] == username
    return str(access)


@pytest.mark.parametrize("flow", ["USER_SRP_AUTH", "USER_PASSWORD_AUTH"])
def test_totp_set_up_when_signed_in_then_asked_at_sign_in(flow: str, server: Server, idp: Any, make_pool: Any,
                                                          make_client: Any, make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool)
    client_id = make_client(pool_id)["ClientId"]
    make_user(pool_id, "tom")
    with amplify(server, pool_id, client_id) as app:
        assert app.call("signIn", input={"username": "tom", "password": PASSWORD}) == DONE  # no factor yet
        assert not app.call("fetchMFAPreference").get("enabled")
        details = app.call("setUpTOTP")
        assert parse_qs(urlparse(details["setupUri"]).query)["secret"] == [details["sharedSecret"]]
        phone = Authenticator(details["sharedSecret"])
        code = phone.code()
        with pytest.raises(JsError) as wrong:
            app.call("verifyTOTPSetup", input={"code": Authenticator.wrong(code)})
        assert (wrong.value.name, wrong.value.message) == ("EnableSoftwareTokenMFAException", SETUP_MISMATCH)
        app.call("verifyTOTPSetup", input={"code": code, "options": {"friendlyDeviceName": "phone"}})
        app.call("updateMFAPreference", input={"totp": "PREFERRED"})
        assert app.call("fetchMFAPreference") == {"preferred": "TOTP", "enabled": ["TOTP"]}
        app.call("signOut")

        assert sign_in(app, "tom", flow) == {"signInStep": "CONFIRM_SIGN_IN_WITH_TOTP_CODE"}
        code = phone.code()
        refused(app, Authenticator.wrong(code), "CodeMismatchException", MISMATCH)
        signed_in_as(app, confirm(app, code), "tom", idp)
        app.call("signOut")

        assert sign_in(app, "tom", flow) == {"signInStep": "CONFIRM_SIGN_IN_WITH_TOTP_CODE"}
        refused(app, code, "CodeMismatchException", MISMATCH)  # a code is accepted once


def test_three_wrong_codes_end_the_sign_in(server: Server, idp: Any, make_pool: Any, make_client: Any,
                                           make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool)
    client = make_client(pool_id)
    mfa_user(make_user, pool_id, "ida")
    enable(idp, pool_id, "ida", "EMAIL")
    with amplify(server, pool_id, client["ClientId"]) as app:
        assert sign_in(app, "ida")["signInStep"] == "CONFIRM_SIGN_IN_WITH_EMAIL_CODE"
        code = sent_code(server, "ida", "EMAIL")
        for _ in range(3):
            refused(app, Authenticator.wrong(code), "CodeMismatchException", MISMATCH)
        refused(app, code, "NotAuthorizedException", "Invalid session for the user.")
        # a new sign-in sends a new code, and the old one is worth nothing
        assert sign_in(app, "ida")["signInStep"] == "CONFIRM_SIGN_IN_WITH_EMAIL_CODE"
        fresh = sent_code(server, "ida", "EMAIL")
        if fresh != code:
            refused(app, code, "CodeMismatchException", MISMATCH)
        signed_in_as(app, confirm(app, fresh), "ida", idp)


def test_email_code(server: Server, idp: Any, make_pool: Any, make_client: Any, make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool)
    client_id = make_client(pool_id)["ClientId"]
    mfa_user(make_user, pool_id, "eli")
    with amplify(server, pool_id, client_id) as app:
        assert app.call("signIn", input={"username": "eli", "password": PASSWORD}) == DONE
        app.call("updateMFAPreference", input={"email": "ENABLED"})
        assert app.call("fetchMFAPreference")["enabled"] == ["EMAIL"]
        app.call("signOut")

        assert sign_in(app, "eli") == {"signInStep": "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", "codeDeliveryDetails": {
            "deliveryMedium": "EMAIL", "destination": "e***@e***"}}
        code = sent_code(server, "eli", "EMAIL")
        refused(app, Authenticator.wrong(code), "CodeMismatchException", MISMATCH)
        signed_in_as(app, confirm(app, code), "eli", idp)
    assert [m["destination"] for m in server.outbox() if m["username"] == "eli"] == ["eli@example.com"]


def test_sms_code(server: Server, idp: Any, make_pool: Any, make_client: Any, make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool)
    client_id = make_client(pool_id)["ClientId"]
    mfa_user(make_user, pool_id, "sid")
    with amplify(server, pool_id, client_id) as app:
        assert app.call("signIn", input={"username": "sid", "password": PASSWORD}) == DONE
        app.call("updateMFAPreference", input={"sms": "PREFERRED"})
        assert app.call("fetchMFAPreference") == {"preferred": "SMS", "enabled": ["SMS"]}
        app.call("signOut")

        assert sign_in(app, "sid", "USER_PASSWORD_AUTH") == {
            "signInStep": "CONFIRM_SIGN_IN_WITH_SMS_CODE",
            "codeDeliveryDetails": {"deliveryMedium": "SMS", "destination": MASKED_PHONE}}
        code = sent_code(server, "sid", "SMS")
        refused(app, Authenticator.wrong(code), "CodeMismatchException", MISMATCH)
        signed_in_as(app, confirm(app, code), "sid", idp)
        assert app.call("fetchUserAttributes")["phone_number_verified"] == "true"
    sms = [m for m in server.outbox() if m["username"] == "sid"]
    assert [(m["destination"], m["body"]) for m in sms] == [("+15555550100", f"Your sign-in code is {code}")]


@pytest.mark.parametrize(("choice", "step", "medium"), [
    ("TOTP", "CONFIRM_SIGN_IN_WITH_TOTP_CODE", None),
    ("SMS", "CONFIRM_SIGN_IN_WITH_SMS_CODE", "SMS"),
    ("EMAIL", "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", "EMAIL"),
])
def test_mfa_selection(choice: str, step: str, medium: str | None, server: Server, idp: Any, make_pool: Any,
                       make_client: Any, make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool)
    client = make_client(pool_id)
    mfa_user(make_user, pool_id, "max")
    access = idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client["ClientId"],
                                     AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": "max", "PASSWORD": PASSWORD})
    phone = with_totp(idp, access["AuthenticationResult"]["AccessToken"])
    enable(idp, pool_id, "max", "SMS", "TOTP", "EMAIL")
    with amplify(server, pool_id, client["ClientId"]) as app:
        assert sign_in(app, "max") == {"signInStep": "CONTINUE_SIGN_IN_WITH_MFA_SELECTION",
                                       "allowedMFATypes": ["SMS", "TOTP", "EMAIL"]}
        result = confirm(app, choice)
        assert result["nextStep"]["signInStep"] == step
        code = phone.code() if medium is None else sent_code(server, "max", medium)
        refused(app, Authenticator.wrong(code), "CodeMismatchException", MISMATCH)
        signed_in_as(app, confirm(app, code), "max", idp)


def test_selecting_a_factor_the_user_does_not_have(server: Server, idp: Any, make_pool: Any, make_client: Any,
                                                   make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool)
    client_id = make_client(pool_id)["ClientId"]
    mfa_user(make_user, pool_id, "vic")
    enable(idp, pool_id, "vic", "SMS", "EMAIL")
    with amplify(server, pool_id, client_id) as app:
        assert sign_in(app, "vic")["allowedMFATypes"] == ["SMS", "EMAIL"]
        with pytest.raises(JsError) as error:
            confirm(app, "TOTP")
        assert error.value.name == "InvalidParameterException"
        # the selection session is still good for a factor the user has
        assert confirm(app, "EMAIL")["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_EMAIL_CODE"
        signed_in_as(app, confirm(app, sent_code(server, "vic", "EMAIL")), "vic", idp)


def test_totp_setup_during_sign_in(server: Server, idp: Any, make_pool: Any, make_client: Any,
                                   make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool, "ON", sms=False, email=False)
    client_id = make_client(pool_id)["ClientId"]
    make_user(pool_id, "ned")
    with amplify(server, pool_id, client_id) as app:
        step = sign_in(app, "ned")
        assert step["signInStep"] == "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"
        secret = step["totpSetupDetails"]["sharedSecret"]
        assert parse_qs(urlparse(step["totpSetupDetails"]["setupUri"]).query)["secret"] == [secret]
        phone = Authenticator(secret)
        code = phone.code()
        refused(app, Authenticator.wrong(code), "EnableSoftwareTokenMFAException", SETUP_MISMATCH)
        signed_in_as(app, confirm(app, code), "ned", idp)
        assert app.call("fetchMFAPreference") == {"preferred": "TOTP", "enabled": ["TOTP"]}
        app.call("signOut")
        assert sign_in(app, "ned") == {"signInStep": "CONFIRM_SIGN_IN_WITH_TOTP_CODE"}
        signed_in_as(app, confirm(app, phone.code()), "ned", idp)


def test_new_password_then_totp_setup(server: Server, idp: Any, make_pool: Any, make_client: Any) -> None:
    pool_id = mfa_pool(idp, make_pool, "ON", sms=False, email=False)
    client_id = make_client(pool_id)["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="new", TemporaryPassword="Temp0rary!x",
                          MessageAction="SUPPRESS")
    with amplify(server, pool_id, client_id) as app:
        assert sign_in(app, "new", password="Temp0rary!x")["signInStep"] == "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED"
        step = confirm(app, "Chosen-Passw0rd")["nextStep"]
        assert step["signInStep"] == "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"
        signed_in_as(app, confirm(app, Authenticator(step["totpSetupDetails"]["sharedSecret"]).code()), "new", idp)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="new")["UserStatus"] == "CONFIRMED"


def test_email_setup_during_sign_in(server: Server, idp: Any, make_pool: Any, make_client: Any,
                                    make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool, "ON", sms=False, totp=False)
    client_id = make_client(pool_id)["ClientId"]
    make_user(pool_id, "ema")  # no e-mail address yet
    with amplify(server, pool_id, client_id) as app:
        assert sign_in(app, "ema") == {"signInStep": "CONTINUE_SIGN_IN_WITH_EMAIL_SETUP"}
        assert confirm(app, "ema.new@example.com")["nextStep"] == {
            "signInStep": "CONFIRM_SIGN_IN_WITH_EMAIL_CODE",
            "codeDeliveryDetails": {"deliveryMedium": "EMAIL", "destination": "e***@e***"}}
        code = sent_code(server, "ema", "EMAIL")
        refused(app, Authenticator.wrong(code), "CodeMismatchException", MISMATCH)
        signed_in_as(app, confirm(app, code), "ema", idp)
        attributes = app.call("fetchUserAttributes")
        assert (attributes["email"], attributes["email_verified"]) == ("ema.new@example.com", "true")
        assert app.call("fetchMFAPreference")["enabled"] == ["EMAIL"]


@pytest.mark.parametrize("choice", ["TOTP", "EMAIL"])
def test_mfa_setup_selection(choice: str, server: Server, idp: Any, make_pool: Any, make_client: Any,
                             make_user: Any) -> None:
    pool_id = mfa_pool(idp, make_pool, "ON", sms=False)
    client_id = make_client(pool_id)["ClientId"]
    make_user(pool_id, "sue")
    with amplify(server, pool_id, client_id) as app:
        assert sign_in(app, "sue") == {"signInStep": "CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION",
                                       "allowedMFATypes": ["TOTP", "EMAIL"]}
        step = confirm(app, choice)["nextStep"]
        if choice == "TOTP":
            assert step["signInStep"] == "CONTINUE_SIGN_IN_WITH_TOTP_SETUP"
            done = confirm(app, Authenticator(step["totpSetupDetails"]["sharedSecret"]).code())
        else:
            assert step == {"signInStep": "CONTINUE_SIGN_IN_WITH_EMAIL_SETUP"}
            assert confirm(app, "sue@example.com")["nextStep"]["signInStep"] == "CONFIRM_SIGN_IN_WITH_EMAIL_CODE"
            done = confirm(app, sent_code(server, "sue", "EMAIL"))
        signed_in_as(app, done, "sue", idp)
        assert app.call("fetchMFAPreference") == {"preferred": choice, "enabled": [choice]}
