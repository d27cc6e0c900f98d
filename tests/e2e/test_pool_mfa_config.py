"""A pool's MFA settings through boto3 (issue 11 item 1, spec §2.1): MfaConfiguration ON and
OPTIONAL on CreateUserPool / UpdateUserPool, SetUserPoolMfaConfig / GetUserPoolMfaConfig, and
every refusal with Cognito's error code and text. Both databases."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest

from tests.e2e.conftest import raises_code

SMS = {"SnsCallerArn": "arn:aws:iam::123456789012:role/cognito-sms", "ExternalId": "ext-1"}
CREATE_NEEDS_SMS = "SMS configuration and Auto verification for phone_number are required when MFA is required/optional"
ALL_DISABLED = "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration."
OFF_WITH_FACTOR = "Invalid MFA configuration given, can't turn off MFA and configure an MFA together."
SMS_STILL_SET = "Can't turn off SMS_MFA when SMS configuration is set for the user pool"
SMS_WITHOUT_ROLE = "Invalid SMS MFA configuration given, external id and a valid caller arn are required"


def _name() -> str:
    return f"mfa-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("mode", ["ON", "OPTIONAL"])
def test_create_pool_with_mfa_needs_a_factor(idp: Any, expect_error: Any, mode: str) -> None:
    with expect_error("InvalidParameterException", CREATE_NEEDS_SMS):
        idp.create_user_pool(PoolName=_name(), MfaConfiguration=mode)


@pytest.mark.parametrize("mode", ["ON", "OPTIONAL"])
def test_create_pool_with_sms_mfa(idp: Any, mode: str) -> None:
    pool = idp.create_user_pool(PoolName=_name(), MfaConfiguration=mode, SmsConfiguration=SMS,
                                SmsAuthenticationMessage="Code: {####}")["UserPool"]
    assert pool["MfaConfiguration"] == mode
    config = idp.get_user_pool_mfa_config(UserPoolId=pool["Id"])
    assert config["MfaConfiguration"] == mode
    assert config["SmsMfaConfiguration"] == {"SmsConfiguration": SMS, "SmsAuthenticationMessage": "Code: {####}"}
    assert config["SoftwareTokenMfaConfiguration"] == {"Enabled": False}
    assert "EmailMfaConfiguration" not in config


def test_a_new_pool_has_mfa_off(idp: Any, make_pool: Callable[..., str]) -> None:
    config = idp.get_user_pool_mfa_config(UserPoolId=make_pool())
    assert config["MfaConfiguration"] == "OFF"
    assert config["SoftwareTokenMfaConfiguration"] == {"Enabled": False}
    assert "SmsMfaConfiguration" not in config and "EmailMfaConfiguration" not in config


def test_set_and_get_totp_and_email(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool()
    email = {"Message": "Your sign-in code is {####}", "Subject": "Sign-in code"}
    answer = idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                          SoftwareTokenMfaConfiguration={"Enabled": True},
                                          EmailMfaConfiguration=email)
    got = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    for config in (answer, got):
        assert config["MfaConfiguration"] == "ON"
        assert config["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
        assert config["EmailMfaConfiguration"] == email
        assert "SmsMfaConfiguration" not in config
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["MfaConfiguration"] == "ON"


def test_describe_user_pool_holds_only_user_pool_type_members(idp: Any, make_pool: Callable[..., str]) -> None:
    """SoftwareTokenMfaConfiguration, EmailMfaConfiguration and WebAuthnConfiguration are not
    members of UserPoolType: GetUserPoolMfaConfig reports them, DescribeUserPool does not."""
    pool_id = make_pool()
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
                                 SoftwareTokenMfaConfiguration={"Enabled": True},
                                 EmailMfaConfiguration={"Message": "Code {####}"},
                                 WebAuthnConfiguration={"RelyingPartyId": "auth.example.com"})
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    members = set(botocore.session.get_session().get_service_model("cognito-idp").shape_for("UserPoolType").members)
    assert set(pool) <= members
    # botocore drops members its model lacks: look at the wire itself
    body = _raw_describe(idp, pool_id)
    assert set(body["UserPool"]) <= members, set(body["UserPool"]) - members
    assert body["UserPool"]["MfaConfiguration"] == "OPTIONAL"


def _raw_describe(idp: Any, pool_id: str) -> dict[str, Any]:
    """DescribeUserPool's JSON body as the server sent it (botocore parses only modelled members)."""
    captured: dict[str, Any] = {}

    def keep(http_response: Any, **_: Any) -> None:
        captured["body"] = json.loads(http_response.content)

    idp.meta.events.register("after-call.cognito-idp.DescribeUserPool", lambda **kw: keep(kw["http_response"]))
    try:
        idp.describe_user_pool(UserPoolId=pool_id)
    finally:
        idp.meta.events.unregister("after-call.cognito-idp.DescribeUserPool")
    return dict(captured["body"])


