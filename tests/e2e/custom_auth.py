"""Shared by the CUSTOM_AUTH end-to-end tests (test_custom_auth.py with boto3,
test_custom_auth_js.py with amazon-cognito-identity-js and Amplify): a real server whose trigger
functions (tests/triggers/custom_functions.py) run either in process (``--lambda-function``) or
behind the test Lambda endpoint reached through boto3's ``lambda`` client (``--lambda-endpoint``),
a pool wired to them, and the events the functions recorded."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import serving
from tests.e2e.server import Server
from tests.triggers import custom_functions
from tests.triggers.custom_functions import LOG_VARIABLE
from tests.triggers.lambda_endpoint import LambdaEndpoint

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
WRONG = "Incorrect username or password."
INVALID_SESSION = "Invalid session for the user."
#: (storage backend, trigger runner) of the servers the tests run against.
SERVERS = [
    pytest.param(("sqlite", "in_process"), id="sqlite-in_process"),
    pytest.param(("postgres", "in_process"), id="postgres-in_process", marks=pytest.mark.postgres),
    pytest.param(("sqlite", "lambda"), id="sqlite-lambda"),
    pytest.param(("postgres", "lambda"), id="postgres-lambda", marks=pytest.mark.postgres),
]


def trigger_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The file the functions record to: one per test process (its servers inherit the variable),
    set before the first server starts; tests filter it by pool id."""
    if LOG_VARIABLE not in os.environ:
        os.environ[LOG_VARIABLE] = str(tmp_path_factory.getbasetemp() / f"custom-triggers-{uuid.uuid4().hex}.jsonl")
    return Path(os.environ[LOG_VARIABLE])


def custom_server(data_dir: Path, backend: str, runner: str) -> Iterator[Server]:
    """A server running the custom-auth functions with ``runner``: "in_process" or "lambda"."""
    if runner == "in_process":
        yield from serving(data_dir, backend, *custom_functions.flags())
        return
    handlers = {name: getattr(custom_functions, name) for name in custom_functions.FUNCTIONS}
    endpoint = LambdaEndpoint(handlers)
    try:
        yield from serving(data_dir, backend, "--lambda-endpoint", endpoint.url)
    finally:
        endpoint.close()


def custom_pool(idp: Any, define: str = "define", **settings: Any) -> str:
    """A pool whose Define / Create / Verify triggers are the test functions."""
    settings["LambdaConfig"] = {"DefineAuthChallenge": ARN + define, "CreateAuthChallenge": ARN + "create",
                                "VerifyAuthChallengeResponse": ARN + "verify"}
    return str(idp.create_user_pool(PoolName=f"custom-{uuid.uuid4().hex[:8]}", **settings)["UserPool"]["Id"])


CUSTOM_FLOWS = ["ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def events(log: Path, pool_id: str, function: str | None = None) -> list[dict[str, Any]]:
    """The events the functions received for ``pool_id`` (of one ``function`` if given)."""
    return [call["event"] for call in custom_functions.recorded(log, pool_id)
            if function is None or call["function"] == function]


def sources(log: Path, pool_id: str) -> list[str]:
    return [event["triggerSource"].split("_")[0] for event in events(log, pool_id)]
