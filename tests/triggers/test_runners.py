"""Both trigger runners, held to one behaviour with the same functions (tests/triggers/functions.py):
in process (``module:function``), and through boto3's real ``lambda`` client against a
Lambda-Invoke-compatible endpoint (lambda_endpoint.py). The answer passes through; a function
error, an answer that is not JSON or not an object, a function slower than the timeout each give
their failure; the retry rule (three attempts for what never answered, one for an answer)."""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest

from tests.e2e.server import free_port
from tests.triggers import functions
from tests.triggers.lambda_endpoint import LambdaEndpoint, lambda_endpoint
from userpool.model.errors import TriggerBadResponse, TriggerFunctionError, TriggerUnreachable
from userpool.model.ports import TriggerInvoker
from userpool.triggers.in_process import InProcessInvoker, load_functions
from userpool.triggers.invocation import TIMED_OUT
from userpool.triggers.lambda_invoker import NOT_CONNECTED, LambdaInvoker
from userpool.triggers.router import TriggerRouter

pytest.importorskip("boto3")

NAMES = ("fill_response", "refuse", "missing_key", "answer_nan", "answer_garbage", "answer_nothing", "answer_list",
         "answer_partial", "answer_unmarshallable", "slow")
REGION = "eu-west-2"
EVENT: dict[str, Any] = {
    "version": "1", "region": REGION, "userPoolId": f"{REGION}_Pool", "userName": "ann",
    "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "client1"},
    "triggerSource": "PreSignUp_SignUp",
    "request": {"userAttributes": {"email": "ann@example.com", "name": "Ann Ü"}, "validationData": None},
    "response": {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
}


def arn(name: str, region: str = REGION) -> str:
    return f"arn:aws:lambda:{region}:123456789012:function:{name}"


def in_process() -> InProcessInvoker:
    return InProcessInvoker(load_functions({name: f"tests.triggers.functions:{name}" for name in NAMES}))


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTRIGGERTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "trigger-test-secret")
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def forget_calls() -> None:
    functions.CALLS.clear()


@pytest.fixture
def endpoint(aws_credentials: None) -> Iterator[LambdaEndpoint]:
    yield from lambda_endpoint({name: getattr(functions, name) for name in NAMES})


@pytest.fixture(params=["in_process", "lambda"])
def runner(request: pytest.FixtureRequest, endpoint: LambdaEndpoint) -> TriggerInvoker:
    if request.param == "in_process":
        return in_process()
    return LambdaInvoker(endpoint_url=endpoint.url, default_region="us-east-1")


def test_the_answer_passes_through(runner: TriggerInvoker) -> None:
    sent = copy.deepcopy(EVENT)
    answer = runner.invoke(arn("fill_response"), sent, timeout=5)
    assert answer == {**EVENT, "response": {"autoConfirmUser": True, "autoVerifyEmail": True, "autoVerifyPhone": False}}
    assert sent == EVENT  # the function got a copy (through JSON), not the caller's object
    (call,) = functions.calls("fill_response")
    assert call["event"] == EVENT
    assert call["context_function"] == "fill_response"
    assert call["remaining_ms"] > 0


@pytest.mark.parametrize(("name", "message"), [
    ("refuse", "Sign-ups from example.org are closed."),
    ("missing_key", "'challengeMetaData'"),
    ("answer_unmarshallable", "Unable to marshal response: Object of type set is not JSON serializable"),
])
def test_a_function_error_is_final(runner: TriggerInvoker, name: str, message: str) -> None:
    with pytest.raises(TriggerFunctionError) as info:
        runner.invoke(arn(name), EVENT, timeout=5)
    assert info.value.message == message
    assert len(functions.calls(name)) == 1  # an answer, even an error, is not retried