@pytest.mark.parametrize("mode", ["ON", "OPTIONAL"])
def test_mfa_without_any_factor_is_refused(idp: Any, make_pool: Callable[..., str], expect_error: Any,
                                           mode: str) -> None:
    pool_id = make_pool()
    with expect_error("InvalidParameterException", ALL_DISABLED):
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration=mode)
    with expect_error("InvalidParameterException", ALL_DISABLED):
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration=mode,
                                     SoftwareTokenMfaConfiguration={"Enabled": False})
    assert idp.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "OFF"


def test_off_with_a_factor_is_refused(idp: Any, make_pool: Callable[..., str], expect_error: Any) -> None:
    pool_id = make_pool()
    with expect_error("InvalidParameterException", OFF_WITH_FACTOR):
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OFF",
                                     SoftwareTokenMfaConfiguration={"Enabled": True})
    with expect_error("InvalidParameterException", OFF_WITH_FACTOR):
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OFF",
                                     EmailMfaConfiguration={"Message": "Code {####}"})
    with expect_error("InvalidParameterException", OFF_WITH_FACTOR):
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OFF",
                                     SmsMfaConfiguration={"SmsConfiguration": SMS})
    # OFF alone, OFF with TOTP explicitly disabled, OFF with passkey settings: accepted
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OFF")
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OFF",
                                 SoftwareTokenMfaConfiguration={"Enabled": False},
                                 WebAuthnConfiguration={"RelyingPartyId": "example.com"})


def test_turning_mfa_off_removes_the_factors(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool()
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                 SoftwareTokenMfaConfiguration={"Enabled": True},
                                 EmailMfaConfiguration={"Subject": "Code"})
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OFF")
    config = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert config["SoftwareTokenMfaConfiguration"] == {"Enabled": False}
    assert "EmailMfaConfiguration" not in config


def test_a_factor_left_out_is_turned_off(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool()
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                 SoftwareTokenMfaConfiguration={"Enabled": True},
                                 EmailMfaConfiguration={"Subject": "Code"})
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True})
    config = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert config["MfaConfiguration"] == "ON"  # left out: kept
    assert "EmailMfaConfiguration" not in config


def test_sms_mfa_needs_an_sms_configuration(idp: Any, make_pool: Callable[..., str], expect_error: Any) -> None:
    pool_id = make_pool()
    with expect_error("InvalidParameterException", SMS_WITHOUT_ROLE):
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                     SmsMfaConfiguration={"SmsAuthenticationMessage": "Code {####}"})
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                 SmsMfaConfiguration={"SmsAuthenticationMessage": "Code {####}",
                                                      "SmsConfiguration": SMS})
    config = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert config["SmsMfaConfiguration"] == {"SmsAuthenticationMessage": "Code {####}", "SmsConfiguration": SMS}
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["SmsConfiguration"] == SMS and pool["SmsAuthenticationMessage"] == "Code {####}"
    # the pool's SMS configuration now serves: SmsMfaConfiguration without one is fine
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
                                 SmsMfaConfiguration={"SmsAuthenticationMessage": "New {####}"})


def test_sms_mfa_cannot_be_turned_off_while_the_pool_has_an_sms_configuration(
    idp: Any, expect_error: Any,
) -> None:
    pool_id = idp.create_user_pool(PoolName=_name(), SmsConfiguration=SMS)["UserPool"]["Id"]
    with expect_error("InvalidParameterException", SMS_STILL_SET):
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                     SoftwareTokenMfaConfiguration={"Enabled": True})
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON", SmsMfaConfiguration={},
                                 SoftwareTokenMfaConfiguration={"Enabled": True})
    config = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert config["SmsMfaConfiguration"] == {"SmsConfiguration": SMS}
    assert config["SoftwareTokenMfaConfiguration"] == {"Enabled": True}


