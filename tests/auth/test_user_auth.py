"""USER_AUTH in process (issue 14): SELECT_CHALLENGE and PREFERRED_CHALLENGE, the PASSWORD and
PASSWORD_SRP factors through the password flows' code, EMAIL_OTP and SMS_OTP as first factors
(no MFA after them), and sign-in straight from sign-up with ConfirmSignUp's Session — with the
misuse cases: a factor not offered, a replayed or guessed code, a sign-up Session used twice, by
another client, for another user or too late. End-to-end tests with Amplify are in
tests/e2e/test_user_auth*.py."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.auth.conftest import PASSWORD, Harness, refused
from tests.auth.test_mfa_pipeline import SECRET, code_now
from tests.auth.test_srp_work import answer as srp_answer
from tests.auth.test_srp_work import proof
from userpool.auth import engine, sign_up_session
from userpool.auth.context import AuthCall
from userpool.crypto import srp
from userpool.crypto.secret_hash import secret_hash
from userpool.directory import signup
from userpool.model.entities import SOFTWARE_TOKEN_MFA, MfaSettings, SoftwareToken
from userpool.model.errors import (
    CodeMismatchException,
    InvalidParameterException,
    NotAuthorizedException,
    UserNotFoundException,
)

WRONG = "Incorrect username or password."
INVALID = "Invalid session for the user."
MISMATCH = "Invalid code or auth state for the user."
FACTORS = ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]


def choice_pool(h: Harness, factors: list[str] | None = None, **client: Any) -> tuple[str, dict[str, Any]]:
    pool_id = h.pool(Policies={"SignInPolicy": {"AllowedFirstAuthFactors": factors or FACTORS}})
    client.setdefault("ExplicitAuthFlows", ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    return pool_id, h.client(pool_id, **client)


def person(h: Harness, pool_id: str, name: str = "ann", *, email: bool = True, phone: bool = True) -> str:
    h.user(pool_id, name)
    with h.rt.store.transaction() as tx:
        user = tx.lock_user(pool_id, name)
        assert user is not None
        attrs = dict(user.attributes)
        if email:
            attrs.update(email=f"{name}@example.com", email_verified="true")
        if phone:
            attrs.update(phone_number="+15555550100", phone_number_verified="true")
        tx.update_user(replace(user, attributes=attrs))
    return name


def user_auth(h: Harness, client: dict[str, Any], session: str | None = None, **parameters: str) -> dict[str, Any]:
    return engine.initiate(h.auth, AuthCall(
        client_id=client["ClientId"], admin=False, base_url="http://userpool.test", parameters=parameters,
        flow="USER_AUTH", session=session))


def select(h: Harness, client: dict[str, Any], session: str, **responses: str) -> dict[str, Any]:
    return h.respond(client, "SELECT_CHALLENGE", session, **responses)


def last_code(h: Harness) -> str:
    return h.sender.messages[-1].code


def test_select_challenge_lists_what_pool_and_user_have(harness: Harness) -> None:
    pool_id, client = choice_pool(harness)
    person(harness, pool_id, "ann")
    person(harness, pool_id, "bob", email=False, phone=False)
    offered = user_auth(harness, client, USERNAME="ann")
    assert offered["ChallengeName"] == "SELECT_CHALLENGE" and offered["ChallengeParameters"] == {}
    assert offered["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP", "SMS_OTP"]
    assert user_auth(harness, client, USERNAME="bob")["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    only_password = choice_pool(harness, ["PASSWORD"])[1]
    person(harness, only_password["UserPoolId"], "cy")
    assert user_auth(harness, only_password, USERNAME="cy")["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    with pytest.raises(UserNotFoundException):
        user_auth(harness, client, USERNAME="nobody")


def test_password_through_select_challenge(harness: Harness) -> None:
    pool_id, client = choice_pool(harness)
    person(harness, pool_id)
    offered = user_auth(harness, client, USERNAME="ann")
    with refused(InvalidParameterException, "The challenge WEB_AUTHN is not one of the available challenges."):
        select(harness, client, offered["Session"], USERNAME="ann", ANSWER="WEB_AUTHN")
    with refused(NotAuthorizedException, WRONG):
        select(harness, client, offered["Session"], USERNAME="ann", ANSWER="PASSWORD", PASSWORD="Wrong-Horse-1")
    with refused(NotAuthorizedException, INVALID):  # the session went with the wrong password
        select(harness, client, offered["Session"], USERNAME="ann", ANSWER="PASSWORD", PASSWORD=PASSWORD)
    offered = user_auth(harness, client, USERNAME="ann")
    done = select(harness, client, offered["Session"], USERNAME="ann", ANSWER="PASSWORD", PASSWORD=PASSWORD)
    assert "AccessToken" in done["AuthenticationResult"]


def test_preferred_password_and_password_srp(harness: Harness) -> None:
    pool_id, client = choice_pool(harness)
    person(harness, pool_id)
    done = user_auth(harness, client, USERNAME="ann", PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    assert "AccessToken" in done["AuthenticationResult"]
    a = 777
    verifier = user_auth(harness, client, USERNAME="ann", PREFERRED_CHALLENGE="PASSWORD_SRP",
                         SRP_A=format(srp.client_a(a), "x"))
    assert verifier["ChallengeName"] == "PASSWORD_VERIFIER" and verifier["Session"]
    done = srp_answer(harness, client, proof(harness, client, dict(verifier["ChallengeParameters"]), PASSWORD, a))
    assert "AccessToken" in done["AuthenticationResult"]
    # PASSWORD_SRP chosen at SELECT_CHALLENGE, as Amplify answers it
    offered = user_auth(harness, client, USERNAME="ann")
    verifier = select(harness, client, offered["Session"], USERNAME="ann", ANSWER="PASSWORD_SRP",
                      SRP_A=format(srp.client_a(a), "x"))
    assert verifier["ChallengeName"] == "PASSWORD_VERIFIER"
    with refused(NotAuthorizedException, WRONG):
        srp_answer(harness, client, proof(harness, client, dict(verifier["ChallengeParameters"]), "Wrong-1a!", a))


def test_preferred_not_available_gets_select_challenge(harness: Harness) -> None:
    pool_id, client = choice_pool(harness, ["PASSWORD", "EMAIL_OTP"])
    person(harness, pool_id, email=False)
    offered = user_auth(harness, client, USERNAME="ann", PREFERRED_CHALLENGE="EMAIL_OTP")
    assert offered["ChallengeName"] == "SELECT_CHALLENGE"
    assert offered["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]


@pytest.mark.parametrize(("factor", "key", "medium"), [("EMAIL_OTP", "EMAIL_OTP_CODE", "EMAIL"),
                                                       ("SMS_OTP", "SMS_OTP_CODE", "SMS")])
def test_one_time_code_first_factor_skips_mfa(harness: Harness, factor: str, key: str, medium: str) -> None:
    pool_id, client = choice_pool(harness)
    person(harness, pool_id)
    with harness.rt.store.transaction() as tx:  # MFA required, with a TOTP the user has
        pool = tx.get_pool(pool_id)
        assert pool is not None
        tx.update_pool(replace(pool, config={**pool.config, "MfaConfiguration": "ON",
                                             "SoftwareTokenMfaConfiguration": {"Enabled": True}}))
        user = tx.lock_user(pool_id, "ann")
        assert user is not None
        tx.update_user(replace(user, mfa=MfaSettings(software_token=True, preferred=SOFTWARE_TOKEN_MFA,
                                                     token=SoftwareToken(SECRET))))
    sent = len(harness.sender.messages)
    challenge = user_auth(harness, client, USERNAME="ann", PREFERRED_CHALLENGE=factor)
    assert challenge["ChallengeName"] == factor
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == medium
    assert len(harness.sender.messages) == sent + 1
    code = last_code(harness)
    wrong = "000000" if code != "000000" else "111111"
    with refused(CodeMismatchException, MISMATCH):
        harness.respond(client, factor, challenge["Session"], USERNAME="ann", **{key: wrong})
    done = harness.respond(client, factor, challenge["Session"], USERNAME="ann", **{key: code})
    assert "AccessToken" in done["AuthenticationResult"]  # no SOFTWARE_TOKEN_MFA after a code
    with refused(NotAuthorizedException, INVALID):  # single use
        harness.respond(client, factor, challenge["Session"], USERNAME="ann", **{key: code})
    # with a password instead, MFA follows
    mfa = user_auth(harness, client, USERNAME="ann", PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    assert mfa["ChallengeName"] == SOFTWARE_TOKEN_MFA
    assert "AccessToken" in harness.respond(client, SOFTWARE_TOKEN_MFA, mfa["Session"], USERNAME="ann",
                                            SOFTWARE_TOKEN_MFA_CODE=code_now(harness))["AuthenticationResult"]


def test_code_chosen_at_select_challenge_and_guessing_limit(harness: Harness) -> None:
    pool_id, client = choice_pool(harness)
    person(harness, pool_id)
    offered = user_auth(harness, client, USERNAME="ann")
    challenge = select(harness, client, offered["Session"], USERNAME="ann", ANSWER="EMAIL_OTP")
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    with refused(NotAuthorizedException, INVALID):  # the SELECT_CHALLENGE session was spent
        select(harness, client, offered["Session"], USERNAME="ann", ANSWER="SMS_OTP")
    code = last_code(harness)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        with pytest.raises((CodeMismatchException, NotAuthorizedException)):
            harness.respond(client, "EMAIL_OTP", challenge["Session"], USERNAME="ann", EMAIL_OTP_CODE=wrong)
    with refused(NotAuthorizedException, INVALID):  # three answers per session, then it is dead
        harness.respond(client, "EMAIL_OTP", challenge["Session"], USERNAME="ann", EMAIL_OTP_CODE=code)


def sign_up_and_confirm(h: Harness, client: dict[str, Any], name: str = "sue") -> dict[str, Any]:
    signup.sign_up(h.rt, {"ClientId": client["ClientId"], "Username": name, "Password": PASSWORD,
                          "UserAttributes": [{"Name": "email", "Value": f"{name}@example.com"}]})
    return sign_up_session.confirm_sign_up(h.auth, {"ClientId": client["ClientId"], "Username": name,
                                                    "ConfirmationCode": last_code(h)})


def test_sign_in_straight_from_sign_up(harness: Harness) -> None:
    pool_id, client = choice_pool(harness)
    with harness.rt.store.transaction() as tx:
        pool = tx.get_pool(pool_id)
        assert pool is not None
        tx.update_pool(replace(pool, config={**pool.config, "AutoVerifiedAttributes": ["email"]}))
    other = harness.client(pool_id, ExplicitAuthFlows=["ALLOW_USER_AUTH"])
    session = sign_up_and_confirm(harness, client)["Session"]
    with refused(NotAuthorizedException, INVALID):  # another client
        user_auth(harness, other, session, USERNAME="sue")
    person(harness, pool_id, "tom")
    with refused(NotAuthorizedException, INVALID):  # another user
        user_auth(harness, client, session, USERNAME="tom")
    done = user_auth(harness, client, session, USERNAME="sue", PREFERRED_CHALLENGE="PASSWORD", PASSWORD="ignored")
    assert "AccessToken" in done["AuthenticationResult"]
    with refused(NotAuthorizedException, INVALID):  # once
        user_auth(harness, client, session, USERNAME="sue")
    late = sign_up_and_confirm(harness, client, "val")["Session"]
    harness.clock.advance(3 * 60 + 1)
    with refused(NotAuthorizedException, "Invalid session for the user, session is expired."):
        user_auth(harness, client, late, USERNAME="val")
    with refused(NotAuthorizedException, INVALID):  # a challenge Session is not a sign-up Session
        user_auth(harness, client, user_auth(harness, client, USERNAME="tom")["Session"], USERNAME="tom")


def test_unknown_names_get_decoys_when_existence_is_hidden(harness: Harness) -> None:
    """PreventUserExistenceErrors ENABLED: a name no user has gets a challenge of a type the pool
    allows (Developer Guide, "Managing user existence error responses"), the same each time, that
    no answer passes: the password check's decoy work, or a code that was sent nowhere."""
    _, client = choice_pool(harness, ["PASSWORD", "EMAIL_OTP"], PreventUserExistenceErrors="ENABLED")
    sent = len(harness.sender.messages)
    code = user_auth(harness, client, USERNAME="nobody@example.com", PREFERRED_CHALLENGE="EMAIL_OTP")
    assert code["ChallengeName"] == "EMAIL_OTP"
    assert code["ChallengeParameters"] == {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
                                           "CODE_DELIVERY_DESTINATION": "n***@e***"}
    assert len(harness.sender.messages) == sent  # sent nowhere
    for _ in range(5):
        with refused(CodeMismatchException, MISMATCH):
            harness.respond(client, "EMAIL_OTP", code["Session"], USERNAME="nobody@example.com",
                            EMAIL_OTP_CODE="123456")
    with refused(NotAuthorizedException, "Too many invalid MFA codes; try again later."):
        harness.respond(client, "EMAIL_OTP", code["Session"], USERNAME="nobody@example.com", EMAIL_OTP_CODE="123456")
    with refused(NotAuthorizedException, WRONG):
        user_auth(harness, client, USERNAME="nobody", PREFERRED_CHALLENGE="PASSWORD", PASSWORD=PASSWORD)
    names = [f"ghost{i}" for i in range(12)]
    first = [user_auth(harness, client, USERNAME=name)["ChallengeName"] for name in names]
    assert first == [user_auth(harness, client, USERNAME=name)["ChallengeName"] for name in names]  # stable
    assert set(first) == {"SELECT_CHALLENGE", "EMAIL_OTP"}  # each allowed type turns up


