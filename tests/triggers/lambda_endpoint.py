"""A Lambda-Invoke-compatible HTTP endpoint for the tests: what AWS Lambda (or the runtime
interface emulator, SAM local, LocalStack) answers to ``Invoke``, with registered Python
handlers as the functions.

``POST /2015-03-31/functions/{FunctionName}/invocations`` (FunctionName a name or an ARN,
percent-encoded as botocore sends it; ``Qualifier`` in the query):
- 200 with the handler's answer as the body, serialised as the Python runtime does
  (``json.dumps``; bytes as they are), header ``X-Amz-Executed-Version``;
- a handler that raises: 200 with ``X-Amz-Function-Error: Unhandled`` and
  ``{"errorMessage", "errorType", "requestId", "stackTrace"}``; an unserialisable answer:
  the same with ``Runtime.MarshalError``;
- ``X-Amz-Invocation-Type: Event``: 202 with an empty body at once, the handler run afterwards
  in a thread of its own, its answer or error dropped (Lambda's asynchronous invocation);
- an unknown function: 404 ``ResourceNotFoundException`` (``x-amzn-ErrorType`` and the JSON
  body Lambda sends); ``failures[name] = (status, code)`` makes a function answer that error
  instead (throttling, service errors, access denied).

Every request is recorded (function, path, headers, event) in ``invocations``."""

from __future__ import annotations

import contextlib
import copy
import json
import re
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")
_ACCOUNT = "000000000000"


@dataclass
class Invocation:
    function: str
    path: str
    headers: dict[str, str]
    event: Any


@dataclass
class Context:
    """Lambda's Python context object, as much of it as the functions read."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 3000


class LambdaEndpoint:
    def __init__(self, handlers: Mapping[str, Callable[[Any, Any], Any]], region: str = "us-east-1") -> None:
        self.handlers = dict(handlers)
        self.region = region
        self.failures: dict[str, tuple[int, str]] = {}
        #: False: a function's error comes without X-Amz-Function-Error, as some emulator versions send it
        self.error_header = True
        self.invocations: list[Invocation] = []
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                endpoint.serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False  # a handler still sleeping must not hold up the tests
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def calls_to(self, function: str) -> list[Invocation]:
        with self._lock:
            return [call for call in self.invocations if call.function == function]

    def serve(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        match = _PATH.match(parts.path)
        if match is None:
            self._answer(request, 404, {"x-amzn-ErrorType": "UnknownOperationException"},
                         json.dumps({"message": "Unknown operation"}).encode())
            return
        arn = unquote(match["name"])
        pieces = arn.split(":")
        name = pieces[6] if len(pieces) >= 7 and pieces[0] == "arn" else arn
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        event = json.loads(body) if body else {}
        with self._lock:
            # A copy: the handler changes the event it is given (it fills in ``response``).
            self.invocations.append(Invocation(name, request.path, dict(request.headers.items()), copy.deepcopy(event)))
        function_arn = f"arn:aws:lambda:{self.region}:{_ACCOUNT}:function:{name}"
        if name in self.failures:
            status, code = self.failures[name]
            self._answer(request, status, {"x-amzn-ErrorType": code},
                         json.dumps({"Type": "Service" if status >= 500 else "User", "message": code}).encode())
            return
        handler = self.handlers.get(name)
        if handler is None:
            self._answer(request, 404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, json.dumps(
                {"Type": "User", "message": f"Function not found: {function_arn}"}).encode())
            return
        context = Context(function_name=name, invoked_function_arn=function_arn)
        if request.headers.get("X-Amz-Invocation-Type") == "Event":
            # queued: 202 at once, the function runs later and its outcome goes nowhere
            self._answer(request, 202, {}, b"")
            threading.Thread(target=_run_event, args=(handler, event, context), daemon=True).start()
            return
        try:
            answer = handler(event, context)
        except Exception as error:
            self._function_error(request, context, type(error).__name__, str(error), traceback.format_tb(
                error.__traceback__))
            return
        if isinstance(answer, bytes):
            payload = answer
        else:
            try:
                payload = json.dumps(answer).encode()
            except (TypeError, ValueError) as error:
                self._function_error(request, context, "Runtime.MarshalError",
                                     f"Unable to marshal response: {error}", [])
                return
        self._answer(request, 200, {"X-Amz-Executed-Version": "$LATEST"}, payload)

    def _function_error(self, request: BaseHTTPRequestHandler, context: Context, error_type: str, message: str,
                        stack: list[str]) -> None:
        body = {"errorMessage": message, "errorType": error_type, "requestId": context.aws_request_id,
                "stackTrace": stack}
        headers = {"X-Amz-Executed-Version": "$LATEST"}
        if self.error_header:
            headers["X-Amz-Function-Error"] = "Unhandled"
        self._answer(request, 200, headers, json.dumps(body).encode())

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, status: int, headers: Mapping[str, str], body: bytes) -> None:
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(body)))
            request.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            for name, value in headers.items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the caller gave up waiting (a timeout test)
            pass


def _run_event(handler: Callable[[Any, Any], Any], event: Any, context: Context) -> None:
    with contextlib.suppress(Exception):  # an Event invocation's error goes back to nobody
        handler(event, context)


def lambda_endpoint(handlers: Mapping[str, Callable[[Any, Any], Any]]) -> Iterator[LambdaEndpoint]:
    """Fixture body: an endpoint running ``handlers``, closed afterwards."""
    endpoint = LambdaEndpoint(handlers)
    try:
        yield endpoint
    finally:
        endpoint.close()