def test_an_unmarked_error_envelope_from_an_endpoint(endpoint: LambdaEndpoint) -> None:
    endpoint.error_header = False
    with pytest.raises(TriggerFunctionError, match=r"^Sign-ups from example\.org are closed\.$"):
        LambdaInvoker(endpoint_url=endpoint.url).invoke(arn("refuse"), EVENT, timeout=5)
    assert len(endpoint.calls_to("refuse")) == 1


@pytest.mark.parametrize(("name", "invalid_json"), [
    ("answer_nan", True), ("answer_garbage", True), ("answer_nothing", False), ("answer_list", False),
])
def test_an_answer_that_is_not_a_json_object(runner: TriggerInvoker, name: str, invalid_json: bool) -> None:
    with pytest.raises(TriggerBadResponse) as info:
        runner.invoke(arn(name), EVENT, timeout=5)
    assert info.value.invalid_json is invalid_json
    assert len(functions.calls(name)) == 1


def test_an_object_is_returned_as_it_is(runner: TriggerInvoker) -> None:
    """Whether the object is the event is the directory's question (directory/triggers.py)."""
    assert runner.invoke(arn("answer_partial"), EVENT, timeout=5) == {"response": {"autoConfirmUser": True}}


def test_a_slow_function_is_tried_three_times_then_unreachable(runner: TriggerInvoker) -> None:
    timeout = 0.2
    started = time.monotonic()
    with pytest.raises(TriggerUnreachable) as info:
        runner.invoke(arn("slow"), EVENT, timeout=timeout)
    elapsed = time.monotonic() - started
    assert info.value.message == TIMED_OUT
    # Given up after three timeouts, not after three runs of the function (3 × SLOW_SECONDS = 4.5 s);
    # the margin absorbs a loaded CI machine.
    assert 3 * timeout <= elapsed < 3 * timeout + 2.5 < 3 * functions.SLOW_SECONDS, elapsed
    attempts = functions.calls("slow")
    assert len(attempts) == 3
    assert len({call["request_id"] for call in attempts}) == 3


def test_in_process_context_counts_down_from_the_timeout() -> None:
    in_process().invoke(arn("fill_response"), EVENT, timeout=2)
    (call,) = functions.calls("fill_response")
    assert 1000 < call["remaining_ms"] <= 2000


def test_the_region_of_the_arn_signs_the_request(endpoint: LambdaEndpoint) -> None:
    invoker = LambdaInvoker(endpoint_url=endpoint.url, default_region="ap-south-1")
    invoker.invoke(arn("fill_response", "eu-west-2"), EVENT, timeout=5)
    invoker.invoke(arn("fill_response", "ca-central-1"), EVENT, timeout=5)
    invoker.invoke("fill_response", EVENT, timeout=5)  # a bare name: the server's region
    scopes = [call.headers["Authorization"].split("Credential=")[1].split(",")[0].split("/")
              for call in endpoint.calls_to("fill_response")]
    assert [scope[0] for scope in scopes] == ["AKIDTRIGGERTEST"] * 3
    assert [(scope[2], scope[3]) for scope in scopes] == [
        ("eu-west-2", "lambda"), ("ca-central-1", "lambda"), ("ap-south-1", "lambda")]
    # an endpoint gets the function's name, as the emulators know their functions
    paths = [unquote(call.path) for call in endpoint.calls_to("fill_response")]
    assert paths == ["/2015-03-31/functions/fill_response/invocations"] * 3
    assert {call.headers["X-Amz-Invocation-Type"] for call in endpoint.calls_to("fill_response")} == {
        "RequestResponse"}


def test_aws_lambda_gets_the_whole_arn(endpoint: LambdaEndpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --lambda-endpoint the client talks to AWS Lambda; boto3's own endpoint setting
    (AWS_ENDPOINT_URL_LAMBDA) points it at the test endpoint to see what AWS would get."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", endpoint.url)
    invoker = LambdaInvoker(default_region="us-east-1")
    answer = invoker.invoke(f"{arn('fill_response', 'ca-central-1')}:live", EVENT, timeout=5)
    assert answer["response"]["autoConfirmUser"] is True
    (call,) = endpoint.calls_to("fill_response")
    assert unquote(call.path) == f"/2015-03-31/functions/{arn('fill_response', 'ca-central-1')}:live/invocations"
    scope = call.headers["Authorization"].split("Credential=")[1].split(",")[0].split("/")
    assert (scope[2], scope[3]) == ("ca-central-1", "lambda")


