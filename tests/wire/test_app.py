"""The ASGI app in-process through httpx (spec §1.1-§1.7)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.wire.helpers import ACCESS_KEY, SECRET_KEY, call, request, run, signed_headers
from userpool.model.errors import CognitoError, NotAuthorizedException
from userpool.wire.app import ASGIApp, create_app
from userpool.wire.forwarding import BaseUrlPolicy
from userpool.wire.registry import Request
from userpool.wire.sigv4 import SigV4Verifier

EXPOSE = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
ADMIN_BODY = {"UserPoolId": "us-east-1_abc", "Username": "bob"}


class NotImplementedOperation(CognitoError):
    code = "InvalidParameterException"


def echo(request: Request) -> dict[str, Any]:
    if request.operation == "SignUp":
        raise NotAuthorizedException("SignUp is not permitted for this user pool")
    if request.operation == "ConfirmSignUp":
        raise RuntimeError("database exploded: secret connection string")
    if request.operation == "ForgotPassword":
        raise NotImplementedOperation("ForgotPassword is not supported by this server.")
    return {
        "Operation": request.operation,
        "Body": request.body,
        "AccessKey": request.access_key,
        "SourceIp": request.source_ip,
        "RequestId": request.request_id,
        "Thread": threading.get_ident(),
        "Nothing": None,
    }


def well_known(pool_id: str, document: str, base_url: str) -> tuple[int, dict[str, Any]]:
    if pool_id == "us-east-1_missing":
        return 404, {"message": "User pool us-east-1_missing does not exist."}
    return 200, {"pool": pool_id, "document": document, "base": base_url}


def make_app(
    credentials: dict[str, str] | None = None,
    dispatch: Callable[[Request], dict[str, Any]] = echo,
    **kwargs: Any,
) -> ASGIApp:
    creds = {ACCESS_KEY: SECRET_KEY} if credentials is None else credentials
    verifier = SigV4Verifier(creds or None, time.time)
    return create_app(dispatch, well_known, verifier, logger=logging.getLogger("test.wire"), **kwargs)


def assert_common_headers(headers: Any) -> None:
    assert len(headers["x-amzn-requestid"]) == 36
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-expose-headers"] == EXPOSE


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status
    body: dict[str, Any] = response.json()
    assert body["__type"] == code
    assert response.headers["x-amzn-errortype"] == f"{code}:"
    assert response.headers["content-type"] == "application/x-amz-json-1.1"
    assert_common_headers(response.headers)
    return body


# --- the API -------------------------------------------------------------------------------
def test_public_operation_dispatches_in_a_worker_thread() -> None:
    body = {"AuthFlow": "USER_SRP_AUTH", "ClientId": "abc", "AuthParameters": {"USERNAME": "bob", "X": None}}
    response = run(call(make_app(), "InitiateAuth", body))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-amz-json-1.1"
    assert_common_headers(response.headers)
    out = response.json()
    assert out["Operation"] == "InitiateAuth"
    assert out["Body"] == {"AuthFlow": "USER_SRP_AUTH", "ClientId": "abc", "AuthParameters": {"USERNAME": "bob"}}
    assert "AccessKey" not in out  # None members are omitted
    assert out["SourceIp"] == "203.0.113.7"
    assert out["RequestId"] == response.headers["x-amzn-requestid"]
    assert out["Thread"] != threading.get_ident()
    assert "Nothing" not in out


def test_public_operation_ignores_a_signature() -> None:
    raw = json.dumps({"AuthFlow": "USER_SRP_AUTH", "ClientId": "abc"}).encode()
    headers = signed_headers("InitiateAuth", raw, key="AKIDUNKNOWN")
    response = run(call(make_app(), "InitiateAuth", raw=raw, headers=headers))
    assert response.status_code == 200
    assert "AccessKey" not in response.json()


def test_admin_operation_with_botocore_signature() -> None:
    raw = json.dumps(ADMIN_BODY).encode()
    response = run(call(make_app(), "AdminGetUser", raw=raw, headers=signed_headers("AdminGetUser", raw)))
    assert response.status_code == 200
    assert response.json()["AccessKey"] == ACCESS_KEY


def test_admin_operation_without_signature() -> None:
    response = run(call(make_app(), "AdminGetUser", ADMIN_BODY))
    body = assert_error(response, 400, "MissingAuthenticationTokenException")
    assert body["message"] == "Missing Authentication Token"


def test_admin_operation_signature_failures() -> None:
    raw = json.dumps(ADMIN_BODY).encode()
    unknown = run(call(make_app(), "AdminGetUser", raw=raw, headers=signed_headers("AdminGetUser", raw, key="NOPE")))
    assert_error(unknown, 400, "UnrecognizedClientException")
    tampered = run(
        call(make_app(), "AdminGetUser", raw=raw.replace(b"bob", b"eve"), headers=signed_headers("AdminGetUser", raw))
    )
    assert_error(tampered, 400, "InvalidSignatureException")


def test_signature_is_checked_before_validation() -> None:
    response = run(call(make_app(), "AdminGetUser", {"Username": "has space"}))
    assert_error(response, 400, "MissingAuthenticationTokenException")


def test_accept_any_mode() -> None:
    raw = json.dumps(ADMIN_BODY).encode()
    headers = signed_headers("AdminGetUser", raw, key="ANY", secret="thing")
    response = run(call(make_app(credentials={}), "AdminGetUser", raw=raw, headers=headers))
    assert response.json()["AccessKey"] == "ANY"
    assert_error(
        run(call(make_app(credentials={}), "AdminGetUser", ADMIN_BODY)), 400, "MissingAuthenticationTokenException"
    )


@pytest.mark.parametrize("operation", [None, "NoSuchOperation"])
def test_unknown_operation(operation: str | None) -> None:
    assert_error(run(call(make_app(), operation, {})), 400, "UnknownOperationException")


def test_bad_target_prefix() -> None:
    response = run(call(make_app(), None, {}, headers={"x-amz-target": "Other.InitiateAuth"}))
    assert_error(response, 400, "UnknownOperationException")


def test_invalid_json() -> None:
    response = run(call(make_app(), "InitiateAuth", raw=b"{nope"))
    assert_error(response, 400, "SerializationException")


def test_wrong_content_type() -> None:
    response = run(call(make_app(), "InitiateAuth", {}, headers={"content-type": "text/plain"}))
    assert_error(response, 400, "SerializationException")


def test_application_json_with_charset_is_accepted() -> None:
    body = {"AuthFlow": "USER_SRP_AUTH", "ClientId": "abc"}
    response = run(call(make_app(), "InitiateAuth", body, headers={"content-type": "application/json; charset=utf-8"}))
    assert response.status_code == 200


def test_validation_error() -> None:
    response = run(call(make_app(), "InitiateAuth", {"ClientId": "abc", "AuthFlow": None}))
    body = assert_error(response, 400, "InvalidParameterException")
    expected = (
        "1 validation error detected: Value null at 'authFlow' failed to satisfy constraint: Member must not be null"
    )
    assert body["message"] == expected
    assert response.headers["x-amzn-errormessage"] == expected


def test_wrong_json_type() -> None:
    response = run(call(make_app(), "InitiateAuth", {"ClientId": 5, "AuthFlow": "USER_SRP_AUTH"}))
    assert_error(response, 400, "SerializationException")


def test_cognito_errors_from_dispatch() -> None:
    body = assert_error(
        run(call(make_app(), "SignUp", {"ClientId": "c", "Username": "u", "Password": "p"})),
        400,
        "NotAuthorizedException",
    )
    assert body["message"] == "SignUp is not permitted for this user pool"
    body = assert_error(
        run(call(make_app(), "ForgotPassword", {"ClientId": "c", "Username": "u"})), 400, "InvalidParameterException"
    )
    assert body["message"] == "ForgotPassword is not supported by this server."


def test_unexpected_errors_are_500_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="test.wire")
    response = run(call(make_app(), "ConfirmSignUp", {"ClientId": "c", "Username": "u", "ConfirmationCode": "1"}))
    body = assert_error(response, 500, "InternalErrorException")
    assert "exploded" not in response.text and "Traceback" not in response.text
    assert body["message"] == "Internal server error."
    assert any("RuntimeError: database exploded" in (r.exc_text or "") for r in caplog.records)
    assert response.headers["x-amzn-requestid"] in caplog.text


def test_body_size_limit() -> None:
    app = make_app(max_body=100)
    response = run(call(app, "InitiateAuth", raw=b'{"ClientId": "' + b"x" * 200 + b'"}'))
    assert_error(response, 413, "RequestEntityTooLargeException")


def test_chunked_body_size_limit() -> None:
    app = make_app(max_body=100)

    async def chunks() -> Any:
        for _ in range(10):
            yield b"x" * 20

    async def go() -> Any:
        import httpx

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            return await client.post(
                "/", content=chunks(), headers={"x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth"}
            )

    assert_error(run(go()), 413, "RequestEntityTooLargeException")


# --- other routes --------------------------------------------------------------------------
def test_preflight() -> None:
    headers = {
        "origin": "http://localhost:3000",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-amz-target,x-amz-user-agent,cache-control",
    }
    response = run(request(make_app(), "OPTIONS", "/", headers=headers))
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["access-control-allow-headers"] == headers["access-control-request-headers"]
    assert response.headers["access-control-allow-methods"] == "POST, GET, OPTIONS"
    assert response.headers["access-control-max-age"] == "86400"
    assert_common_headers(response.headers)
    other = run(request(make_app(), "OPTIONS", "/us-east-1_abc/.well-known/jwks.json"))
    assert other.status_code == 204
    assert "content-type" in other.headers["access-control-allow-headers"]
    assert "authorization" not in other.headers["access-control-allow-headers"]  # no admin origin configured


@pytest.mark.parametrize("path", ["/", "/health"])
def test_health(path: str) -> None:
    response = run(request(make_app(), "GET", path))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert_common_headers(response.headers)
    head = run(request(make_app(), "HEAD", path))
    assert head.status_code == 200 and head.content == b""


@pytest.mark.parametrize("document", ["jwks.json", "openid-configuration"])
def test_well_known(document: str) -> None:
    response = run(request(make_app(), "GET", f"/us-east-1_abc/.well-known/{document}"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"pool": "us-east-1_abc", "document": document, "base": "http://localhost:9229"}
    assert_common_headers(response.headers)


def test_well_known_behind_a_proxy() -> None:
    headers = {"x-forwarded-proto": "https", "host": "auth.example.com"}
    proxied = make_app(base_urls=BaseUrlPolicy(trusted_proxies=("127.0.0.1/32",)))  # httpx's peer is 127.0.0.1
    response = run(request(proxied, "GET", "/us-east-1_abc/.well-known/jwks.json", headers=headers))
    assert response.json()["base"] == "https://auth.example.com"
    direct = run(request(make_app(), "GET", "/us-east-1_abc/.well-known/jwks.json", headers=headers))
    assert direct.json()["base"] == "http://auth.example.com"  # no proxy trusted: the scheme is the connection's


def test_well_known_unknown_pool() -> None:
    response = run(request(make_app(), "GET", "/us-east-1_missing/.well-known/jwks.json"))
    assert response.status_code == 404
    assert_common_headers(response.headers)


@pytest.mark.parametrize(("method", "path"), [("GET", "/nope"), ("POST", "/nope"), ("PUT", "/"), ("GET", "/a/b/c")])
def test_not_found(method: str, path: str) -> None:
    response = run(request(make_app(), method, path))
    assert response.status_code == 404
    assert response.json()["message"]
    assert_common_headers(response.headers)


def test_lifespan() -> None:
    app = make_app()
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: Any) -> None:
        sent.append(dict(message))

    run(app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
    assert sent == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]