def test_sign_up_session_needs_the_secret_hash_of_a_confidential_client(harness: Harness) -> None:
    pool_id, client = choice_pool(harness, GenerateSecret=True)
    with harness.rt.store.transaction() as tx:
        pool = tx.get_pool(pool_id)
        assert pool is not None
        tx.update_pool(replace(pool, config={**pool.config, "AutoVerifiedAttributes": ["email"]}))
    hashed = secret_hash(client["ClientSecret"], "sue", client["ClientId"])
    signup.sign_up(harness.rt, {"ClientId": client["ClientId"], "Username": "sue", "Password": PASSWORD,
                                "SecretHash": hashed,
                                "UserAttributes": [{"Name": "email", "Value": "sue@example.com"}]})
    session = sign_up_session.confirm_sign_up(harness.auth, {
        "ClientId": client["ClientId"], "Username": "sue", "ConfirmationCode": last_code(harness),
        "SecretHash": hashed})["Session"]
    with refused(NotAuthorizedException, f"Client {client['ClientId']} is configured for secret but secret was "
                                         "not received"):
        user_auth(harness, client, session, USERNAME="sue")
    assert "AccessToken" in user_auth(harness, client, session, USERNAME="sue",
                                      SECRET_HASH=hashed)["AuthenticationResult"]
