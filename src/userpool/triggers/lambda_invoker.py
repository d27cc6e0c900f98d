"""Triggers through the Lambda ``Invoke`` API (``RequestResponse``), with boto3's ``lambda``
client — the optional extra ``pip install 'userpool[aws]'``, imported at the first invocation.

Against AWS Lambda by default, or any endpoint speaking the Invoke API (``--lambda-endpoint``:
the AWS Lambda runtime interface emulator, SAM local, LocalStack). AWS Lambda gets the whole
ARN as ``FunctionName``; an endpoint gets the ARN's function name (and its version or alias as
``Qualifier``), because the emulators know their functions by name: the runtime interface
emulator serves ``/2015-03-31/functions/<AWS_LAMBDA_FUNCTION_NAME>/invocations`` (and
``function``) only, SAM local its template's function names. The region is the ARN's (the
server's region for a bare function name); credentials come from boto3's usual chain
(environment, shared files, instance or task role). With an endpoint and no credentials at all
the requests go unsigned: local emulators accept them, and without credentials there is nothing
to sign with anyway.

A function's error is an answer marked ``X-Amz-Function-Error``; from an endpoint also an
unmarked answer that is nothing but Lambda's error envelope (``{"errorMessage", "errorType",
...}``), as some emulator versions send it.

Each attempt is limited to the trigger timeout, connecting and reading alike; botocore's own
retries are off because Cognito's retry rule applies (``invocation.with_retries``): timeouts,
connection failures, throttling and 5xx answers are retried, other Lambda errors
(AccessDeniedException, ResourceNotFoundException, ...) are final. Clients are kept per region
and timeout; they are thread-safe.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Mapping
from typing import Any

import orjson

from userpool.model.errors import TriggerFunctionError, TriggerUnreachable
from userpool.triggers.invocation import (
    ASYNC_TIMEOUT,
    ATTEMPTS,
    TIMED_OUT,
    AttemptFailed,
    decode_answer,
    function_name,
    log,
    qualifier_of,
    region_of,
    with_retries,
)

INSTALL_HINT = "pip install 'userpool[aws]'"
#: The reason given when the endpoint cannot be reached at all.
NOT_CONNECTED = "Unable to connect to the Lambda service"


def require_boto3(what: str) -> None:
    """Raises RuntimeError naming the fix when boto3 is not installed."""
    if importlib.util.find_spec("boto3") is None:
        raise RuntimeError(f"{what} needs boto3, which is not installed: {INSTALL_HINT}")


class LambdaInvoker:
    """Implements ``TriggerInvoker`` with the Lambda Invoke API."""

    def __init__(self, *, endpoint_url: str | None = None, default_region: str = "us-east-1",
                 attempts: int = ATTEMPTS) -> None:
        self.endpoint_url = endpoint_url
        self.default_region = default_region
        self.attempts = attempts
        self._clients: dict[tuple[str, float], Any] = {}
        self._lock = threading.Lock()

    def invoke(self, function_arn: str, event: Mapping[str, Any], *, timeout: float) -> dict[str, Any]:
        client = self._client(region_of(function_arn) or self.default_region, timeout)
        target = self._target(function_arn)
        payload = json.dumps(event).encode()
        return with_retries(function_arn, lambda: self._attempt(client, function_arn, target, payload), self.attempts)

    def invoke_event(self, function_arn: str, event: Mapping[str, Any]) -> None:
        """InvocationType "Event": Lambda queues the event and answers 202 at once. A refusal
        (no such function, no permission, Lambda unreachable) is logged, as Cognito's own
        asynchronous invocations report nothing to the caller."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            client = self._client(region_of(function_arn) or self.default_region, ASYNC_TIMEOUT)
            client.invoke(**self._target(function_arn), InvocationType="Event", Payload=json.dumps(event).encode())
        except (ClientError, BotoCoreError, TriggerUnreachable) as error:
            log.warning("trigger %s: asynchronous invocation failed: %r", function_arn, error)

    def _target(self, function_arn: str) -> dict[str, str]:
        if self.endpoint_url is None:
            return {"FunctionName": function_arn}
        target = {"FunctionName": function_name(function_arn)}
        qualifier = qualifier_of(function_arn)
        if qualifier:
            target["Qualifier"] = qualifier
        return target

    def _attempt(self, client: Any, function_arn: str, target: dict[str, str], payload: bytes) -> dict[str, Any]:
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectTimeoutError,
            HTTPClientError,
            ReadTimeoutError,
        )
        from botocore.exceptions import ConnectionError as BotoConnectionError

        try:
            answer = client.invoke(**target, InvocationType="RequestResponse", Payload=payload)
            body: bytes = answer["Payload"].read()
        except (ReadTimeoutError, ConnectTimeoutError) as error:
            raise AttemptFailed(TIMED_OUT, repr(error)) from None
        except (BotoConnectionError, HTTPClientError) as error:
            raise AttemptFailed(NOT_CONNECTED, repr(error)) from None
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code") or "LambdaError")
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if status >= 500 or status == 429 or code in ("TooManyRequestsException", "ThrottlingException"):
                raise AttemptFailed(code, repr(error)) from None
            log.warning("trigger %s: %r", function_arn, error)
            raise TriggerUnreachable(code) from None
        except BotoCoreError as error:  # no credentials, a bad endpoint URL, ...: no attempt will do better
            log.warning("trigger %s: %r", function_arn, error)
            raise TriggerUnreachable(type(error).__name__) from None
        if answer.get("FunctionError"):
            raise TriggerFunctionError(_error_message(body, str(answer["FunctionError"])))
        decoded = decode_answer(body)
        if self.endpoint_url is not None and _is_error_envelope(decoded):
            # some runtime interface emulator versions send a function's error without the header
            raise TriggerFunctionError(_error_message(body, "Unhandled"))
        return decoded

    def _client(self, region: str, timeout: float) -> Any:
        key = (region, timeout)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = self._make_client(region, timeout)
            return client

    def _make_client(self, region: str, timeout: float) -> Any:
        try:
            require_boto3("a Lambda trigger")
        except RuntimeError as error:
            log.error("%s", error)
            raise TriggerUnreachable("Lambda client unavailable (boto3 is not installed)") from None
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        session = boto3.session.Session()
        unsigned = self.endpoint_url is not None and session.get_credentials() is None
        config = Config(
            connect_timeout=timeout, read_timeout=timeout, retries={"total_max_attempts": 1, "mode": "standard"},
            max_pool_connections=32, **({"signature_version": UNSIGNED} if unsigned else {}),
        )
        return session.client("lambda", region_name=region, endpoint_url=self.endpoint_url, config=config)


_ERROR_ENVELOPE = frozenset(("errorMessage", "errorType", "requestId", "stackTrace", "trace", "cause"))


def _is_error_envelope(answer: Mapping[str, Any]) -> bool:
    """The body a Lambda runtime posts for a function's error, and nothing else."""
    return "errorType" in answer and isinstance(answer.get("errorMessage"), str) and set(answer) <= _ERROR_ENVELOPE


def _error_message(body: bytes, function_error: str) -> str:
    """The ``errorMessage`` of an error payload (``{"errorMessage", "errorType", ...}``); the
    error type, or Lambda's ``FunctionError`` value, when there is none."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", "replace") or function_error
    if isinstance(payload, dict):
        for key in ("errorMessage", "errorType"):
            if isinstance(payload.get(key), str):
                return str(payload[key])
    return function_error
