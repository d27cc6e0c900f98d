"""CUSTOM_AUTH in process (issue 12): the Define / Create / Verify loop with real trigger code run
by the in-process runner (the event through JSON both ways), CUSTOM_WITH_SRP, the history each
trigger sees, single-use sessions, the round limit, unknown users, and failing triggers.
End-to-end tests with real clients are in tests/e2e/test_custom_auth*.py."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from tests.auth.conftest import PASSWORD, Harness, refused
from tests.auth.test_mfa_pipeline import SECRET, code_now
from tests.auth.test_srp_work import answer as srp_answer
from tests.auth.test_srp_work import proof
from userpool.auth import engine
from userpool.auth.context import AuthCall
from userpool.crypto import srp
from userpool.model.entities import SOFTWARE_TOKEN_MFA, MfaSettings, SoftwareToken
from userpool.model.errors import (
    CodeMismatchException,
    InvalidLambdaResponseException,
    InvalidParameterException,
    NotAuthorizedException,
    UserLambdaValidationException,
    UserNotFoundException,
)
from userpool.triggers.in_process import InProcessInvoker

WRONG = "Incorrect username or password."
INVALID = "Invalid session for the user."
EVENTS: list[dict[str, Any]] = []


def define(event: dict[str, Any], context: Any) -> dict[str, Any]:
    EVENTS.append(event)
    history = event["request"]["session"]
    response = event["response"]
    if history and history[-1]["challengeName"] == "SRP_A":
        response.update(challengeName="PASSWORD_VERIFIER", issueTokens=False, failAuthentication=False)
    elif history and history[-1]["challengeName"] == "CUSTOM_CHALLENGE" and history[-1]["challengeResult"]:
        response.update(issueTokens=True, failAuthentication=False)
    elif sum(1 for h in history if h["challengeName"] == "CUSTOM_CHALLENGE") >= 3:
        response.update(issueTokens=False, failAuthentication=True)
    else:
        response.update(challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False)
    return event


def create(event: dict[str, Any], context: Any) -> dict[str, Any]:
    EVENTS.append(event)
    round_ = len(event["request"]["session"])
    event["response"].update(publicChallengeParameters={"question": "6 x 7"},
                             privateChallengeParameters={"answer": "42"}, challengeMetadata=f"ROUND-{round_}")
    return event


def verify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    EVENTS.append(event)
    expected = event["request"]["privateChallengeParameters"]["answer"]
    event["response"]["answerCorrect"] = event["request"]["challengeAnswer"] == expected
    return event


FLAKY = {"failures": 0}


def flaky_verify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if FLAKY["failures"] < 1:
        FLAKY["failures"] += 1
        raise RuntimeError("flaky")
    return verify(event, context)


def loops(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event["response"].update(challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False)
    return event


def fails(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise RuntimeError("captcha service down")


def create_big(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A CreateAuthChallenge whose private parameters would not fit a Session (2048 characters)."""
    event["response"].update(publicChallengeParameters={"question": "?"},
                             privateChallengeParameters={"answer": "x" * 1800})
    return event


ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


@pytest.fixture
def h(harness: Harness) -> Iterator[Harness]:
    EVENTS.clear()
    FLAKY["failures"] = 0
    functions = {"define": define, "create": create, "verify": verify, "loops": loops, "fails": fails,
                 "flaky": flaky_verify, "create_big": create_big}
    rt = replace(harness.rt, triggers=InProcessInvoker(functions))
    yield dataclasses.replace(harness, rt=rt, auth=replace(harness.auth, rt=rt))


