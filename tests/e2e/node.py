"""A JavaScript client (Amplify JS v6 or amazon-cognito-identity-js, unmodified, from the npm
registry) running in a Node process and driven one call at a time by a test, over the line
protocol of ``tests/js/driver.mjs``: the test reads codes from the outbox or computes TOTP codes
between two calls, as a person with a phone would."""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from tests.e2e.server import Server

JS = Path(__file__).resolve().parents[1] / "js"
TIMEOUT = 30.0


def require_node(package: str) -> None:
    """Skip (fail under CI) when node or the npm package is missing."""
    missing = None
    if shutil.which("node") is None:
        missing = "node is not installed"
    elif not (JS / "node_modules" / package).is_dir():
        missing = f"tests/js/node_modules/{package} is missing: run `npm ci --prefix tests/js`"
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(missing)
        pytest.skip(missing)


class NodeClient:
    """``with NodeClient("amplify.mjs", server, pool_id, client_id) as app: app.call("signIn", input={...})``.

    ``call`` returns the command's result, or raises :class:`JsError` when the client reported an
    error; ``attempt`` returns the raw answer ``{"ok", "result" | "name", "code", "message"}``."""

    def __init__(self, script: str, server: Server, pool_id: str, client_id: str, package: str) -> None:
        require_node(package)
        # stderr (Amplify's warnings) to a file: a pipe nobody reads could fill and stall node
        self.stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed by close()
        self.process = subprocess.Popen(
            ["node", str(JS / script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
            text=True, bufsize=1,
        )
        self.selector = selectors.DefaultSelector()
        assert self.process.stdout is not None
        self.selector.register(self.process.stdout, selectors.EVENT_READ)
        try:
            self.attempt("configure", endpoint=server.url + "/", poolId=pool_id, clientId=client_id)
        except BaseException:
            self.close()
            raise

    def attempt(self, op: str, timeout: float = TIMEOUT, **fields: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        with contextlib.suppress(BrokenPipeError):  # node exited: reported below, with its stderr
            self.process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
            self.process.stdin.flush()
        if not self.selector.select(timeout):
            raise AssertionError(f"{op}: no answer from node within {timeout} s")
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(5)
            self.stderr.seek(0)
            raise AssertionError(f"{op}: node exited ({self.process.returncode}):\n{self.stderr.read()}")
        return dict(json.loads(line))

    def call(self, op: str, **fields: Any) -> Any:
        answer = self.attempt(op, **fields)
        if not answer["ok"]:
            raise JsError(op, answer)
        return answer["result"]

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.selector.close()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.stderr.close()

    def __enter__(self) -> NodeClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class JsError(AssertionError):
    """A call the JavaScript client answered with an error (``name``: the Cognito error type)."""

    def __init__(self, op: str, answer: dict[str, Any]) -> None:
        super().__init__(f"{op}: {answer['name']}: {answer['message']}")
        self.name, self.code, self.message = answer["name"], answer["code"], answer["message"]


def amplify(server: Server, pool_id: str, client_id: str) -> NodeClient:
    """Amplify JS v6 configured with ``userPoolEndpoint`` = the server."""
    return NodeClient("amplify.mjs", server, pool_id, client_id, "aws-amplify")


def cognito_identity_js(server: Server, pool_id: str, client_id: str) -> NodeClient:
    """amazon-cognito-identity-js with the pool's ``endpoint`` = the server."""
    return NodeClient("cijs.mjs", server, pool_id, client_id, "amazon-cognito-identity-js")
