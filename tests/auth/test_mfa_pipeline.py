"""The MFA step of the sign-in pipeline, in process (issue 11): which challenge follows the first
factor, the code challenges with their retries, replays and limits, selection, set-up, and a code
that cannot be delivered. End-to-end tests with real clients are in tests/e2e/test_mfa*.py."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import pytest

from tests.auth.conftest import PASSWORD, Harness, refused
from userpool.auth import mfa_setup_session
from userpool.crypto import totp
from userpool.directory import limits
from userpool.model.entities import CodePurpose, MfaSettings, SoftwareToken
from userpool.model.errors import (
    CodeDeliveryFailureException,
    CodeMismatchException,
    EnableSoftwareTokenMFAException,
    InvalidParameterException,
    NotAuthorizedException,
    SoftwareTokenMFANotFoundException,
)
from userpool.model.ports import DeliveryFailed

SECRET = bytes(range(32))
MISMATCH = "Invalid code or auth state for the user."
INVALID = "Invalid session for the user."
NOT_SET_UP = "Software token MFA has not been set up and verified for the user."


def mfa_pool(h: Harness, mode: str = "OPTIONAL", *, sms: bool = True, totp_on: bool = True,
             email: bool = True) -> tuple[str, dict[str, Any]]:
    pool_id = h.pool()
    with h.rt.store.transaction() as tx:
        pool = tx.get_pool(pool_id)
        assert pool is not None
        config = {**pool.config, "MfaConfiguration": mode}
        if sms:
            config["SmsConfiguration"] = {"SnsCallerArn": "arn:aws:iam::000000000000:role/sms"}
            config["SmsAuthenticationMessage"] = "Sign-in code {####}"
        if totp_on:
            config["SoftwareTokenMfaConfiguration"] = {"Enabled": True}
        if email:
            config["EmailMfaConfiguration"] = {"Message": "Your code: {####}", "Subject": "Sign-in code"}
        tx.update_pool(replace(pool, config=config))
    return pool_id, h.client(pool_id)


def mfa_user(h: Harness, pool_id: str, name: str = "ann", *, phone: str | None = "+15555550100",
             address: str | None = "ann@example.com", **settings: Any) -> str:
    h.user(pool_id, name)
    with h.rt.store.transaction() as tx:
        user = tx.lock_user(pool_id, name)
        assert user is not None
        attrs = dict(user.attributes)
        if phone:
            attrs["phone_number"] = phone
        if address:
            attrs["email"], attrs["email_verified"] = address, "true"
        tx.update_user(replace(user, attributes=attrs, mfa=MfaSettings(**settings)))
    return name


def user_attributes(h: Harness, done: dict[str, Any]) -> dict[str, str]:
    listed = h.get_user(done["AuthenticationResult"]["AccessToken"])["UserAttributes"]
    return {a["Name"]: a["Value"] for a in listed}


def code_now(h: Harness, offset: int = 0) -> str:
    return totp.code_at(SECRET, h.clock.now() + 30 * offset)


def test_optional_pool_user_without_factors_gets_tokens(harness: Harness) -> None:
    pool_id, client = mfa_pool(harness)
    mfa_user(harness, pool_id)
    assert "AuthenticationResult" in harness.sign_in(client, "ann")


def test_totp_challenge_retry_then_success_and_no_replay(harness: Harness) -> None:
    h = harness
    pool_id, client = mfa_pool(h)
    mfa_user(h, pool_id, software_token=True, token=SoftwareToken(SECRET))
    first = h.sign_in(client, "ann")
    assert first["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and "AuthenticationResult" not in first
    wrong = "000000" if code_now(h) != "000000" else "111111"
    with refused(CodeMismatchException, MISMATCH):
        h.respond(client, "SOFTWARE_TOKEN_MFA", first["Session"], USERNAME="ann", SOFTWARE_TOKEN_MFA_CODE=wrong)
    done = h.respond(client, "SOFTWARE_TOKEN_MFA", first["Session"], USERNAME="ann",
                     SOFTWARE_TOKEN_MFA_CODE=code_now(h), SMS_MFA_CODE="123456")  # CIJS sends both
    assert "AccessToken" in done["AuthenticationResult"]
    with refused(NotAuthorizedException, INVALID):  # the session is spent
        h.respond(client, "SOFTWARE_TOKEN_MFA", first["Session"], USERNAME="ann", SOFTWARE_TOKEN_MFA_CODE=code_now(h))
    again = h.sign_in(client, "ann")  # the same code in a new sign-in: a replay
    with refused(CodeMismatchException, MISMATCH):
        h.respond(client, "SOFTWARE_TOKEN_MFA", again["Session"], USERNAME="ann", SOFTWARE_TOKEN_MFA_CODE=code_now(h))
    h.clock.advance(30)
    assert "AuthenticationResult" in h.respond(client, "SOFTWARE_TOKEN_MFA", again["Session"], USERNAME="ann",
                                               SOFTWARE_TOKEN_MFA_CODE=code_now(h))


def test_totp_skew_is_one_step(harness: Harness) -> None:
    h = harness
    pool_id, client = mfa_pool(h)
    mfa_user(h, pool_id, software_token=True, token=SoftwareToken(SECRET))
    session = h.sign_in(client, "ann")["Session"]
    with refused(CodeMismatchException, MISMATCH):
        h.respond(client, "SOFTWARE_TOKEN_MFA", session, USERNAME="ann", SOFTWARE_TOKEN_MFA_CODE=code_now(h, -2))
    assert "AuthenticationResult" in h.respond(client, "SOFTWARE_TOKEN_MFA", session, USERNAME="ann",
                                               SOFTWARE_TOKEN_MFA_CODE=code_now(h, -1))


def test_three_wrong_codes_kill_the_session(harness: Harness) -> None:
    h = harness
    pool_id, client = mfa_pool(h)
    mfa_user(h, pool_id, sms=True)
    session = h.sign_in(client, "ann")["Session"]
    code = h.sender.messages[-1].code
    assert code is not None
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        with refused(CodeMismatchException, MISMATCH):
            h.respond(client, "SMS_MFA", session, USERNAME="ann", SMS_MFA_CODE=wrong)
    with refused(NotAuthorizedException, INVALID):
        h.respond(client, "SMS_MFA", session, USERNAME="ann", SMS_MFA_CODE=code)


def test_wrong_codes_are_limited_per_user_across_sessions(harness: Harness) -> None:
    h = harness
    pool_id, client = mfa_pool(h)
    mfa_user(h, pool_id, software_token=True, token=SoftwareToken(SECRET))
    spent = 0
    while spent < limits.CODE_GUESSES:
        session = h.sign_in(client, "ann")["Session"]
        for _ in range(min(2, limits.CODE_GUESSES - spent)):
            with refused(CodeMismatchException, MISMATCH):
                h.respond(client, "SOFTWARE_TOKEN_MFA", session, USERNAME="ann", SOFTWARE_TOKEN_MFA_CODE="999999"
                          if code_now(h) != "999999" else "888888")
            spent += 1
    session = h.sign_in(client, "ann")["Session"]
    with pytest.raises(NotAuthorizedException):  # even the right code, until the hour is over
        h.respond(client, "SOFTWARE_TOKEN_MFA", session, USERNAME="ann", SOFTWARE_TOKEN_MFA_CODE=code_now(h))
    h.clock.advance(limits.WINDOW_SECONDS)
    session = h.sign_in(client, "ann")["Session"]
    assert "AuthenticationResult" in h.respond(client, "SOFTWARE_TOKEN_MFA", session, USERNAME="ann",
                                               SOFTWARE_TOKEN_MFA_CODE=code_now(h))


def test_sms_challenge_sends_a_code_that_verifies_the_number(harness: Harness) -> None:
    h = harness
    pool_id, client = mfa_pool(h)
    mfa_user(h, pool_id, sms=True)
    challenge = h.sign_in(client, "ann")
    assert challenge["ChallengeName"] == "SMS_MFA"
    assert challenge["ChallengeParameters"] == {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
                                                "CODE_DELIVERY_DESTINATION": "+*******0100"}
    message = h.sender.messages[-1]
    assert message.medium == "SMS" and message.destination == "+15555550100"
    assert message.code is not None and message.body == f"Sign-in code {message.code}"
    done = h.respond(client, "SMS_MFA", challenge["Session"], USERNAME="ann", SMS_MFA_CODE=message.code)
    attributes = user_attributes(h, done)
    assert attributes["phone_number_verified"] == "true"


def test_a_code_from_the_previous_session_is_refused(harness: Harness) -> None:
    h = harness
    pool_id, client = mfa_pool(h)
    mfa_user(h, pool_id, address=None, sms=True)
    old = h.sign_in(client, "ann")["Session"]
    old_code = h.sender.messages[-1].code
    new = h.sign_in(client, "ann")["Session"]
    new_code = h.sender.messages[-1].code
    assert old_code is not None and new_code is not None
    with refused(NotAuthorizedException, INVALID):
        h.respond(client, "SMS_MFA", old, USERNAME="ann", SMS_MFA_CODE=old_code)
    if old_code != new_code:
        with refused(CodeMismatchException, MISMATCH):
            h.respond(client, "SMS_MFA", new, USERNAME="ann", SMS_MFA_CODE=old_code)
    assert "AuthenticationResult" in h.respond(client, "SMS_MFA", new, USERNAME="ann", SMS_MFA_CODE=new_code)


def test_email_otp_as_second_factor_with_synonym(harness: Harness) -> None:
    h = harness
    pool_id, client = mfa_pool(h)
    mfa_user(h, pool_id, email=True)
    challenge = h.sign_in(client, "ann")
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "a***@e***"
    message = h.sender.messages[-1]
    assert message.subject == "Sign-in code" and message.body == f"Your code: {message.code}"
    assert "AuthenticationResult" in h.respond(client, "EMAIL_OTP", challenge["Session"], USERNAME="ann",
                                               EMAIL_MFA_CODE=str(message.code))


def test_session_belongs_to_its_user_and_client(harness: Harness) -> None:
    h = harness
    pool_id, client = mfa_pool(h)
    other_client = h.client(pool_id)
    mfa_user(h, pool_id, software_token=True, token=SoftwareToken(SECRET))
    mfa_user(h, pool_id, "bob", software_token=True, token=SoftwareToken(SECRET))
    session = h.sign_in(client, "ann")["Session"]
    with refused(NotAuthorizedException, INVALID):
        h.respond(client, "SOFTWARE_TOKEN_MFA", session, USERNAME="bob", SOFTWARE_TOKEN_MFA_CODE=code_now(h))
    with refused(NotAuthorizedException, INVALID):
        h.respond(other_client, "SOFTWARE_TOKEN_MFA", session, USERNAME="ann", SOFTWARE_TOKEN_MFA_CODE=code_now(h))
    with pytest.raises(InvalidParameterException):
        h.respond(client, "SMS_MFA", session, USERNAME="ann", SMS_MFA_CODE="123456")


def test_preferred_factor_wins_and_several_without_preference_ask_to_select(harness: Harness) -> None:
    h = harness
    pool_id, client = mfa_pool(h)
    mfa_user(h, pool_id, sms=True, software_token=True, token=SoftwareToken(SECRET), preferred="SOFTWARE_TOKEN_MFA")
    assert h.sign_in(client, "ann")["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    mfa_user(h, pool_id, "bob", sms=True, software_token=True, token=SoftwareToken(SECRET))
    select = h.sign_in(client, "bob")
    assert select["ChallengeName"] == "SELECT_MFA_TYPE"
    assert json.loads(select["ChallengeParameters"]["MFAS_CAN_CHOOSE"]) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    with pytest.raises(InvalidParameterException):
        h.respond(client, "SELECT_MFA_TYPE", select["Session"], USERNAME="bob", ANSWER="EMAIL_OTP")
    sms = h.respond(client, "SELECT_MFA_TYPE", select["Session"], USERNAME="bob", ANSWER="SMS_MFA")
    assert sms["ChallengeName"] == "SMS_MFA"
    with refused(NotAuthorizedException, INVALID):  # the selection session is spent
        h.respond(client, "SELECT_MFA_TYPE", select["Session"], USERNAME="bob", ANSWER="SMS_MFA")
    code = h.sender.messages[-1].code
    assert code is not None
    assert "AuthenticationResult" in h.respond(client, "SMS_MFA", sms["Session"], USERNAME="bob", SMS_MFA_CODE=code)


def test_required_mfa_sets_up_totp_with_the_session(harness: Harness) -> None:
    h = harness
    pool_id, client = mfa_pool(h, "ON", sms=True, email=False)
    mfa_user(h, pool_id)
    setup = h.sign_in(client, "ann")
    assert setup["ChallengeName"] == "MFA_SETUP"
    assert json.loads(setup["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["SOFTWARE_TOKEN_MFA"]
    with refused(SoftwareTokenMFANotFoundException, NOT_SET_UP):
        h.respond(client, "MFA_SETUP", setup["Session"], USERNAME="ann")
    associated = mfa_setup_session.associate(h.auth, {"Session": setup["Session"]})
    secret = associated["SecretCode"]
    code = totp.code_at(base64.b32decode(secret + "=" * (-len(secret) % 8)), h.clock.now())
    with pytest.raises(EnableSoftwareTokenMFAException):
        mfa_setup_session.verify(h.auth, {"Session": associated["Session"], "UserCode": "000000" if code != "000000"
                                          else "111111"})
    verified = mfa_setup_session.verify(h.auth, {"Session": associated["Session"], "UserCode": code,
                                                 "FriendlyDeviceName": "phone"})
    assert verified["Status"] == "SUCCESS"
    with refused(NotAuthorizedException, INVALID):  # the associate session cannot be answered as MFA_SETUP
        mfa_setup_session.verify(h.auth, {"Session": associated["Session"], "UserCode": code})
    done = h.respond(client, "MFA_SETUP", verified["Session"], USERNAME="ann")
    assert "AccessToken" in done["AuthenticationResult"]
    with h.rt.store.read() as tx:
        user = tx.get_user(pool_id, "ann")
    assert user is not None and user.mfa.software_token and user.mfa.preferred == "SOFTWARE_TOKEN_MFA"
    assert user.mfa.token is not None and user.mfa.token.friendly_name == "phone"
    assert h.sign_in(client, "ann")["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_required_mfa_sets_up_email(harness: Harness) -> None:
    h = harness
    pool_id, client = mfa_pool(h, "ON", sms=False, totp_on=False, email=True)
    mfa_user(h, pool_id, address=None)
    setup = h.sign_in(client, "ann")
    assert json.loads(setup["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["EMAIL_OTP"]
    otp = h.respond(client, "MFA_SETUP", setup["Session"], USERNAME="ann", EMAIL="ann@example.org")
    assert otp["ChallengeName"] == "EMAIL_OTP"
    message = h.sender.messages[-1]
    assert message.destination == "ann@example.org"
    done = h.respond(client, "EMAIL_OTP", otp["Session"], USERNAME="ann", EMAIL_OTP_CODE=str(message.code))
    attributes = user_attributes(h, done)
    assert attributes["email"] == "ann@example.org" and attributes["email_verified"] == "true"
    assert h.sign_in(client, "ann")["ChallengeName"] == "EMAIL_OTP"


def test_mfa_follows_new_password_required(harness: Harness) -> None:
    h = harness
    pool_id, client = mfa_pool(h)
    h.user(pool_id, "tmp", "Temp-Pass-1", temporary=True)
    with h.rt.store.transaction() as tx:
        user = tx.lock_user(pool_id, "tmp")
        assert user is not None
        tx.update_user(replace(user, mfa=MfaSettings(software_token=True, token=SoftwareToken(SECRET))))
    challenge = h.sign_in(client, "tmp", "Temp-Pass-1")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    after = h.respond(client, "NEW_PASSWORD_REQUIRED", challenge["Session"], USERNAME="tmp", NEW_PASSWORD=PASSWORD)
    assert after["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_undeliverable_code_leaves_nothing_behind(harness: Harness) -> None:
    h = harness
    pool_id, client = mfa_pool(h)
    mfa_user(h, pool_id, sms=True)

    def fail(message: object) -> None:
        raise DeliveryFailed("gateway down")

    h.sender.send = fail  # type: ignore[method-assign]
    for _ in range(limits.HOURLY["SendMfaCode"] + 2):  # failed sends do not use up the hourly allowance
        with pytest.raises(CodeDeliveryFailureException):
            h.sign_in(client, "ann")
    with h.rt.store.read() as tx:
        assert tx.get_code(pool_id, "ann", CodePurpose.MFA) is None
    del h.sender.send
    assert h.sign_in(client, "ann")["ChallengeName"] == "SMS_MFA"