def test_a_qualified_arn_sends_its_qualifier(endpoint: LambdaEndpoint) -> None:
    LambdaInvoker(endpoint_url=endpoint.url).invoke(f"{arn('fill_response')}:live", EVENT, timeout=5)
    (call,) = endpoint.calls_to("fill_response")
    assert call.path == "/2015-03-31/functions/fill_response/invocations?Qualifier=live"


def test_no_credentials_with_an_endpoint_sends_unsigned(
        endpoint: LambdaEndpoint, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    answer = LambdaInvoker(endpoint_url=endpoint.url).invoke(arn("fill_response"), EVENT, timeout=5)
    assert answer["response"]["autoConfirmUser"] is True
    (call,) = endpoint.calls_to("fill_response")
    assert "Authorization" not in call.headers


def test_an_endpoint_that_is_down_is_unreachable(aws_credentials: None, caplog: pytest.LogCaptureFixture) -> None:
    invoker = LambdaInvoker(endpoint_url=f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="userpool.triggers"), pytest.raises(TriggerUnreachable) as info:
        invoker.invoke(arn("fill_response"), EVENT, timeout=1)
    assert info.value.message == NOT_CONNECTED
    assert time.monotonic() - started < 3
    attempts = [record.getMessage() for record in caplog.records if record.name == "userpool.triggers"]
    assert [message.split(" failed")[0] for message in attempts] == [
        f"trigger {arn('fill_response')}: attempt {n} of 3" for n in (1, 2, 3)]


def test_an_unknown_function_is_not_retried(runner: TriggerInvoker, endpoint: LambdaEndpoint) -> None:
    with pytest.raises(TriggerUnreachable) as info:
        runner.invoke(arn("no_such_function"), EVENT, timeout=5)
    assert info.value.message == "ResourceNotFoundException"
    assert len(endpoint.calls_to("no_such_function")) == (0 if isinstance(runner, InProcessInvoker) else 1)


@pytest.mark.parametrize(("status", "code", "attempts"), [
    (429, "TooManyRequestsException", 3),
    (502, "ServiceException", 3),
    (403, "AccessDeniedException", 1),
])
def test_lambda_service_errors(endpoint: LambdaEndpoint, status: int, code: str, attempts: int) -> None:
    endpoint.failures["fill_response"] = (status, code)
    with pytest.raises(TriggerUnreachable) as info:
        LambdaInvoker(endpoint_url=endpoint.url).invoke(arn("fill_response"), EVENT, timeout=5)
    assert info.value.message == code
    assert len(endpoint.calls_to("fill_response")) == attempts
    assert functions.calls("fill_response") == []


def test_the_router_runs_mapped_names_in_process(endpoint: LambdaEndpoint) -> None:
    router = TriggerRouter(
        InProcessInvoker(load_functions({"fill_response": "tests.triggers.functions:fill_response"})),
        LambdaInvoker(endpoint_url=endpoint.url),
    )
    router.invoke(arn("fill_response"), EVENT, timeout=5)
    router.invoke(f"{arn('fill_response')}:live", EVENT, timeout=5)  # a qualified ARN names the same function
    router.invoke("fill_response", EVENT, timeout=5)
    assert endpoint.invocations == []
    assert len(functions.calls("fill_response")) == 3
    with pytest.raises(TriggerFunctionError, match=r"^Sign-ups from example\.org are closed\.$"):
        router.invoke(arn("refuse"), EVENT, timeout=5)
    assert [call.function for call in endpoint.invocations] == ["refuse"]
