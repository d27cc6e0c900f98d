"""A user's MFA settings and TOTP authenticator through boto3 and pycognito (issue 11 items 1
and 2, spec §3.8, §10.14, §11.5): AssociateSoftwareToken / VerifySoftwareToken with an access
token (and with an MFA_SETUP Session), SetUserMFAPreference and its admin and legacy variants,
GetUser / AdminGetUser / GetUserAuthFactors, each refusal with Cognito's code and text. Codes
are computed with pyotp from the SecretCode, as an authenticator app does. Both databases."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from pycognito import Cognito
from pycognito.exceptions import SoftwareTokenMFAChallengeException

from tests.e2e.conftest import PASSWORD
from tests.e2e.server import ACCESS_KEY, REGION, SECRET_KEY, Server

SMS = {"SnsCallerArn": "arn:aws:iam::123456789012:role/cognito-sms", "ExternalId": "ext-1"}
CODE_MISMATCH = "Code mismatch and fail enable Software Token MFA"


def no_delivery(factor: str) -> str:
    return f"User does not have delivery config set to turn on {factor}"


def later_code(secret: str) -> str:
    """The code of the next 30-second step: accepted (one step of skew) and never the step an
    earlier call already spent."""
    return str(pyotp.TOTP(secret).at(time.time() + 30))


@pytest.fixture
def mfa_pool(idp: Any, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]]) -> Callable[..., Any]:
    """A pool offering TOTP, e-mail and SMS MFA (``mode``), an app client, and a signed-in user
    factory: ``user(**attributes) -> (username, access token)``."""

    def build(mode: str = "OPTIONAL", **pool_settings: Any) -> Any:
        pool_id = idp.create_user_pool(PoolName=f"mfa-{uuid.uuid4().hex[:8]}", SmsConfiguration=SMS,
                                       **pool_settings)["UserPool"]["Id"]
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration=mode, SmsMfaConfiguration={},
                                     SoftwareTokenMfaConfiguration={"Enabled": True},
                                     EmailMfaConfiguration={"Subject": "Your code"})
        client = make_client(pool_id)

        def user(**attributes: str) -> tuple[str, str]:
            name = f"u{uuid.uuid4().hex[:10]}"
            idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS",
                                  UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()])
            idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)
            result = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
            return name, result["AuthenticationResult"]["AccessToken"]

        return pool_id, client, user

    return build


def register_totp(idp: Any, token: str) -> str:
    secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
    answer = idp.verify_software_token(AccessToken=token, UserCode=pyotp.TOTP(secret).now(),
                                       FriendlyDeviceName="phone")
    assert answer["Status"] == "SUCCESS" and "Session" not in answer
    return str(secret)


def test_totp_registration_with_an_access_token(idp: Any, mfa_pool: Any, expect_error: Any) -> None:
    pool_id, client, user = mfa_pool()
    name, token = user()
    secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
    assert len(secret) == 52 and secret.isalnum() and secret == secret.upper()
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
    with expect_error("EnableSoftwareTokenMFAException", CODE_MISMATCH):
        idp.verify_software_token(AccessToken=token, UserCode=wrong)
    # a wrong code leaves the secret pending: the right one still registers it
    answer = idp.verify_software_token(AccessToken=token, UserCode=pyotp.TOTP(secret).now())
    assert answer["Status"] == "SUCCESS"
    # registered, not enabled (spec §10.14)
    got = idp.get_user(AccessToken=token)
    assert "UserMFASettingList" not in got and "PreferredMfaSetting" not in got
    idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    for shown in (idp.get_user(AccessToken=token), idp.admin_get_user(UserPoolId=pool_id, Username=name)):
        assert shown["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
        assert shown["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
        assert "MFAOptions" not in shown
    # the next sign-in asks for the authenticator's code, and the code signs in
    start = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
    assert start["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    done = idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="SOFTWARE_TOKEN_MFA",
                                         Session=start["Session"], ChallengeResponses={
                                             "USERNAME": name, "SOFTWARE_TOKEN_MFA_CODE": later_code(secret)})
    assert "AccessToken" in done["AuthenticationResult"]


def test_a_new_association_leaves_the_registered_authenticator_working(idp: Any, mfa_pool: Any) -> None:
    _, client, user = mfa_pool()
    name, token = user()
    secret = register_totp(idp, token)
    idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True})
    replacement = idp.associate_software_token(AccessToken=token)["SecretCode"]
    assert replacement != secret
    start = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
    done = idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="SOFTWARE_TOKEN_MFA",
                                         Session=start["Session"], ChallengeResponses={
                                             "USERNAME": name, "SOFTWARE_TOKEN_MFA_CODE": later_code(secret)})
    assert "AccessToken" in done["AuthenticationResult"]


def test_verify_without_an_association(idp: Any, mfa_pool: Any, expect_error: Any) -> None:
    _, _, user = mfa_pool()
    _, token = user()
    with expect_error("SoftwareTokenMFANotFoundException", match="AssociateSoftwareToken"):
        idp.verify_software_token(AccessToken=token, UserCode="123456")


def test_access_token_and_session_are_exclusive(idp: Any, mfa_pool: Any, expect_error: Any) -> None:
    _, _, user = mfa_pool()
    _, token = user()
    session = "x" * 40
    with expect_error("InvalidParameterException", "Only one of AccessToken or Session can be provided."):
        idp.associate_software_token(AccessToken=token, Session=session)
    with expect_error("InvalidParameterException", "Only one of AccessToken or Session can be provided."):
        idp.verify_software_token(AccessToken=token, Session=session, UserCode="123456")
    with expect_error("InvalidParameterException", "Missing required parameter AccessToken or Session"):
        idp.associate_software_token()
    with expect_error("InvalidParameterException", "Missing required parameter AccessToken or Session"):
        idp.verify_software_token(UserCode="123456")
    with expect_error("NotAuthorizedException", "Invalid Access Token"):
        idp.associate_software_token(AccessToken="not.a.token")
    with expect_error("NotAuthorizedException", "Invalid session for the user."):
        idp.associate_software_token(Session=session)


def test_mfa_setup_through_the_session(idp: Any, mfa_pool: Any) -> None:
    """AssociateSoftwareToken / VerifySoftwareToken with the MFA_SETUP Session (the lead's
    ``mfa_setup_session``), reached through the operations table."""
    pool_id, client, _ = mfa_pool("ON")
    name = f"s{uuid.uuid4().hex[:10]}"
    idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)
    start = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
    assert start["ChallengeName"] == "MFA_SETUP"
    associated = idp.associate_software_token(Session=start["Session"])
    secret = associated["SecretCode"]
    verified = idp.verify_software_token(Session=associated["Session"], UserCode=pyotp.TOTP(secret).now())
    assert verified["Status"] == "SUCCESS"
    done = idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="MFA_SETUP",
                                         Session=verified["Session"], ChallengeResponses={"USERNAME": name})
    token = done["AuthenticationResult"]["AccessToken"]
    got = idp.get_user(AccessToken=token)
    assert got["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert got["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"


def test_enabling_a_factor_needs_a_way_to_reach_the_user(idp: Any, mfa_pool: Any, expect_error: Any) -> None:
    pool_id, _, user = mfa_pool()
    name, token = user()
    with expect_error("InvalidParameterException", no_delivery("SOFTWARE_TOKEN_MFA")):
        idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True})
    idp.associate_software_token(AccessToken=token)  # associated, not verified: still refused
    with expect_error("InvalidParameterException", no_delivery("SOFTWARE_TOKEN_MFA")):
        idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True})
    with expect_error("InvalidParameterException", no_delivery("SMS_MFA")):
        idp.set_user_mfa_preference(AccessToken=token, SMSMfaSettings={"Enabled": True})
    with expect_error("InvalidParameterException", no_delivery("EMAIL_OTP")):
        idp.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"Enabled": True})
    with expect_error("InvalidParameterException", no_delivery("SMS_MFA")):
        idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username=name, SMSMfaSettings={"Enabled": True})
    assert "UserMFASettingList" not in idp.get_user(AccessToken=token)
    # disabling needs nothing (pycognito sends SMS {Enabled: false} beside TOTP)
    idp.set_user_mfa_preference(AccessToken=token, SMSMfaSettings={"Enabled": False, "PreferredMfa": False})


def test_preferences(idp: Any, mfa_pool: Any, expect_error: Any) -> None:
    pool_id, _, user = mfa_pool()
    name, token = user(email="pat@example.com", phone_number="+15555550100")
    register_totp(idp, token)
    # Amplify omits PreferredMfa when it only enables; objects left out change nothing
    idp.set_user_mfa_preference(AccessToken=token, SMSMfaSettings={"Enabled": True})
    idp.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"Enabled": True})
    got = idp.get_user(AccessToken=token)
    assert got["UserMFASettingList"] == ["SMS_MFA", "EMAIL_OTP"] and "PreferredMfaSetting" not in got
    assert got["MFAOptions"] == [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
    idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    got = idp.get_user(AccessToken=token)
    assert got["UserMFASettingList"] == ["SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]
    assert got["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    # only one preferred
    with expect_error("InvalidParameterException", "Only one MFA method can be set as preferred."):
        idp.set_user_mfa_preference(AccessToken=token, SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
                                    EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    # preferring another replaces the preference
    idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username=name, EmailMfaSettings={"PreferredMfa": True})
    assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["PreferredMfaSetting"] == "EMAIL_OTP"
    # disabling the preferred factor clears the preference
    idp.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"Enabled": False})
    got = idp.get_user(AccessToken=token)
    assert got["UserMFASettingList"] == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"] and "PreferredMfaSetting" not in got
    # a disabled factor cannot be preferred
    with expect_error("InvalidParameterException", "A disabled MFA method cannot be preferred: EMAIL_OTP"):
        idp.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"PreferredMfa": True})
    with expect_error("InvalidParameterException", "A disabled MFA method cannot be preferred: EMAIL_OTP"):
        idp.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"Enabled": False, "PreferredMfa": True})
    # un-preferring clears it; everything off
    idp.set_user_mfa_preference(AccessToken=token, SMSMfaSettings={"PreferredMfa": True})
    idp.set_user_mfa_preference(AccessToken=token, SMSMfaSettings={"PreferredMfa": False})
    assert "PreferredMfaSetting" not in idp.get_user(AccessToken=token)
    idp.set_user_mfa_preference(AccessToken=token, SMSMfaSettings={"Enabled": False},
                                SoftwareTokenMfaSettings={"Enabled": False})
    got = idp.admin_get_user(UserPoolId=pool_id, Username=name)
    assert not {"UserMFASettingList", "PreferredMfaSetting", "MFAOptions"} & set(got)


def test_legacy_user_settings(idp: Any, mfa_pool: Any, expect_error: Any) -> None:
    pool_id, _, user = mfa_pool()
    name, token = user(phone_number="+15555550101")
    sms = [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
    idp.set_user_settings(AccessToken=token, MFAOptions=sms)
    got = idp.get_user(AccessToken=token)
    assert got["MFAOptions"] == sms and got["UserMFASettingList"] == ["SMS_MFA"]
    idp.set_user_mfa_preference(AccessToken=token, SMSMfaSettings={"PreferredMfa": True})
    idp.set_user_settings(AccessToken=token, MFAOptions=[])
    got = idp.get_user(AccessToken=token)
    assert not {"UserMFASettingList", "PreferredMfaSetting", "MFAOptions"} & set(got)
    idp.admin_set_user_settings(UserPoolId=pool_id, Username=name, MFAOptions=sms)
    assert idp.admin_get_user(UserPoolId=pool_id, Username=name)["MFAOptions"] == sms
    [listed] = idp.list_users(UserPoolId=pool_id, Filter=f'username = "{name}"')["Users"]
    assert listed["MFAOptions"] == sms  # ListUsers' UserType reports it too
    refused = "Only SMS delivery to phone_number can be set in MFAOptions; use SetUserMFAPreference."
    with expect_error("InvalidParameterException", refused):
        idp.set_user_settings(AccessToken=token, MFAOptions=[{"DeliveryMedium": "EMAIL", "AttributeName": "email"}])
    with expect_error("InvalidParameterException", refused):
        idp.admin_set_user_settings(UserPoolId=pool_id, Username=name,
                                    MFAOptions=[{"DeliveryMedium": "SMS", "AttributeName": "email"}])
    _, bare = user()
    with expect_error("InvalidParameterException", no_delivery("SMS_MFA")):
        idp.set_user_settings(AccessToken=bare, MFAOptions=sms)


def test_passkey_mfa_settings(idp: Any, mfa_pool: Any, expect_error: Any) -> None:
    pool_id, _, user = mfa_pool()
    _, token = user()
    idp.set_user_mfa_preference(AccessToken=token, WebAuthnMfaSettings={"Enabled": False})
    with expect_error("InvalidParameterException", match="MULTI_FACTOR_WITH_USER_VERIFICATION"):
        idp.set_user_mfa_preference(AccessToken=token, WebAuthnMfaSettings={"Enabled": True})
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, WebAuthnConfiguration={
        "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"})
    with expect_error("InvalidParameterException", match="not supported by this server yet"):
        idp.set_user_mfa_preference(AccessToken=token, WebAuthnMfaSettings={"Enabled": True})


def test_get_user_auth_factors(idp: Any, mfa_pool: Any) -> None:
    _, _, user = mfa_pool()
    name, token = user()
    assert {k: v for k, v in idp.get_user_auth_factors(AccessToken=token).items() if k != "ResponseMetadata"} == {
        "Username": name, "ConfiguredUserAuthFactors": ["PASSWORD"]}
    register_totp(idp, token)
    idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    factors = idp.get_user_auth_factors(AccessToken=token)
    assert factors["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert factors["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert factors["ConfiguredUserAuthFactors"] == ["PASSWORD"]


def test_unknown_user_for_the_admin(idp: Any, mfa_pool: Any, expect_error: Any) -> None:
    pool_id, _, _ = mfa_pool()
    with expect_error("UserNotFoundException", "User does not exist."):
        idp.admin_set_user_mfa_preference(UserPoolId=pool_id, Username="nobody",
                                          SMSMfaSettings={"Enabled": False})
    with expect_error("UserNotFoundException", "User does not exist."):
        idp.admin_set_user_settings(UserPoolId=pool_id, Username="nobody", MFAOptions=[])


def test_pycognito_sets_up_totp_and_signs_in_with_it(server: Server, mfa_pool: Any) -> None:
    """pycognito end to end: SRP sign-in, associate_software_token, a code computed by pyotp,
    verify_software_token, set_user_mfa_preference, then the SOFTWARE_TOKEN_MFA challenge."""
    pool_id, client, user = mfa_pool()
    name, _ = user()
    kwargs = {"endpoint_url": server.url, "aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": SECRET_KEY}

    def cognito() -> Cognito:
        return Cognito(pool_id, client["ClientId"], user_pool_region=REGION, username=name,
                       boto3_client_kwargs=dict(kwargs))

    app = cognito()
    app.authenticate(PASSWORD)
    secret = app.associate_software_token()
    assert app.verify_software_token(pyotp.TOTP(secret).now(), "pixel") is True
    app.set_user_mfa_preference(sms_mfa=False, software_token_mfa=True, preferred="SOFTWARE_TOKEN")
    shown = app.client.get_user(AccessToken=app.access_token)
    assert shown["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert shown["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    assert app.get_user().username == name

    again = cognito()
    with pytest.raises(SoftwareTokenMFAChallengeException):
        again.authenticate(PASSWORD)
    again.respond_to_software_token_mfa_challenge(later_code(secret))
    assert again.client.get_user(AccessToken=again.access_token)["Username"] == name