def test_email_message_needs_the_code_placeholder(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool()
    with raises_code("InvalidParameterException",
                     r"^1 validation error detected: .* at 'emailMfaConfiguration.message' failed to satisfy"):
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                     EmailMfaConfiguration={"Message": "no code here"})
    with raises_code("InvalidParameterException",
                     r"^1 validation error detected: .* at 'smsMfaConfiguration.smsAuthenticationMessage'"):
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                     SmsMfaConfiguration={"SmsAuthenticationMessage": "no code here",
                                                          "SmsConfiguration": SMS})


def test_email_mfa_needs_the_essentials_tier(idp: Any, make_pool: Callable[..., str], expect_error: Any) -> None:
    pool_id = make_pool(UserPoolTier="LITE")
    with expect_error("FeatureUnavailableInTierException", "Email MFA is not available in the Lite tier."):
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                     EmailMfaConfiguration={"Subject": "Code"})
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                 SoftwareTokenMfaConfiguration={"Enabled": True})


def test_webauthn_configuration_is_stored_with_defaults(idp: Any, make_pool: Callable[..., str],
                                                        expect_error: Any) -> None:
    pool_id = make_pool()
    answer = idp.set_user_pool_mfa_config(UserPoolId=pool_id, WebAuthnConfiguration={"RelyingPartyId": "example.com"})
    expected = {"RelyingPartyId": "example.com", "UserVerification": "preferred",
                "FactorConfiguration": "SINGLE_FACTOR"}
    assert answer["WebAuthnConfiguration"] == expected
    assert idp.get_user_pool_mfa_config(UserPoolId=pool_id)["WebAuthnConfiguration"] == expected
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                 SoftwareTokenMfaConfiguration={"Enabled": True},
                                 WebAuthnConfiguration={"RelyingPartyId": "auth.example.com",
                                                        "UserVerification": "required",
                                                        "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"})
    assert idp.get_user_pool_mfa_config(UserPoolId=pool_id)["WebAuthnConfiguration"] == {
        "RelyingPartyId": "auth.example.com", "UserVerification": "required",
        "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"}
    # left out of a later call: kept
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True})
    assert idp.get_user_pool_mfa_config(UserPoolId=pool_id)["WebAuthnConfiguration"]["UserVerification"] == "required"
    # passkey settings alone leave MFA as it is
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, WebAuthnConfiguration={"RelyingPartyId": "example.com"})
    config = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert config["MfaConfiguration"] == "ON" and config["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    with expect_error("InvalidParameterException", "Invalid RelyingPartyId: it must be a domain name."):
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, WebAuthnConfiguration={"RelyingPartyId": "https://x.com/"})
    with expect_error("InvalidParameterException", match="failed to satisfy constraint"):
        idp.set_user_pool_mfa_config(UserPoolId=pool_id, WebAuthnConfiguration={"UserVerification": "sometimes"})
    lite = make_pool(UserPoolTier="LITE")
    with expect_error("FeatureUnavailableInTierException", match="Lite tier"):
        idp.set_user_pool_mfa_config(UserPoolId=lite, WebAuthnConfiguration={
            "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"})


def test_update_user_pool_keeps_the_mfa_factors(idp: Any, make_pool: Callable[..., str], expect_error: Any) -> None:
    pool_id = make_pool()
    with expect_error("InvalidParameterException", ALL_DISABLED):
        idp.update_user_pool(UserPoolId=pool_id, MfaConfiguration="ON")
    idp.set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OPTIONAL",
                                 SoftwareTokenMfaConfiguration={"Enabled": True})
    idp.update_user_pool(UserPoolId=pool_id, MfaConfiguration="ON", AutoVerifiedAttributes=["email"])
    config = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert config["MfaConfiguration"] == "ON" and config["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    # UpdateUserPool replaces every setting: MfaConfiguration left out goes back to OFF, and
    # with it the factors (as SetUserPoolMfaConfig with OFF)
    idp.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"])
    config = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert config["MfaConfiguration"] == "OFF" and config["SoftwareTokenMfaConfiguration"] == {"Enabled": False}


def test_unknown_pool(idp: Any, expect_error: Any) -> None:
    with expect_error("ResourceNotFoundException", "User pool us-east-1_nope does not exist."):
        idp.get_user_pool_mfa_config(UserPoolId="us-east-1_nope")
    with expect_error("ResourceNotFoundException", "User pool us-east-1_nope does not exist."):
        idp.set_user_pool_mfa_config(UserPoolId="us-east-1_nope", MfaConfiguration="OFF")
