"""PreAuthentication and PostAuthentication around a sign-in (issue 12), in process with real trigger
code through the in-process runner: which calls invoke them, the events (validationData from
InitiateAuth's ClientMetadata, clientMetadata only on RespondToAuthChallenge, userNotFound), and a
failing function refusing the sign-in."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from tests.auth.conftest import BASE_URL, PASSWORD, Harness, refused
from tests.auth.test_srp_work import answer as srp_answer
from tests.auth.test_srp_work import proof
from userpool.auth import engine
from userpool.auth.context import AuthCall
from userpool.crypto import srp, totp
from userpool.model.entities import MfaSettings, SoftwareToken
from userpool.model.errors import NotAuthorizedException, UserLambdaValidationException
from userpool.triggers.in_process import InProcessInvoker

EVENTS: list[dict[str, Any]] = []
ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def record(event: dict[str, Any], context: Any) -> dict[str, Any]:
    EVENTS.append(event)
    return event


def refuse(event: dict[str, Any], context: Any) -> dict[str, Any]:
    EVENTS.append(event)
    raise ValueError("sign-in blocked for this user")


@pytest.fixture
def h(harness: Harness) -> Iterator[Harness]:
    EVENTS.clear()
    rt = replace(harness.rt, triggers=InProcessInvoker({"record": record, "refuse": refuse}))
    yield dataclasses.replace(harness, rt=rt, auth=replace(harness.auth, rt=rt))


def pool_with(h: Harness, **lambdas: str) -> tuple[str, dict[str, Any]]:
    pool_id = h.pool()
    with h.rt.store.transaction() as tx:
        pool = tx.get_pool(pool_id)
        assert pool is not None
        tx.update_pool(replace(pool, config={**pool.config, "LambdaConfig": {k: ARN + v for k, v in lambdas.items()}}))
    return pool_id, h.client(pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
                                                         "ALLOW_REFRESH_TOKEN_AUTH"])


def initiate(h: Harness, client: dict[str, Any], flow: str, metadata: dict[str, str], **parameters: str) -> Any:
    return engine.initiate(h.auth, AuthCall(client_id=client["ClientId"], admin=False, base_url=BASE_URL,
                                            parameters=parameters, flow=flow, client_metadata=metadata))


def test_password_sign_in_runs_both_with_the_right_metadata(h: Harness) -> None:
    pool_id, client = pool_with(h, PreAuthentication="record", PostAuthentication="record")
    h.user(pool_id, "ida")
    done = initiate(h, client, "USER_PASSWORD_AUTH", {"captcha": "ok"}, USERNAME="ida", PASSWORD=PASSWORD)
    assert "AccessToken" in done["AuthenticationResult"]
    pre, post = EVENTS
    assert pre["triggerSource"] == "PreAuthentication_Authentication"
    assert pre["request"]["validationData"] == {"captcha": "ok"} and "clientMetadata" not in pre["request"]
    assert "userNotFound" not in pre["request"] and pre["response"] == {}
    assert pre["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert post["triggerSource"] == "PostAuthentication_Authentication"
    assert "clientMetadata" not in post["request"] and "validationData" not in post["request"]
    assert post["callerContext"]["clientId"] == client["ClientId"] and post["userName"] == "ida"


def test_srp_runs_pre_authentication_at_initiate(h: Harness) -> None:
    pool_id, client = pool_with(h, PreAuthentication="record")
    h.user(pool_id, "jon")
    started = initiate(h, client, "USER_SRP_AUTH", {}, USERNAME="jon", SRP_A=format(srp.client_a(777), "x"))
    assert [e["triggerSource"] for e in EVENTS] == ["PreAuthentication_Authentication"]
    assert "validationData" not in EVENTS[0]["request"]  # no ClientMetadata, no key
    done = srp_answer(h, client, proof(h, client, dict(started["ChallengeParameters"]), PASSWORD, 777))
    assert "AccessToken" in done["AuthenticationResult"] and len(EVENTS) == 1


def test_a_refusing_pre_authentication_stops_the_sign_in_before_the_password(h: Harness) -> None:
    pool_id, client = pool_with(h, PreAuthentication="refuse")
    h.user(pool_id, "kim")
    for _ in range(6):  # a wrong password is never checked, so never counted toward lockout
        with refused(UserLambdaValidationException,
                     "PreAuthentication failed with error sign-in blocked for this user."):
            initiate(h, client, "USER_PASSWORD_AUTH", {}, USERNAME="kim", PASSWORD="Wrong-Horse-1")
    with h.rt.store.read() as tx:
        assert tx.get_lockout(pool_id, "kim").failures == 0


def test_unknown_users_reach_pre_authentication_only_when_hidden(h: Harness) -> None:
    pool_id, _ = pool_with(h, PreAuthentication="record")
    hiding = h.client(pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"], PreventUserExistenceErrors="ENABLED")
    with refused(NotAuthorizedException, "Incorrect username or password."):
        initiate(h, hiding, "USER_PASSWORD_AUTH", {}, USERNAME="ghost", PASSWORD=PASSWORD)
    [event] = EVENTS
    assert event["request"]["userNotFound"] is True and event["userName"] == "ghost"


def test_a_failing_post_authentication_returns_no_tokens(h: Harness) -> None:
    pool_id, client = pool_with(h, PostAuthentication="refuse")
    h.user(pool_id, "lea")
    with refused(UserLambdaValidationException, "PostAuthentication failed with error sign-in blocked for this user."):
        h.sign_in(client, "lea")


def test_post_authentication_gets_client_metadata_on_the_mfa_answer(h: Harness) -> None:
    pool_id, client = pool_with(h, PostAuthentication="record")
    with h.rt.store.transaction() as tx:
        pool = tx.get_pool(pool_id)
        assert pool is not None
        tx.update_pool(replace(pool, config={**pool.config, "MfaConfiguration": "OPTIONAL",
                                             "SoftwareTokenMfaConfiguration": {"Enabled": True}}))
    h.user(pool_id, "max")
    secret = bytes(range(32))
    with h.rt.store.transaction() as tx:
        user = tx.lock_user(pool_id, "max")
        assert user is not None
        tx.update_user(replace(user, mfa=MfaSettings(software_token=True, token=SoftwareToken(secret))))
    challenge = h.sign_in(client, "max")
    assert EVENTS == []  # no tokens yet
    done = engine.respond(h.auth, AuthCall(
        client_id=client["ClientId"], admin=False, base_url=BASE_URL, challenge_name="SOFTWARE_TOKEN_MFA",
        session=challenge["Session"], client_metadata={"device": "kiosk"},
        parameters={"USERNAME": "max", "SOFTWARE_TOKEN_MFA_CODE": totp.code_at(secret, h.clock.now())}))
    assert "AccessToken" in done["AuthenticationResult"]
    [event] = EVENTS
    assert event["request"]["clientMetadata"] == {"device": "kiosk"}
