"""CUSTOM_AUTH through the JavaScript clients apps are built on, unmodified from the npm registry,
against a real server running real trigger code (tests/triggers/custom_functions.py: a question
whose answer only the functions know) in process and behind the test Lambda endpoint, on both
databases:

- amazon-cognito-identity-js: ``initiateAuth`` → the ``customChallenge`` callback →
  ``sendCustomChallengeAnswer`` (with ClientMetadata); CUSTOM_WITH_SRP through
  ``setAuthenticationFlowType('CUSTOM_AUTH')`` + ``authenticateUser`` (the password proof first);
- Amplify JS v6: ``signIn`` with ``authFlowType`` ``CUSTOM_WITHOUT_SRP`` and ``CUSTOM_WITH_SRP`` →
  CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE → ``confirmSignIn``.

Wrong answers are refused as each client surfaces them: a new question, then (Define's third
strike) NotAuthorizedException; a wrong password in CUSTOM_WITH_SRP ends the sign-in at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.e2e.conftest import PASSWORD
from tests.e2e.custom_auth import CUSTOM_FLOWS, SERVERS, WRONG, custom_pool, custom_server, events, trigger_log
from tests.e2e.node import JsError, NodeClient, amplify, cognito_identity_js
from tests.e2e.server import Server
from tests.triggers.custom_functions import answer_to

pytestmark = pytest.mark.node

CUSTOM_STEP = "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE"


@pytest.fixture(scope="module", params=SERVERS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    trigger_log(tmp_path_factory)
    backend, runner = request.param
    yield from custom_server(tmp_path_factory.mktemp(f"custom-js-{backend}-{runner}"), backend, runner)


@pytest.fixture
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trigger_log(tmp_path_factory)


@pytest.fixture
def pool(idp: Any, make_client: Any, make_user: Any) -> tuple[str, dict[str, Any]]:
    pool_id = custom_pool(idp)
    make_user(pool_id, "cara", email="cara@example.com")
    return pool_id, make_client(pool_id, ExplicitAuthFlows=CUSTOM_FLOWS)


def wrong(question: str) -> str:
    return str(int(answer_to(question)) + 1)


def signed_in_as(idp: Any, access_token: str, id_token: str | None, username: str) -> None:
    assert idp.get_user(AccessToken=access_token)["Username"] == username
    if id_token is not None:
        assert jwt.decode(id_token, options={"verify_signature": False})["cognito:username"] == username


# --- amazon-cognito-identity-js -------------------------------------------------------------

def challenged(event: dict[str, Any]) -> str:
    """The question of a ``customChallenge`` callback."""
    assert event["callback"] == "customChallenge", event
    parameters = event["args"][0]
    assert set(parameters) == {"question", "USERNAME"} and parameters["USERNAME"] == "cara", parameters
    return str(parameters["question"])


def failed(event: dict[str, Any], code: str, message: str) -> None:
    assert event["callback"] == "onFailure", event
    assert (event["args"][0]["code"], event["args"][0]["message"]) == (code, message), event


def test_cijs_custom_challenge(server: Server, idp: Any, pool: tuple[str, dict[str, Any]], log: Path) -> None:
    pool_id, client = pool
    with cognito_identity_js(server, pool_id, client["ClientId"]) as js:
        first = challenged(js.call("initiateAuth", username="cara", clientMetadata={"from": "initiate"}))
        second = challenged(js.call("sendCustomChallengeAnswer", answer=wrong(first), clientMetadata={"app": "cijs"}))
        done = js.call("sendCustomChallengeAnswer", answer=answer_to(second), clientMetadata={"app": "cijs"})
        assert done["callback"] == "onSuccess", done
        signed_in_as(idp, done["args"][0]["accessToken"], done["args"][0]["idToken"], "cara")
    seen = events(log, pool_id)
    assert "clientMetadata" not in seen[0]["request"]  # InitiateAuth's ClientMetadata goes to no custom trigger
    assert [event["request"]["clientMetadata"] for event in seen[2:]] == [{"app": "cijs"}] * 5
    verify = events(log, pool_id, "verify")
    assert [event["request"]["challengeAnswer"] for event in verify] == [wrong(first), answer_to(second)]


def test_cijs_three_wrong_answers(server: Server, pool: tuple[str, dict[str, Any]]) -> None:
    pool_id, client = pool
    with cognito_identity_js(server, pool_id, client["ClientId"]) as js:
        event = js.call("initiateAuth", username="cara")
        for _ in range(2):
            event = js.call("sendCustomChallengeAnswer", answer=wrong(challenged(event)))
        failed(js.call("sendCustomChallengeAnswer", answer=wrong(challenged(event))), "NotAuthorizedException", WRONG)


def test_cijs_custom_with_srp(server: Server, idp: Any, pool: tuple[str, dict[str, Any]], log: Path) -> None:
    pool_id, client = pool
    with cognito_identity_js(server, pool_id, client["ClientId"]) as js:
        question = challenged(js.call("authenticateUser", username="cara", password=PASSWORD, flow="CUSTOM_AUTH"))
        done = js.call("sendCustomChallengeAnswer", answer=answer_to(question))
        assert done["callback"] == "onSuccess", done
        signed_in_as(idp, done["args"][0]["accessToken"], done["args"][0]["idToken"], "cara")
        failed(js.call("authenticateUser", username="cara", password="Wrong-Horse-1", flow="CUSTOM_AUTH"),
               "NotAuthorizedException", WRONG)
    defines = events(log, pool_id, "define")
    assert [[item["challengeName"] for item in event["request"]["session"]] for event in defines[:3]] == [
        ["SRP_A"], ["SRP_A", "PASSWORD_VERIFIER"], ["SRP_A", "PASSWORD_VERIFIER", "CUSTOM_CHALLENGE"]]
    assert len(defines) == 4  # the wrong password: Define asked once (SRP_A), never after the proof


# --- Amplify JS v6 --------------------------------------------------------------------------

def question_of(step: dict[str, Any]) -> str:
    assert step["isSignedIn"] is False, step
    assert step["nextStep"]["signInStep"] == CUSTOM_STEP, step
    info = step["nextStep"]["additionalInfo"]
    assert set(info) == {"question", "USERNAME"} and info["USERNAME"] == "cara", info
    return str(info["question"])


def confirm(app: NodeClient, answer: str, **options: Any) -> dict[str, Any]:
    result: dict[str, Any] = app.call("confirmSignIn", input={"challengeResponse": answer, "options": options})
    return result


@pytest.mark.parametrize("flow", ["CUSTOM_WITHOUT_SRP", "CUSTOM_WITH_SRP"])
def test_amplify_custom_sign_in(flow: str, server: Server, idp: Any, pool: tuple[str, dict[str, Any]],
                                log: Path) -> None:
    pool_id, client = pool
    sign_in: dict[str, Any] = {"username": "cara", "options": {"authFlowType": flow}}
    if flow == "CUSTOM_WITH_SRP":
        sign_in["password"] = PASSWORD
    with amplify(server, pool_id, client["ClientId"]) as app:
        question = question_of(app.call("signIn", input=sign_in))
        question = question_of(confirm(app, wrong(question), clientMetadata={"app": "amplify"}))
        done = confirm(app, answer_to(question), clientMetadata={"app": "amplify"})
        assert done == {"isSignedIn": True, "nextStep": {"signInStep": "DONE"}}
        tokens = app.call("tokens")
        signed_in_as(idp, tokens["accessToken"], tokens["idToken"], "cara")
        assert app.call("getCurrentUser")["username"] == "cara"
    verify = events(log, pool_id, "verify")
    assert [event["request"]["clientMetadata"] for event in verify] == [{"app": "amplify"}] * 2
    first_define = events(log, pool_id, "define")[0]
    expected = [] if flow == "CUSTOM_WITHOUT_SRP" else [
        {"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None}]
    assert first_define["request"]["session"] == expected


def test_amplify_wrong_answers_and_password(server: Server, pool: tuple[str, dict[str, Any]]) -> None:
    pool_id, client = pool
    with amplify(server, pool_id, client["ClientId"]) as app:
        step = app.call("signIn", input={"username": "cara", "options": {"authFlowType": "CUSTOM_WITHOUT_SRP"}})
        for _ in range(2):
            step = confirm(app, wrong(question_of(step)))
        with pytest.raises(JsError) as error:
            confirm(app, wrong(question_of(step)))
        assert (error.value.name, error.value.message) == ("NotAuthorizedException", WRONG)
    with amplify(server, pool_id, client["ClientId"]) as app:
        with pytest.raises(JsError) as error:
            app.call("signIn", input={"username": "cara", "password": "Wrong-Horse-1",
                                      "options": {"authFlowType": "CUSTOM_WITH_SRP"}})
        assert (error.value.name, error.value.message) == ("NotAuthorizedException", WRONG)