def custom_pool(h: Harness, define_name: str = "define", verify_name: str = "verify",
                create_name: str = "create", **client: Any) -> tuple[str, dict[str, Any]]:
    pool_id = h.pool()
    with h.rt.store.transaction() as tx:
        pool = tx.get_pool(pool_id)
        assert pool is not None
        tx.update_pool(replace(pool, config={**pool.config, "LambdaConfig": {
            "DefineAuthChallenge": ARN + define_name, "CreateAuthChallenge": ARN + create_name,
            "VerifyAuthChallengeResponse": ARN + verify_name}}))
    client.setdefault("ExplicitAuthFlows", ["ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    return pool_id, h.client(pool_id, **client)


def respond(h: Harness, client: dict[str, Any], session: str, username: str, answer: str,
            metadata: dict[str, str] | None = None) -> dict[str, Any]:
    return engine.respond(h.auth, AuthCall(
        client_id=client["ClientId"], admin=False, base_url="http://userpool.test",
        parameters={"USERNAME": username, "ANSWER": answer}, challenge_name="CUSTOM_CHALLENGE", session=session,
        client_metadata=metadata or {}))


def test_a_right_answer_signs_in_and_every_trigger_sees_the_history(h: Harness) -> None:
    pool_id, client = custom_pool(h)
    h.user(pool_id, "cara")
    first = h.initiate(client, "CUSTOM_AUTH", USERNAME="cara")
    assert first["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert first["ChallengeParameters"] == {"question": "6 x 7", "USERNAME": "cara"}
    assert "42" not in first["Session"]
    second = respond(h, client, first["Session"], "cara", "41", {"app": "web"})
    assert second["ChallengeName"] == "CUSTOM_CHALLENGE"
    with refused(NotAuthorizedException, INVALID):  # the answered session is spent
        respond(h, client, first["Session"], "cara", "42")
    done = respond(h, client, second["Session"], "cara", "42")
    assert "AccessToken" in done["AuthenticationResult"]
    sources = [e["triggerSource"] for e in EVENTS]
    assert sources == ["DefineAuthChallenge_Authentication", "CreateAuthChallenge_Authentication",
                       "VerifyAuthChallengeResponse_Authentication", "DefineAuthChallenge_Authentication",
                       "CreateAuthChallenge_Authentication", "VerifyAuthChallengeResponse_Authentication",
                       "DefineAuthChallenge_Authentication"]
    first_define, verify_event, last_define = EVENTS[0], EVENTS[2], EVENTS[-1]
    assert first_define["request"]["session"] == [] and "clientMetadata" not in first_define["request"]
    assert "userNotFound" not in first_define["request"]  # LEGACY client
    assert first_define["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert first_define["callerContext"]["clientId"] == client["ClientId"]
    assert first_define["userName"] == "cara" and first_define["userPoolId"] == pool_id
    assert verify_event["request"]["privateChallengeParameters"] == {"answer": "42"}
    assert verify_event["request"]["challengeAnswer"] == "41"
    assert verify_event["request"]["clientMetadata"] == {"app": "web"}
    assert last_define["request"]["session"] == [
        {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": False, "challengeMetadata": "ROUND-0"},
        {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": True, "challengeMetadata": "ROUND-1"},
    ]


def test_define_fails_the_sign_in_after_three_wrong_answers(h: Harness) -> None:
    pool_id, client = custom_pool(h)
    h.user(pool_id, "dan")
    session = h.initiate(client, "CUSTOM_AUTH", USERNAME="dan")["Session"]
    for _ in range(2):
        session = respond(h, client, session, "dan", "0")["Session"]
    with refused(NotAuthorizedException, WRONG):
        respond(h, client, session, "dan", "0")


def test_a_define_that_never_decides_is_stopped(h: Harness) -> None:
    pool_id, client = custom_pool(h, "loops")
    h.user(pool_id, "eve")
    session = h.initiate(client, "CUSTOM_AUTH", USERNAME="eve")["Session"]
    with refused(NotAuthorizedException, WRONG):
        for _ in range(40):
            session = respond(h, client, session, "eve", "42")["Session"]
            assert len(session) <= 2048  # what the API's SessionType lets a client send back


def test_a_session_too_long_to_send_back_is_refused_before_anything_is_spent(h: Harness) -> None:
    pool_id, client = custom_pool(h)
    h.user(pool_id, "ivy")
    session = h.initiate(client, "CUSTOM_AUTH", USERNAME="ivy")["Session"]
    with h.rt.store.transaction() as tx:
        pool = tx.get_pool(pool_id)
        assert pool is not None
        tx.update_pool(replace(pool, config={**pool.config, "LambdaConfig": {
            **pool.config["LambdaConfig"], "CreateAuthChallenge": ARN + "create_big"}}))
    with refused(InvalidLambdaResponseException, "Unrecognizable lambda output"):
        respond(h, client, session, "ivy", "0")
    with refused(InvalidLambdaResponseException, "Unrecognizable lambda output"):
        h.initiate(client, "CUSTOM_AUTH", USERNAME="ivy")
    with h.rt.store.transaction() as tx:
        pool = tx.get_pool(pool_id)
        assert pool is not None
        tx.update_pool(replace(pool, config={**pool.config, "LambdaConfig": {
            **pool.config["LambdaConfig"], "CreateAuthChallenge": ARN + "create"}}))
    assert respond(h, client, session, "ivy", "0")["ChallengeName"] == "CUSTOM_CHALLENGE"  # not spent


def test_custom_with_srp_checks_the_password_first(h: Harness) -> None:
    pool_id, client = custom_pool(h)
    h.user(pool_id, "fay")
    a = 4242
    started = h.initiate(client, "CUSTOM_AUTH", USERNAME="fay", SRP_A=format(srp.client_a(a), "x"),
                         CHALLENGE_NAME="SRP_A")
    assert started["ChallengeName"] == "PASSWORD_VERIFIER" and started["Session"]
    params = dict(started["ChallengeParameters"])
    custom = srp_answer(h, client, proof(h, client, params, PASSWORD, a))
    assert custom["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert EVENTS[-2]["request"]["session"] == [
        {"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None},
        {"challengeName": "PASSWORD_VERIFIER", "challengeResult": True, "challengeMetadata": None},
    ]
    assert "AccessToken" in respond(h, client, custom["Session"], "fay", "42")["AuthenticationResult"]
    wrong = h.initiate(client, "CUSTOM_AUTH", USERNAME="fay", SRP_A=format(srp.client_a(a), "x"),
                       CHALLENGE_NAME="SRP_A")
    with refused(NotAuthorizedException, WRONG):
        srp_answer(h, client, proof(h, client, dict(wrong["ChallengeParameters"]), "Wrong-Horse-1", a))


def test_unknown_users(h: Harness) -> None:
    pool_id, client = custom_pool(h)
    with pytest.raises(UserNotFoundException):
        h.initiate(client, "CUSTOM_AUTH", USERNAME="nobody")
    hiding = h.client(pool_id, ExplicitAuthFlows=["ALLOW_CUSTOM_AUTH"], PreventUserExistenceErrors="ENABLED")
    first = h.initiate(hiding, "CUSTOM_AUTH", USERNAME="nobody")
    assert first["ChallengeName"] == "CUSTOM_CHALLENGE" and EVENTS[0]["request"]["userNotFound"] is True
    with refused(NotAuthorizedException, WRONG):  # even the right answer gets no tokens
        respond(h, hiding, first["Session"], "nobody", "42")


def test_not_configured_disabled_flow_and_failing_trigger(h: Harness) -> None:
    plain = h.pool()
    client = h.client(plain, ExplicitAuthFlows=["ALLOW_CUSTOM_AUTH"])
    h.user(plain, "gil")
    with refused(InvalidParameterException, "Custom auth lambda trigger is not configured for the user pool."):
        h.initiate(client, "CUSTOM_AUTH", USERNAME="gil")
    pool_id, srp_only = custom_pool(h, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])
    h.user(pool_id, "gil")
    with refused(InvalidParameterException, "CUSTOM_AUTH flow not enabled for this client"):
        h.initiate(srp_only, "CUSTOM_AUTH", USERNAME="gil")
    broken_pool, broken = custom_pool(h, "fails")
    h.user(broken_pool, "gil")
    with refused(UserLambdaValidationException,
                 "DefineAuthChallenge failed with error captcha service down."):
        h.initiate(broken, "CUSTOM_AUTH", USERNAME="gil")


def test_a_failing_trigger_leaves_the_session_usable(h: Harness) -> None:
    pool_id, client = custom_pool(h, verify_name="flaky")
    h.user(pool_id, "hal")
    session = h.initiate(client, "CUSTOM_AUTH", USERNAME="hal")["Session"]
    with refused(UserLambdaValidationException, "VerifyAuthChallengeResponse failed with error flaky."):
        respond(h, client, session, "hal", "42")
    assert "AccessToken" in respond(h, client, session, "hal", "42")["AuthenticationResult"]


def test_mfa_comes_right_after_the_password_and_joins_the_history(h: Harness) -> None:
    """Spec §11.6: after PASSWORD_VERIFIER inside CUSTOM_AUTH the user's MFA challenge is issued
    without asking Define; once answered, Define sees it in ``session``. Passwordless custom
    sign-ins never get MFA."""
    pool_id, client = custom_pool(h)
    with h.rt.store.transaction() as tx:
        pool = tx.get_pool(pool_id)
        assert pool is not None
        tx.update_pool(replace(pool, config={**pool.config, "MfaConfiguration": "ON",
                                             "SoftwareTokenMfaConfiguration": {"Enabled": True}}))
    h.user(pool_id, "fay")
    with h.rt.store.transaction() as tx:
        user = tx.lock_user(pool_id, "fay")
        assert user is not None
        tx.update_user(replace(user, mfa=MfaSettings(software_token=True, preferred=SOFTWARE_TOKEN_MFA,
                                                     token=SoftwareToken(SECRET))))
    a = 4243
    started = h.initiate(client, "CUSTOM_AUTH", USERNAME="fay", SRP_A=format(srp.client_a(a), "x"),
                         CHALLENGE_NAME="SRP_A")
    defined = len([e for e in EVENTS if e["triggerSource"].startswith("Define")])
    mfa = srp_answer(h, client, proof(h, client, dict(started["ChallengeParameters"]), PASSWORD, a))
    assert mfa["ChallengeName"] == SOFTWARE_TOKEN_MFA
    assert len([e for e in EVENTS if e["triggerSource"].startswith("Define")]) == defined  # Define not asked
    with refused(CodeMismatchException, "Invalid code or auth state for the user."):
        h.respond(client, SOFTWARE_TOKEN_MFA, mfa["Session"], USERNAME="fay", SOFTWARE_TOKEN_MFA_CODE=code_now(h, 10))
    custom = h.respond(client, SOFTWARE_TOKEN_MFA, mfa["Session"], USERNAME="fay",
                       SOFTWARE_TOKEN_MFA_CODE=code_now(h))
    assert custom["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert EVENTS[-2]["request"]["session"] == [
        {"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None},
        {"challengeName": "PASSWORD_VERIFIER", "challengeResult": True, "challengeMetadata": None},
        {"challengeName": SOFTWARE_TOKEN_MFA, "challengeResult": True, "challengeMetadata": None},
    ]
    done = respond(h, client, custom["Session"], "fay", "42")
    assert "AccessToken" in done["AuthenticationResult"]  # no second MFA at the end
    # passwordless: the custom challenge alone, no MFA
    first = h.initiate(client, "CUSTOM_AUTH", USERNAME="fay")
    assert first["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert "AccessToken" in respond(h, client, first["Session"], "fay", "42")["AuthenticationResult"]
