"""The ASGI 3 application: the Cognito JSON API on ``POST /`` plus discovery documents (spec §1).

Routes:
  ``POST /``                                          an API call named by ``X-Amz-Target``
  ``GET /{poolId}/.well-known/jwks.json``             pool signing keys (spec §6.9)
  ``GET /{poolId}/.well-known/openid-configuration``  OIDC discovery
  ``GET /health``                                     readiness: the database answers and its schema
                                                      is current (200), or why not (503)
  ``GET /metrics``                                    Prometheus text format (``--metrics on``)
  ``GET /``                                           liveness
  ``OPTIONS *``                                       CORS preflight (spec §1.7, ``wire/cors.py``)

Every request is counted (``model.ports.Metrics``: API calls by operation and outcome, sign-in
latency by flow) and logged in one line on ``userpool.requests`` (``_log_request``), both before
the answer is sent: the request id the caller gets in ``x-amzn-RequestId``, the operation, pool
and client IDs (those the request named, once it passed validation, so only characters their
patterns allow, or those the server resolved: ``directory/request_scope.py``), the outcome,
status, duration and the caller's address; never a header or parameter.

The base URL a request came in on (tokens' ``iss``, discovery) is built once, by
``wire/forwarding.py``, for both the API and the well-known documents.

Handlers are synchronous (database and CPU work). With ``inline`` they run on the event-loop
thread: right for an embedded database, where a handler only ever waits for the CPU, and the
cheapest way (a thread hand-off costs a fair share of a sign-in's non-cryptographic CPU). A
Lambda trigger is the exception: once a request invoked one, later requests naming the same
app client or pool (or, without either, the same operation) run in a worker thread, so a slow
function holds up only its own requests (``_route_key``).
Otherwise everything after reading the body runs in a worker thread, so that a handler waiting
on a network database lets the others run. ``CognitoError`` becomes its response in
``protocol.error_response``; anything else is logged and answered ``InternalErrorException``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, TypeVar

from userpool.directory import request_scope, triggers
from userpool.model.errors import CognitoError, InternalErrorException
from userpool.model.ports import Metrics, NoMetrics
from userpool.wire import protocol, validation
from userpool.wire.cors import CorsPolicy
from userpool.wire.forwarding import BaseUrlPolicy
from userpool.wire.quotas import QuotaGate
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
Health = Callable[[], tuple[int, dict[str, Any]]]
MetricsPage = Callable[[], tuple[str, bytes]]

_WELL_KNOWN = re.compile(r"/([^/]+)/\.well-known/(jwks\.json|openid-configuration)")
_POOL_ID = re.compile(r"[\w-]{1,50}_[0-9a-zA-Z]{1,50}", re.ASCII)
#: The sign-in operations timed in ``userpool_sign_in_seconds``, and the member naming their flow.
_SIGN_IN_FLOW = {"InitiateAuth": "AuthFlow", "AdminInitiateAuth": "AuthFlow",
                 "RespondToAuthChallenge": "ChallengeName", "AdminRespondToAuthChallenge": "ChallengeName"}
UNKNOWN_OPERATION = "unknown"


class _Facts:
    """What one request's log line and counts say, filled in as the request is served."""

    __slots__ = ("client", "flow", "operation", "outcome", "pool", "route")

    def __init__(self) -> None:
        self.route = "api"
        self.operation: str | None = None
        self.pool: str | None = None
        self.client: str | None = None
        self.flow: str | None = None
        self.outcome = "ok"


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
    base_url: str


class _ClientGone(Exception):
    """The client disconnected before the request body arrived."""


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


