"""CUSTOM_AUTH through boto3 against a real server, with real trigger code
(tests/triggers/custom_functions.py: a question whose answer only the functions know) run by both
runners: in the server process (``--lambda-function``) and behind a Lambda-Invoke-compatible
endpoint reached through boto3's ``lambda`` client (``--lambda-endpoint``), on both databases.

InitiateAuth / AdminInitiateAuth CUSTOM_AUTH → RespondToAuthChallenge CUSTOM_CHALLENGE: a wrong
answer gets a new question, the right one tokens; Define failing the sign-in after three wrong
answers; a spent session refused; CUSTOM_AUTH_FLOW_ONLY and ALLOW_CUSTOM_AUTH enforced; unknown
users under PreventUserExistenceErrors get questions but never tokens; a Define that never decides
is stopped; CUSTOM_WITH_SRP (pycognito's SRP maths) checks the password first. The events the
functions received are asserted where they carry the contract (history, clientMetadata routing,
userNotFound, the private answer)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pycognito.aws_srp import AWSSRP

from tests.e2e.conftest import PASSWORD, raises_code
from tests.e2e.custom_auth import (
    CUSTOM_FLOWS,
    INVALID_SESSION,
    SERVERS,
    WRONG,
    custom_pool,
    custom_server,
    events,
    sources,
    trigger_log,
)
from tests.e2e.server import Server
from tests.triggers.custom_functions import answer_to
from userpool.auth.custom_auth import MAX_CHALLENGES


@pytest.fixture(scope="module", params=SERVERS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    trigger_log(tmp_path_factory)
    backend, runner = request.param
    yield from custom_server(tmp_path_factory.mktemp(f"custom-{backend}-{runner}"), backend, runner)


@pytest.fixture
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trigger_log(tmp_path_factory)


@pytest.fixture
def pool(idp: Any, make_client: Any, make_user: Any) -> tuple[str, dict[str, Any]]:
    pool_id = custom_pool(idp)
    make_user(pool_id, "cara", email="cara@example.com")
    return pool_id, make_client(pool_id, ExplicitAuthFlows=CUSTOM_FLOWS)


def respond(idp: Any, client: dict[str, Any], step: dict[str, Any], answer: str, username: str = "cara",
            **extra: Any) -> dict[str, Any]:
    return dict(idp.respond_to_auth_challenge(
        ClientId=client["ClientId"], ChallengeName="CUSTOM_CHALLENGE", Session=step["Session"],
        ChallengeResponses={"USERNAME": username, "ANSWER": answer}, **extra))


def right(step: dict[str, Any]) -> str:
    return answer_to(step["ChallengeParameters"]["question"])


def wrong(step: dict[str, Any]) -> str:
    return str(int(right(step)) + 1)


def asked(step: dict[str, Any], username: str = "cara") -> None:
    assert step["ChallengeName"] == "CUSTOM_CHALLENGE", step
    assert set(step["ChallengeParameters"]) == {"question", "USERNAME"}, step
    assert step["ChallengeParameters"]["USERNAME"] == username
    assert "AuthenticationResult" not in step and step["Session"]


def test_wrong_then_right_answer(idp: Any, pool: tuple[str, dict[str, Any]], log: Path) -> None:
    pool_id, client = pool
    first = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "cara"},
                              ClientMetadata={"sent": "on-initiate"})
    asked(first)
    second = respond(idp, client, first, wrong(first), ClientMetadata={"app": "web"})
    asked(second)
    with raises_code("NotAuthorizedException", INVALID_SESSION):  # the answered session is spent
        respond(idp, client, first, right(first))
    done = respond(idp, client, second, right(second), ClientMetadata={"app": "web"})
    assert idp.get_user(AccessToken=done["AuthenticationResult"]["AccessToken"])["Username"] == "cara"
    assert set(done["AuthenticationResult"]) >= {"AccessToken", "IdToken", "RefreshToken"}

    assert sources(log, pool_id) == ["DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse",
                                     "DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse",
                                     "DefineAuthChallenge"]
    seen = events(log, pool_id)
    initiate_define, initiate_create, wrong_verify = seen[0], seen[1], seen[2]
    # Initiate calls pass no ClientMetadata to the custom-challenge triggers; Respond calls do
    assert "clientMetadata" not in initiate_define["request"] and "clientMetadata" not in initiate_create["request"]
    assert all(event["request"]["clientMetadata"] == {"app": "web"} for event in seen[2:])
    assert "validationData" not in initiate_define["request"]
    assert initiate_define["request"]["session"] == [] and "userNotFound" not in initiate_define["request"]
    assert initiate_define["userName"] == "cara" and initiate_define["userPoolId"] == pool_id
    assert initiate_define["callerContext"]["clientId"] == client["ClientId"]
    assert initiate_define["request"]["userAttributes"]["email"] == "cara@example.com"
    assert initiate_define["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"
    assert initiate_create["request"]["challengeName"] == "CUSTOM_CHALLENGE"
    assert wrong_verify["request"]["challengeAnswer"] == wrong(first)
    assert wrong_verify["request"]["privateChallengeParameters"] == {"answer": right(first)}
    assert seen[-1]["request"]["session"] == [
        {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": False, "challengeMetadata": "QUESTION-0"},
        {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": True, "challengeMetadata": "QUESTION-1"},
    ]


def test_admin_initiate_auth(idp: Any, pool: tuple[str, dict[str, Any]], log: Path) -> None:
    pool_id, client = pool
    first = idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client["ClientId"], AuthFlow="CUSTOM_AUTH",
                                    AuthParameters={"USERNAME": "cara"}, ClientMetadata={"sent": "on-initiate"})
    asked(first)
    done = idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id, ClientId=client["ClientId"], ChallengeName="CUSTOM_CHALLENGE", Session=first["Session"],
        ChallengeResponses={"USERNAME": "cara", "ANSWER": right(first)}, ClientMetadata={"admin": "yes"})
    assert idp.get_user(AccessToken=done["AuthenticationResult"]["AccessToken"])["Username"] == "cara"
    seen = events(log, pool_id)
    assert "clientMetadata" not in seen[0]["request"]
    assert [event["request"]["clientMetadata"] for event in seen[2:]] == [{"admin": "yes"}] * 2


def test_define_fails_the_sign_in_after_three_wrong_answers(idp: Any, pool: tuple[str, dict[str, Any]],
                                                             log: Path) -> None:
    pool_id, client = pool
    step = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "cara"})
    for _ in range(2):
        step = respond(idp, client, step, wrong(step))
        asked(step)
    with raises_code("NotAuthorizedException", WRONG):
        respond(idp, client, step, wrong(step))
    with raises_code("NotAuthorizedException", INVALID_SESSION):  # and the failed session is gone
        respond(idp, client, step, right(step))
    assert [item["challengeResult"] for item in events(log, pool_id, "define")[-1]["request"]["session"]] == [
        False, False, False]
    # custom-auth wrong answers lock nobody out: a new sign-in goes through at once
    step = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "cara"})
    assert "AccessToken" in respond(idp, client, step, right(step))["AuthenticationResult"]


def test_a_define_that_never_decides_is_stopped(idp: Any, make_client: Any, make_user: Any, log: Path) -> None:
    pool_id = custom_pool(idp, define="undecided")
    make_user(pool_id, "dan")
    client = make_client(pool_id, ExplicitAuthFlows=CUSTOM_FLOWS)
    step = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "dan"})
    rounds = 1
    with raises_code("NotAuthorizedException", WRONG):
        while rounds < 100:
            step = respond(idp, client, step, right(step), username="dan")  # even right answers: Define never decides
            rounds += 1
    # Initiate and 15 answers got questions; the 16th answer made the history MAX_CHALLENGES long,
    # so the sign-in was refused without asking Define again (and every Session on the way fitted
    # botocore's 2048-character SessionType, or the wire layer would have refused it first)
    assert rounds == MAX_CHALLENGES
    assert len(events(log, pool_id, "undecided")) == MAX_CHALLENGES
    with raises_code("NotAuthorizedException", INVALID_SESSION):  # the stopped sign-in's session is spent
        respond(idp, client, step, right(step), username="dan")


def test_flow_switches(idp: Any, make_client: Any, make_user: Any) -> None:
    pool_id = custom_pool(idp)
    make_user(pool_id, "eve")
    only_custom = make_client(pool_id, ExplicitAuthFlows=["CUSTOM_AUTH_FLOW_ONLY"])
    with raises_code("InvalidParameterException", "^Only custom auth \\(lambda driven\\) is enabled for this client.$"):
        idp.initiate_auth(ClientId=only_custom["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "eve", "PASSWORD": PASSWORD})
    step = idp.initiate_auth(ClientId=only_custom["ClientId"], AuthFlow="CUSTOM_AUTH",
                             AuthParameters={"USERNAME": "eve"})
    assert "AccessToken" in respond(idp, only_custom, step, right(step), username="eve")["AuthenticationResult"]

    no_custom = make_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    with raises_code("InvalidParameterException", "^CUSTOM_AUTH flow not enabled for this client$"):
        idp.initiate_auth(ClientId=no_custom["ClientId"], AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "eve"})
    # a session from one client is not answered through another
    with raises_code("NotAuthorizedException", INVALID_SESSION):
        respond(idp, no_custom, step, right(step), username="eve")

    plain = str(idp.create_user_pool(PoolName="no-triggers")["UserPool"]["Id"])
    make_user(plain, "eve")
    plain_client = make_client(plain, ExplicitAuthFlows=CUSTOM_FLOWS)
    with raises_code("InvalidParameterException", "^Custom auth lambda trigger is not configured for the user pool.$"):
        idp.initiate_auth(ClientId=plain_client["ClientId"], AuthFlow="CUSTOM_AUTH",
                          AuthParameters={"USERNAME": "eve"})


def test_unknown_users(idp: Any, make_client: Any, log: Path) -> None:
    pool_id = custom_pool(idp)
    legacy = make_client(pool_id, ExplicitAuthFlows=CUSTOM_FLOWS, PreventUserExistenceErrors="LEGACY")
    with raises_code("UserNotFoundException"):
        idp.initiate_auth(ClientId=legacy["ClientId"], AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "nobody"})
    assert events(log, pool_id) == []

    hiding = make_client(pool_id, ExplicitAuthFlows=CUSTOM_FLOWS, PreventUserExistenceErrors="ENABLED")
    step = idp.initiate_auth(ClientId=hiding["ClientId"], AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "nobody"})
    asked(step, "nobody")
    step = respond(idp, hiding, step, wrong(step), username="nobody")
    asked(step, "nobody")
    with raises_code("NotAuthorizedException", WRONG):  # even the right answer gets no tokens
        respond(idp, hiding, step, right(step), username="nobody")
    seen = events(log, pool_id)
    assert seen and all(event["request"]["userNotFound"] is True for event in seen)
    assert seen[0]["userName"] == "nobody"


def test_custom_with_srp(idp: Any, pool: tuple[str, dict[str, Any]], log: Path) -> None:
    pool_id, client = pool
    srp = AWSSRP(username="cara", password=PASSWORD, pool_id=pool_id, client_id=client["ClientId"], client=idp)
    started = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="CUSTOM_AUTH",
                                AuthParameters={**srp.get_auth_params(), "CHALLENGE_NAME": "SRP_A"})
    assert started["ChallengeName"] == "PASSWORD_VERIFIER" and started["Session"]
    assert set(started["ChallengeParameters"]) >= {"SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP", "USERNAME"}
    proof = srp.process_challenge(started["ChallengeParameters"], {"USERNAME": "cara"})
    step = idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="PASSWORD_VERIFIER",
                                         Session=started["Session"], ChallengeResponses=proof)
    asked(step)
    done = respond(idp, client, step, right(step))
    assert "AccessToken" in done["AuthenticationResult"]
    defines = events(log, pool_id, "define")
    assert defines[0]["request"]["session"] == [
        {"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None}]
    assert [item["challengeName"] for item in defines[-1]["request"]["session"]] == [
        "SRP_A", "PASSWORD_VERIFIER", "CUSTOM_CHALLENGE"]

    bad = AWSSRP(username="cara", password="Wrong-Horse-1", pool_id=pool_id, client_id=client["ClientId"], client=idp)
    started = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="CUSTOM_AUTH",
                                AuthParameters={**bad.get_auth_params(), "CHALLENGE_NAME": "SRP_A"})
    with raises_code("NotAuthorizedException", WRONG):
        idp.respond_to_auth_challenge(
            ClientId=client["ClientId"], ChallengeName="PASSWORD_VERIFIER", Session=started["Session"],
            ChallengeResponses=bad.process_challenge(started["ChallengeParameters"], {"USERNAME": "cara"}))
