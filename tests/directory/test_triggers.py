"""directory/triggers.py: which function a pool names, Cognito's error for every failure (exact
texts, spec §7.5, §11.6), the common event fields (§7.2, §11.7) field by field, and
``request.userAttributes`` with its pseudo-attributes. Functions run for real, in process and
through boto3 against the test Lambda endpoint."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.server import free_port
from tests.triggers import functions
from tests.triggers.lambda_endpoint import LambdaEndpoint, lambda_endpoint
from userpool.crypto.sealing import AesGcmSecretBox
from userpool.directory import triggers
from userpool.directory.runtime import Runtime
from userpool.model.entities import User, UserPool, UserStatus
from userpool.model.errors import (
    CognitoError,
    InvalidLambdaResponseException,
    UnexpectedLambdaException,
    UserLambdaValidationException,
)
from userpool.model.ports import TriggerInvoker
from userpool.storage import open_store
from userpool.triggers.in_process import InProcessInvoker, load_functions
from userpool.triggers.lambda_invoker import LambdaInvoker
from userpool.triggers.router import TriggerRouter

NAMES = ("fill_response", "refuse", "missing_key", "answer_nan", "answer_garbage", "answer_nothing", "answer_list",
         "answer_partial", "slow")
ACCOUNT = "123456789012"


def arn(name: str) -> str:
    return f"arn:aws:lambda:eu-west-2:{ACCOUNT}:function:{name}"


def pool(lambda_config: dict[str, Any] | None = None, **config: Any) -> UserPool:
    return UserPool(id="eu-west-2_Trig9ers", name="pool", created=0.0, last_modified=0.0,
                    config={"LambdaConfig": lambda_config or {}, **config})


def user(status: UserStatus = UserStatus.CONFIRMED, **attributes: str) -> User:
    return User(pool_id="eu-west-2_Trig9ers", username="ann", attributes={"sub": "5f0c-sub", **attributes},
                status=status, enabled=True, created=0.0, last_modified=0.0)


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[LambdaEndpoint]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTRIGGERTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "trigger-test-secret")
    functions.CALLS.clear()
    yield from lambda_endpoint({name: getattr(functions, name) for name in NAMES})


def runtime(tmp_path: Path, invoker: TriggerInvoker | None) -> Runtime:
    store = open_store(f"sqlite:///{tmp_path / 'triggers.db'}", AesGcmSecretBox(b"\x01" * 32, os.urandom))
    if invoker is None:
        return Runtime(store=store, clock=None, random=None, sender=None, code_pepper=b"")  # type: ignore[arg-type]
    return Runtime(store=store, clock=None, random=None, sender=None, code_pepper=b"",  # type: ignore[arg-type]
                   triggers=invoker)


@pytest.fixture(params=["in_process", "lambda"])
def rt(request: pytest.FixtureRequest, tmp_path: Path, endpoint: LambdaEndpoint) -> Iterator[Runtime]:
    mapped = {name: f"tests.triggers.functions:{name}" for name in NAMES} if request.param == "in_process" else {}
    made = runtime(tmp_path, TriggerRouter(InProcessInvoker(load_functions(mapped)),
                                           LambdaInvoker(endpoint_url=endpoint.url)))
    yield made
    made.store.close()


def an_event(rt: Runtime, target: UserPool) -> dict[str, Any]:
    return triggers.event(rt, target, "PreSignUp_SignUp", "ann", "client1",
                          {"userAttributes": {"email": "ann@example.com"}, "validationData": None},
                          {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False})


def refused(error: type[CognitoError], message: str) -> Any:
    import re

    return pytest.raises(error, match=f"^{re.escape(message)}$")


def test_the_answer_comes_back(rt: Runtime) -> None:
    target = pool({"PreSignUp": arn("fill_response")})
    event = an_event(rt, target)
    answer = triggers.invoke(rt, target, "PreSignUp", event)
    assert answer == {**event, "response": {"autoConfirmUser": True, "autoVerifyEmail": True, "autoVerifyPhone": False}}


def test_no_function_no_call(rt: Runtime) -> None:
    target = pool({"PostConfirmation": arn("fill_response")})
    assert triggers.invoke(rt, target, "PreSignUp", an_event(rt, target)) is None
    assert triggers.invoke(rt, pool(), "PreSignUp", an_event(rt, target)) is None
    assert functions.CALLS == []


@pytest.mark.parametrize(("key", "name", "error", "message"), [
    ("PreSignUp", "refuse", UserLambdaValidationException,
     "PreSignUp failed with error Sign-ups from example.org are closed.."),
    ("CreateAuthChallenge", "missing_key", UserLambdaValidationException,
     "CreateAuthChallenge failed with error 'challengeMetaData'."),
    ("PreSignUp", "answer_nan", InvalidLambdaResponseException, "Invalid lambda function output : Invalid JSON"),
    ("CustomMessage", "answer_garbage", InvalidLambdaResponseException,
     "Invalid lambda function output : Invalid JSON"),
    ("DefineAuthChallenge", "answer_nothing", InvalidLambdaResponseException, "Unrecognizable lambda output"),
    ("PreSignUp", "answer_list", InvalidLambdaResponseException, "Unrecognizable lambda output"),
    ("PreSignUp", "answer_partial", InvalidLambdaResponseException, "Unrecognizable lambda output"),
])
def test_failures_become_cognito_errors(
        rt: Runtime, key: str, name: str, error: type[CognitoError], message: str) -> None:
    target = pool({key: arn(name)})
    with refused(error, message):
        triggers.invoke(rt, target, key, an_event(rt, target))


def test_a_timeout_is_an_unexpected_lambda_exception(rt: Runtime) -> None:
    target = pool({"PostAuthentication": arn("slow")})
    with refused(UnexpectedLambdaException,
                 "PostAuthentication invocation failed due to error Socket timeout while invoking Lambda function."):
        triggers.invoke(rt, target, "PostAuthentication", an_event(rt, target), timeout=0.1)
    assert len(functions.calls("slow")) == 3


def test_unreachable_functions(tmp_path: Path, endpoint: LambdaEndpoint) -> None:
    target = pool({"PreAuthentication": arn("not_deployed")})
    rt = runtime(tmp_path, LambdaInvoker(endpoint_url=endpoint.url))
    with refused(UnexpectedLambdaException,
                 "PreAuthentication invocation failed due to error ResourceNotFoundException."):
        triggers.invoke(rt, target, "PreAuthentication", an_event(rt, target))
    endpoint.failures["fill_response"] = (403, "AccessDeniedException")
    target = pool({"PostConfirmation": arn("fill_response")})
    with refused(UnexpectedLambdaException,
                 "PostConfirmation invocation failed due to error AccessDeniedException."):
        triggers.invoke(rt, target, "PostConfirmation", an_event(rt, target))
    down = runtime(tmp_path, LambdaInvoker(endpoint_url=f"http://127.0.0.1:{free_port()}"))
    with refused(UnexpectedLambdaException,
                 "PostConfirmation invocation failed due to error Unable to connect to the Lambda service."):
        triggers.invoke(down, target, "PostConfirmation", an_event(down, target), timeout=1)
    rt.store.close()
    down.store.close()


def test_a_runtime_without_runner_never_skips_a_trigger(tmp_path: Path) -> None:
    rt = runtime(tmp_path, None)
    target = pool({"PreSignUp": arn("fill_response")})
    with refused(UnexpectedLambdaException, "PreSignUp invocation failed due to error no trigger runner."):
        triggers.invoke(rt, target, "PreSignUp", an_event(rt, target))
    rt.store.close()


def test_which_function_a_pool_names() -> None:
    config = {
        "PreTokenGeneration": arn("v1"),
        "PreTokenGenerationConfig": {"LambdaArn": arn("v2"), "LambdaVersion": "V2_0"},
        "CustomSMSSender": {"LambdaArn": arn("sms"), "LambdaVersion": "V1_0"},
        "KMSKeyID": "arn:aws:kms:eu-west-2:123456789012:key/1",
        "UserMigration": arn("migrate"),
    }
    target = pool(config)
    assert triggers.function_arn(target, "PreTokenGeneration") == arn("v2")
    assert triggers.function_arn(target, "CustomSMSSender") == arn("sms")
    assert triggers.function_arn(target, "UserMigration") == arn("migrate")
    assert triggers.function_arn(target, "PreSignUp") is None
    assert triggers.function_arn(pool({"PreTokenGeneration": arn("v1")}), "PreTokenGeneration") == arn("v1")
    assert triggers.function_arn(UserPool(id="us-east-1_x", name="p", created=0, last_modified=0), "PreSignUp") is None


@pytest.mark.parametrize("answer", [
    {"version": "1", "response": {}},
    {"version": "1", "region": "r", "userPoolId": "p", "userName": "u", "callerContext": {},
     "triggerSource": "s", "request": {}, "response": None},
    {"version": "1", "region": "r", "userPoolId": "p", "userName": "u", "callerContext": {},
     "triggerSource": "s", "request": {}, "response": "filled"},
    "event", None, [],
])
def test_check_answer_refuses(answer: object) -> None:
    event = {"version": "1", "region": "r", "userPoolId": "p", "userName": "u", "callerContext": {},
             "triggerSource": "s", "request": {}, "response": {}}
    with refused(InvalidLambdaResponseException, "Unrecognizable lambda output"):
        triggers.check_answer(event, answer)


def test_check_answer_accepts_the_event_with_more() -> None:
    event = {"version": "1", "region": "r", "userPoolId": "p", "userName": "u", "callerContext": {},
             "triggerSource": "s", "request": {}, "response": {}}
    answer = {**event, "response": {"autoConfirmUser": True}, "extra": 1}
    assert triggers.check_answer(event, answer) == answer


def test_event_fields(tmp_path: Path) -> None:
    rt = runtime(tmp_path, None)
    target = pool()
    request = {"userAttributes": {"email": "ann@example.com"}, "validationData": {"k": "v"}}
    response = {"challengeName": None, "issueTokens": None, "failAuthentication": None}
    event = triggers.event(rt, target, "DefineAuthChallenge_Authentication", "ann", "client1", request, response)
    assert list(event) == ["version", "region", "userPoolId", "userName", "callerContext", "triggerSource",
                           "request", "response"]
    assert event["version"] == "1"
    assert event["region"] == "eu-west-2"
    assert event["userPoolId"] == "eu-west-2_Trig9ers"
    assert event["userName"] == "ann"
    assert event["callerContext"] == {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "client1"}
    assert event["triggerSource"] == "DefineAuthChallenge_Authentication"
    assert event["request"] == request and event["request"] is not request
    assert event["response"] == response and event["response"] is not response
    admin = triggers.event(rt, target, "TokenGeneration_Authentication", "ann", None, {}, {}, version="2",
                           sdk_version="aws-sdk-js-2.1639.0")
    assert admin["version"] == "2"
    assert admin["callerContext"] == {"awsSdkVersion": "aws-sdk-js-2.1639.0", "clientId": "CLIENT_ID_NOT_APPLICABLE"}
    rt.store.close()


def test_user_attributes_without_aliases() -> None:
    attributes = triggers.user_attributes(
        pool(), user(email="ann@example.com", email_verified="true", name="Ann", **{"custom:tier": "gold"}))
    assert attributes == {"sub": "5f0c-sub", "email": "ann@example.com", "email_verified": "true", "name": "Ann",
                          "custom:tier": "gold", "cognito:user_status": "CONFIRMED"}
    assert next(iter(attributes)) == "sub"


def test_user_attributes_with_alias_attributes() -> None:
    target = pool(AliasAttributes=["email", "phone_number", "preferred_username"])
    verified = user(UserStatus.FORCE_CHANGE_PASSWORD, email="ann@example.com", email_verified="true",
                    phone_number="+447700900123", phone_number_verified="false", preferred_username="annie")
    attributes = triggers.user_attributes(target, verified)
    assert attributes["cognito:user_status"] == "FORCE_CHANGE_PASSWORD"
    assert attributes["cognito:email_alias"] == "ann@example.com"
    assert "cognito:phone_number_alias" not in attributes  # not verified: not a sign-in name
    both = user(email="ann@example.com", email_verified="false", phone_number="+447700900123",
                phone_number_verified="true")
    attributes = triggers.user_attributes(target, both)
    assert "cognito:email_alias" not in attributes
    assert attributes["cognito:phone_number_alias"] == "+447700900123"


def test_user_attributes_with_username_attributes() -> None:
    target = pool(UsernameAttributes=["email"])
    attributes = triggers.user_attributes(target, user(UserStatus.UNCONFIRMED, email="ann@example.com",
                                                       email_verified="false", phone_number="+447700900123",
                                                       phone_number_verified="true"))
    assert attributes["cognito:email_alias"] == "ann@example.com"  # the sign-in e-mail, verified or not
    assert "cognito:phone_number_alias" not in attributes  # phone numbers are not sign-in names in this pool
    assert attributes["cognito:user_status"] == "UNCONFIRMED"


@pytest.mark.parametrize(("agent", "expected"), [
    ("aws-sdk-js/2.1639.0 promise", "aws-sdk-js-2.1639.0"),
    ("aws-sdk-js/3.600.0 ua/2.1 os/linux#6.1 lang/js md/nodejs#20.20.2", "aws-sdk-js-3.600.0"),
    ("Java/17 aws-sdk-java/2.20.1 Linux", "aws-sdk-java-2.20.1"),
    ("Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1", "aws-sdk-unknown-unknown"),
    ("aws-amplify/6.22.1 auth/1 framework/0", "aws-sdk-unknown-unknown"),
    ("not-aws-sdk-js/1.0", "aws-sdk-unknown-unknown"),
    (None, "aws-sdk-unknown-unknown"),
    ("aws-sdk-js/" + "9" * 5000, "aws-sdk-unknown-unknown"),
])
def test_sdk_of_the_user_agent(agent: str | None, expected: str) -> None:
    assert triggers.sdk_of(agent) == expected


def test_event_reads_the_callers_agent() -> None:
    token = triggers.caller_agent.set("aws-sdk-js/2.1639.0 promise")
    try:
        event = triggers.event(None, pool(), "PreSignUp_SignUp", "ann", "c", {}, {})  # type: ignore[arg-type]
    finally:
        triggers.caller_agent.reset(token)
    assert event["callerContext"]["awsSdkVersion"] == "aws-sdk-js-2.1639.0"