def _peer(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


class _WireApp:
    def __init__(
        self,
        dispatch: Dispatch,
        well_known: WellKnown,
        sigv4: SigV4Verifier,
        max_body: int,
        logger: logging.Logger,
        inline: bool,
        cors: CorsPolicy,
        base_urls: BaseUrlPolicy,
        quotas: QuotaGate | None,
        metrics: Metrics,
        metrics_page: MetricsPage | None,
        health: Health | None,
        request_log: logging.Logger,
    ) -> None:
        self._metrics = metrics
        self._metrics_page = metrics_page
        self._health = health
        self._request_log = request_log
        self._inline = inline
        self._off_loop: set[str] = set()  # route keys whose requests invoked a trigger
        self._quotas = quotas
        self._cors = cors
        self._base_urls = base_urls
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
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        method: str = scope["method"]
        path: str = scope["path"]
        headers = _headers(scope)
        remote = self._base_urls.client_ip(headers, _peer(scope))
        facts = _Facts()
        try:
            if method == "OPTIONS":
                facts.route = "preflight"
                response = self._preflight(headers, request_id)
            elif path == "/" and method == "POST":
                response = await self._api(scope, receive, headers, request_id, remote, facts)
            elif method in ("GET", "HEAD") and path == "/health" and self._health is not None:
                facts.route = "health"
                status, report = await self._run(self._health)
                response = protocol.json_response(status, report, request_id)
            elif method in ("GET", "HEAD") and path in ("/", "/health"):
                facts.route = "health"
                response = protocol.json_response(200, {"status": "ok"}, request_id)
            elif method in ("GET", "HEAD") and path == "/metrics" and self._metrics_page is not None:
                facts.route = "metrics"
                content_type, page = await self._run(self._metrics_page)
                response = 200, [("Content-Type", content_type), ("x-amzn-RequestId", request_id)], page
            elif method in ("GET", "HEAD") and (match := _WELL_KNOWN.fullmatch(path)):
                facts.route = "well-known"
                pool_id, document = match.groups()
                facts.pool = pool_id if _POOL_ID.fullmatch(pool_id) else None
                base_url = self._base_url(scope, headers)
                status, body = await self._run(self._well_known, pool_id, document, base_url)
                response = protocol.json_response(status, body, request_id)
            else:
                facts.route = "not-found"
                not_found = {"message": f"No route for {method} {path}"}
                response = protocol.json_response(404, not_found, request_id)
            if response[0] >= 400:
                facts.outcome = f"HTTP{response[0]}"
        except _ClientGone:
            facts.outcome = "disconnected"
            self._account(facts, None, started, request_id, remote)
            return
        except CognitoError as err:
            facts.outcome = err.code
            response = protocol.error_response(err, request_id)
        except Exception:
            self._log.exception("unhandled error in %s %s (request %s)", method, path, request_id)
            facts.outcome = InternalErrorException.code
            response = protocol.error_response(InternalErrorException(), request_id)
        if method != "OPTIONS":
            response = self._with_cors(response, headers, api=path == "/" and method == "POST")
        self._account(facts, response[0], started, request_id, remote)
        await _send(send, response, include_body=method != "HEAD")

    def _account(self, facts: _Facts, status: int | None, started: float, request_id: str,
                 remote: str | None) -> None:
        """Counts and logs one request, before its answer is sent (so a scrape that follows the
        answer sees it)."""
        seconds = time.perf_counter() - started
        if facts.route == "api":
            self._metrics.request(facts.operation or UNKNOWN_OPERATION, facts.outcome)
            if facts.flow is not None:
                self._metrics.sign_in(facts.flow, seconds)
        log = self._request_log
        if log.isEnabledFor(logging.INFO):
            # makeRecord + handle: what ``log.info`` does, less its walk up the stack for a
            # caller's file and line that this line never shows (a third of its cost).
            log.handle(log.makeRecord(log.name, logging.INFO, "", 0, "request", (), None, extra={"fields": {
                "request_id": request_id,
                "operation": facts.operation if facts.route == "api" else facts.route,
                "pool": facts.pool,
                "client": facts.client,
                "outcome": facts.outcome,
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "remote": remote,
            }}))

    def _base_url(self, scope: Scope, headers: dict[str, str]) -> str:
        return self._base_urls.base_url(
            headers, scheme=str(scope.get("scheme", "http")), peer=_peer(scope), server=scope.get("server"),
            root_path=str(scope.get("root_path", "")),
        )

    def _with_cors(self, response: protocol.Response, headers: dict[str, str], *, api: bool) -> protocol.Response:
        """Set ``Access-Control-Allow-Origin`` (protocol puts ``*`` there) as the CORS policy says:
        an answer to a signed admin call goes only to an admin origin."""
        origin = headers.get("origin")
        if origin is None and not self._cors.varies:
            return response  # not a browser's cross-origin call (boto3, the CLI): nothing to change
        target = headers.get("x-amz-target", "").strip().partition(".")[2] if api else ""
        admin = api and validation.requires_sigv4(target)
        if not self._cors.varies and not admin:
            return response  # any origin may read public answers
        status, sent, body = response
        sent = [*sent, ("Vary", "Origin")] if self._cors.varies else sent
        if origin is None:  # not a browser's cross-origin request: CORS does not apply
            return status, sent, body
        allow = self._cors.allow_origin(origin, admin=admin)
        kept = [(k, v) for k, v in sent if k != "Access-Control-Allow-Origin"]
        if allow is not None:
            kept.append(("Access-Control-Allow-Origin", allow))
        return status, kept, body

    def _preflight(self, headers: dict[str, str], request_id: str) -> protocol.Response:
        requested = protocol.header_safe(headers.get("access-control-request-headers", ""), 2048)
        cors = self._cors.preflight_headers(headers.get("origin"), requested)
        if self._cors.varies:
            cors.append(("Vary", "Origin"))
        cors += [("Access-Control-Expose-Headers", protocol.EXPOSED_HEADERS), ("x-amzn-RequestId", request_id)]
        return 204, cors, b""

    async def _api(self, scope: Scope, receive: Receive, headers: dict[str, str], request_id: str,
                   remote: str | None, facts: _Facts) -> protocol.Response:
        body = await self._read_body(receive, headers)
        operation = protocol.parse_target(headers.get("x-amz-target"))
        facts.operation = operation
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        call = _Call(
            operation=operation,
            body=body,
            headers=headers,
            path=raw_path.decode("latin-1") if isinstance(raw_path, bytes) else str(raw_path),
            query=query.decode("latin-1") if isinstance(query, bytes) else str(query),
            source_ip=remote,
            request_id=request_id,
            base_url=self._base_url(scope, headers),
        )
        return await self._run_call(call, facts)

    async def _run(self, handler: Callable[..., _T], *args: Any) -> _T:
        if self._inline:
            return handler(*args)
        return await asyncio.to_thread(handler, *args)

    async def _run_call(self, call: _Call, facts: _Facts) -> protocol.Response:
        """``_process`` inline, unless requests like this one invoke triggers (module docstring)."""
        if not self._inline or (self._off_loop and _route_key(call) in self._off_loop):
            return await asyncio.to_thread(self._process, call, facts)
        token = triggers.invoked.set(False)
        try:
            response = self._process(call, facts)
        finally:
            used = triggers.invoked.get()
            triggers.invoked.reset(token)
        if used:
            self._off_loop.add(_route_key(call))
        return response

    def _process(self, call: _Call, facts: _Facts) -> protocol.Response:
        """Authenticate, decode, validate, dispatch, encode: runs in a worker thread."""
        access_key = None
        if validation.requires_sigv4(call.operation):
            self._cors.check_admin_origin(call.headers.get("origin"))
            access_key = self._sigv4.verify("POST", call.path, call.query, call.headers, call.body)
        protocol.check_content_type(call.headers.get("content-type"))
        data = protocol.decode_body(call.body)
        if self._quotas is not None:  # before validation and dispatch: a throttled call costs nothing more
            self._quotas.check(call.operation, data)
        validation.validate_input(call.operation, data)
        # Valid now: the IDs match their patterns and the flow is a member of its enum.
        facts.pool = data.get("UserPoolId")
        facts.client = data.get("ClientId")
        flow_member = _SIGN_IN_FLOW.get(call.operation)
        if flow_member is not None:
            facts.flow = data.get(flow_member)
        request = Request(
            operation=call.operation,
            body=data,
            headers=call.headers,
            source_ip=call.source_ip,
            request_id=call.request_id,
            access_key=access_key,
            base_url=call.base_url,
        )
        agent = triggers.caller_agent.set(call.headers.get("user-agent"))
        resolved = request_scope.Resolved()
        scope = request_scope.current.set(resolved)
        try:
            result = self._dispatch(request)
        except CognitoError:
            raise
        except Exception:
            self._log.exception("operation %s failed (request %s)", call.operation, call.request_id)
            raise InternalErrorException() from None
        finally:
            request_scope.current.reset(scope)
            triggers.caller_agent.reset(agent)
            facts.pool = resolved.pool_id or facts.pool
            facts.client = resolved.client_id or facts.client
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
    cors: CorsPolicy | None = None,
    base_urls: BaseUrlPolicy | None = None,
    quotas: QuotaGate | None = None,
    metrics: Metrics | None = None,
    metrics_page: MetricsPage | None = None,
    health: Health | None = None,
    request_log: logging.Logger | None = None,
) -> ASGIApp:
    """Build the ASGI application; loads and compiles the service model now, not on a request.

    ``cors``: allowed browser origins (default: any origin, public operations only);
    ``base_urls``: public URL and trusted proxies (default: the Host header, no proxy trusted);
    ``quotas``: request-rate quotas checked on every API call (``userpool.wire.quotas``; None: off);
    ``metrics``: where requests are counted; ``metrics_page``: content type and body of
    ``GET /metrics`` (None: no such route); ``health``: status and document of ``GET /health``
    (None: a plain liveness answer); ``request_log``: the logger of the per-request line
    (default ``userpool.requests``).
    """
    validation.prepare()
    return _WireApp(
        dispatch, well_known, sigv4, max_body, logger or logging.getLogger("userpool.wire"), inline,
        cors or CorsPolicy(), base_urls or BaseUrlPolicy(), quotas, metrics or NoMetrics(), metrics_page, health,
        request_log or logging.getLogger("userpool.requests"),
    )


_ROUTE = re.compile(rb'"(?:ClientId|UserPoolId)"\s*:\s*"([^"\\]{1,128})"')


def _route_key(call: _Call) -> str:
    """What ties a request to the pool whose triggers it may invoke: its ClientId or UserPoolId
    (read from the raw body, before decoding), else its operation (access-token calls)."""
    found = _ROUTE.search(call.body)
    return found.group(1).decode("latin-1") if found else call.operation
