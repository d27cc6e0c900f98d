"""Trigger settings: ``--lambda-endpoint`` and ``--lambda-function NAME=module:function``
(repeatable; ``USERPOOL_LAMBDA_FUNCTION`` comma-separated), refused at start with a clear
message when a callable does not import; a server started with a mapping says where functions
run, and builds the router the settings describe."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.server import free_port, start_server
from tests.triggers import functions
from userpool.bootstrap import trigger_runner
from userpool.cli import _serve_parser, main, settings_from
from userpool.settings import Settings, from_environment
from userpool.triggers.lambda_invoker import LambdaInvoker


def test_a_callable_that_does_not_import_stops_the_start(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "userpool.cli", "serve", "--port", str(free_port()), "--data-dir", str(tmp_path),
         "--lambda-function", "x=nonexistent.module:f"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "userpool: --lambda-function x=nonexistent.module:f: cannot import module 'nonexistent.module' "
        "(ModuleNotFoundError: No module named 'nonexistent')")
    assert "listening" not in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--lambda-function", "pre-sign-up"], "--lambda-function must look like NAME=module:function, got 'pre-sign-up'"),
    (["--lambda-function", "=tests.triggers.functions:refuse"],
     "--lambda-function must look like NAME=module:function, got '=tests.triggers.functions:refuse'"),
    (["--lambda-function", "a=tests.triggers.functions:refuse", "--lambda-function", "a=tests.triggers.functions:slow"],
     "--lambda-function: function 'a' is mapped twice"),
    (["--lambda-function", "a=tests.triggers.functions:missing"],
     "--lambda-function a=tests.triggers.functions:missing: module 'tests.triggers.functions' has no attribute "
     "'missing'"),
    (["--lambda-function", "a=tests.triggers.functions:NOT_A_FUNCTION"],
     "--lambda-function a=tests.triggers.functions:NOT_A_FUNCTION: 'tests.triggers.functions:NOT_A_FUNCTION' is "
     "not callable"),
    (["--lambda-endpoint", "localhost:9001"], "--lambda-endpoint must be an http:// or https:// URL, got "
                                              "'localhost:9001'"),
    (["--lambda-endpoint", "http://"], "--lambda-endpoint must be an http:// or https:// URL, got 'http://'"),
])
def test_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                  args: list[str], message: str) -> None:
    monkeypatch.delenv("USERPOOL_LAMBDA_FUNCTION", raising=False)
    monkeypatch.delenv("USERPOOL_LAMBDA_ENDPOINT", raising=False)
    assert main(["serve", "--data-dir", str(tmp_path), *args]) == 2
    assert capsys.readouterr().err.strip() == f"userpool: {message}"


def test_settings_from_flags_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert from_environment({
        "USERPOOL_LAMBDA_FUNCTION": "pre=app.triggers:pre_sign_up, define=app.auth:define",
        "USERPOOL_LAMBDA_ENDPOINT": "http://127.0.0.1:9001",
    }) == {"lambda_function": ("pre=app.triggers:pre_sign_up", "define=app.auth:define"),
           "lambda_endpoint": "http://127.0.0.1:9001"}
    monkeypatch.setenv("USERPOOL_LAMBDA_ENDPOINT", "http://127.0.0.1:9001")
    monkeypatch.delenv("USERPOOL_LAMBDA_FUNCTION", raising=False)
    parser = argparse.ArgumentParser()
    _serve_parser(parser.add_subparsers(dest="command"))
    settings = settings_from(parser.parse_args([
        "serve", "--lambda-function", "pre=tests.triggers.functions:fill_response",
        "--lambda-function", "define = tests.triggers.functions:refuse"]))
    assert settings.lambda_endpoint == "http://127.0.0.1:9001"
    assert settings.lambda_functions() == {"pre": "tests.triggers.functions:fill_response",
                                           "define": "tests.triggers.functions:refuse"}
    assert Settings.from_json(settings.to_json()) == settings
    router = trigger_runner(settings)
    assert router.in_process.functions == {"pre": functions.fill_response, "define": functions.refuse}
    assert isinstance(router.lambda_invoker, LambdaInvoker)
    assert router.lambda_invoker.endpoint_url == "http://127.0.0.1:9001"
    assert router.lambda_invoker.default_region == settings.region


@pytest.mark.e2e
def test_a_server_with_in_process_functions_starts(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--lambda-function", "pre=tests.triggers.functions:fill_response",
                          "--lambda-endpoint", "http://127.0.0.1:9")
    try:
        line = "triggers: pre in process; other functions through the Lambda endpoint http://127.0.0.1:9"
        assert line in server.log()
    finally:
        server.stop()
