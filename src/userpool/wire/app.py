"""The ASGI 3 application: the Cognito JSON API on ``POST /`` plus discovery documents (spec §1).

Routes:
  ``POST /``                                          an API call named by ``X-Amz-Target``
  ``GET /{poolId}/.well-known/jwks.json``             pool signing keys (spec §6.9)
  ``GET /{poolId}/.well-known/openid-configuration``  OIDC discovery
  ``GET /``, ``GET /health``                          liveness for load balancers
  ``OPTIONS *``                                       CORS preflight (spec §1.7)

Handlers are synchronous (database and CPU work). With ``inline`` they run on the event-loop
thread: right for an embedded database, where a handler only ever waits for the CPU, and the
cheapest way (a thread hand-off costs a fair share of a sign-in's non-cryptographic CPU).
Otherwise everything after reading the body runs in a worker thread, so that a handler waiting
on a network database lets the others run. ``CognitoError`` becomes its response in
``protocol.error_response``; anything else is logged and answered ``InternalErrorException``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, TypeVar

from userpool.model.errors import CognitoError, InternalErrorException
from userpool.wire import protocol, validation
from userpool.wire.registry import Request
from userpool.wire.sigv4 import SigV4Verifier

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
_T = TypeVar("_T")

Dispatch = Callable[[Request], dict[str, Any]]
WellKnown = Callable[[str, str, str], tuple[int, dict[str, Any]]]

_WELL_KNOWN = re.compile(r"/([^/]+)/\.well-known/(jwks\.json|openid-configuration)")
_DEFAULT_ALLOWED_HEADERS = (
    "authorization,content-type,x-amz-target,x-amz-user-agent,x-amz-date,x-amz-security-token,"
    "x-amz-content-sha256,amz-sdk-invocation-id,amz-sdk-request,cache-control"
)


@dataclass(frozen=True, slots=True)
class _Call:
    """What the worker thread needs of one API request."""

    operation: str
    body: bytes
    headers: dict[str, str]
    path: str
    query: str
    source_ip: str | None
    request_id: str


class _ClientGone(Exception):
    """The client disconnected before the request body arrived."""


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


def _base_url(scope: Scope, headers: dict[str, str]) -> str:
    scheme = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    if scheme not in ("http", "https"):
        scheme = str(scope.get("scheme", "http"))
    host = headers.get("host", "").strip()
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
    return f"{scheme}://{host}{scope.get('root_path', '')}"


class _WireApp:
    def __init__(
        self,
        dispatch: Dispatch,
        well_known: WellKnown,
        sigv4: SigV4Verifier,
        max_body: int,
        logger: logging.Logger,
        inline: bool,
    ) -> None:
        self._inline = inline
        self._dispatch = dispatch
        self._well_known = well_known
        self._sigv4 = sigv4
        self._max_body = max_body
        self._log = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1000})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = str(uuid.uuid4())
        method: str = scope["method"]
        path: str = scope["path"]
        headers = _headers(scope)
        try:
            if method == "OPTIONS":
                response = self._preflight(headers, request_id)
            elif path == "/" and method == "POST":
                response = await self._api(scope, receive, headers, request_id)
            elif method in ("GET", "HEAD") and path in ("/", "/health"):
                response = protocol.json_response(200, {"status": "ok"}, request_id)
            elif method in ("GET", "HEAD") and (match := _WELL_KNOWN.fullmatch(path)):
                pool_id, document = match.groups()
                base_url = _base_url(scope, headers)
                status, body = await self._run(self._well_known, pool_id, document, base_url)
                response = protocol.json_response(status, body, request_id)
            else:
                not_found = {"message": f"No route for {method} {path}"}
                response = protocol.json_response(404, not_found, request_id)
        except _ClientGone:
            return
        except CognitoError as err:
            response = protocol.error_response(err, request_id)
        except Exception:
            self._log.exception("unhandled error in %s %s (request %s)", method, path, request_id)
            response = protocol.error_response(InternalErrorException(), request_id)
        await _send(send, response, include_body=method != "HEAD")

    def _preflight(self, headers: dict[str, str], request_id: str) -> protocol.Response:
        requested = protocol.header_safe(headers.get("access-control-request-headers", ""), 2048)
        cors = [
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Methods", "POST, GET, OPTIONS"),
            ("Access-Control-Allow-Headers", requested or _DEFAULT_ALLOWED_HEADERS),
            ("Access-Control-Max-Age", "86400"),
            ("Access-Control-Expose-Headers", protocol.EXPOSED_HEADERS),
            ("x-amzn-RequestId", request_id),
        ]
        return 204, cors, b""

    async def _api(self, scope: Scope, receive: Receive, headers: dict[str, str], request_id: str) -> protocol.Response:
        body = await self._read_body(receive, headers)
        operation = protocol.parse_target(headers.get("x-amz-target"))
        client = scope.get("client")
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        call = _Call(
            operation=operation,
            body=body,
            headers=headers,
            path=raw_path.decode("latin-1") if isinstance(raw_path, bytes) else str(raw_path),
            query=query.decode("latin-1") if isinstance(query, bytes) else str(query),
            source_ip=client[0] if client else None,
            request_id=request_id,
        )
        return await self._run(self._process, call)

    async def _run(self, handler: Callable[..., _T], *args: Any) -> _T:
        if self._inline:
            return handler(*args)
        return await asyncio.to_thread(handler, *args)

    def _process(self, call: _Call) -> protocol.Response:
        """Authenticate, decode, validate, dispatch, encode: runs in a worker thread."""
        access_key = None
        if validation.requires_sigv4(call.operation):
            access_key = self._sigv4.verify("POST", call.path, call.query, call.headers, call.body)
        protocol.check_content_type(call.headers.get("content-type"))
        data = protocol.decode_body(call.body)
        validation.validate_input(call.operation, data)
        request = Request(
            operation=call.operation,
            body=data,
            headers=call.headers,
            source_ip=call.source_ip,
            request_id=call.request_id,
            access_key=access_key,
        )
        try:
            result = self._dispatch(request)
        except CognitoError:
            raise
        except Exception:
            self._log.exception("operation %s failed (request %s)", call.operation, call.request_id)
            raise InternalErrorException() from None
        return protocol.success_response(result, call.request_id)

    async def _read_body(self, receive: Receive, headers: dict[str, str]) -> bytes:
        declared = headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > self._max_body:
            raise protocol.RequestEntityTooLargeException(f"Request body exceeds the limit of {self._max_body} bytes.")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _ClientGone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self._max_body:
                raise protocol.RequestEntityTooLargeException(
                    f"Request body exceeds the limit of {self._max_body} bytes."
                )
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


async def _send(send: Send, response: protocol.Response, *, include_body: bool) -> None:
    status, headers, body = response
    raw_headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    if status != 204:
        raw_headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body if include_body and status != 204 else b""})


def create_app(
    dispatch: Dispatch,
    well_known: WellKnown,
    sigv4: SigV4Verifier,
    *,
    max_body: int = 1_048_576,
    logger: logging.Logger | None = None,
    inline: bool = False,
) -> ASGIApp:
    """Build the ASGI application; loads and compiles the service model now, not on a request."""
    validation.prepare()
    return _WireApp(dispatch, well_known, sigv4, max_body, logger or logging.getLogger("userpool.wire"), inline)
