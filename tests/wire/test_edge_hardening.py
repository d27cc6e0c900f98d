"""Issue 9 items 3, 4 and 14 at the wire, in-process: SignedHeaders must cover x-amz-target and
host; CORS keeps browsers to the public operations unless an origin is trusted for admin calls;
the base URL (token ``iss`` and discovery) trusts forwarded headers only from configured proxies;
invalid UTF-8 anywhere in a body, keys included, is a ``SerializationException``."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.wire.helpers import ACCESS_KEY, AMZ_JSON, BASE_URL, SECRET_KEY, call, run, signed_headers, target
from tests.wire.test_app import ADMIN_BODY, echo, well_known
from userpool.model.errors import InvalidSignatureException, SerializationException
from userpool.wire.app import ASGIApp, create_app
from userpool.wire.cors import CorsPolicy
from userpool.wire.forwarding import BaseUrlPolicy
from userpool.wire.protocol import decode_body
from userpool.wire.sigv4 import SigV4Verifier

ADMIN_HEADERS = {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"}
BROWSER_HEADERS = "content-type,x-amz-target,x-amz-user-agent,cache-control,amz-sdk-invocation-id,amz-sdk-request"


def make(credentials: dict[str, str] | None = None, **kwargs: Any) -> ASGIApp:
    verifier = SigV4Verifier(credentials, time.time)
    return create_app(echo, well_known, verifier, logger=logging.getLogger("test.edge"), **kwargs)


def headers_without_signed_target(operation: str, body: bytes) -> dict[str, str]:
    """A valid botocore signature over everything but X-Amz-Target, which is added afterwards."""
    request = AWSRequest(method="POST", url=BASE_URL + "/", data=body, headers={"Content-Type": AMZ_JSON})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "cognito-idp", "us-east-1").add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers["x-amz-target"] = target(operation)
    headers.setdefault("host", "localhost:9229")
    return headers


# --- item 3: SignedHeaders ---------------------------------------------------------------------
@pytest.mark.parametrize("credentials", [{ACCESS_KEY: SECRET_KEY}, None], ids=["verified", "accept-any"])
def test_x_amz_target_must_be_signed(credentials: dict[str, str] | None) -> None:
    body = json.dumps(ADMIN_BODY).encode()
    verifier = SigV4Verifier(credentials, time.time)
    with pytest.raises(InvalidSignatureException, match="X-Amz-Target"):
        verifier.verify("POST", "/", "", headers_without_signed_target("AdminGetUser", body), body)
    response = run(call(make(credentials), "AdminGetUser", raw=body,
                        headers=headers_without_signed_target("AdminGetUser", body)))
    assert response.status_code == 400
    assert response.json()["__type"] == "InvalidSignatureException"


def test_botocore_signs_x_amz_target_and_host() -> None:
    body = json.dumps(ADMIN_BODY).encode()
    headers = signed_headers("AdminGetUser", body)
    assert "SignedHeaders=content-type;host;x-amz-date;x-amz-target" in headers["authorization"]
    response = run(call(make({ACCESS_KEY: SECRET_KEY}), "AdminGetUser", raw=body, headers=headers))
    assert response.status_code == 200, response.text


# --- item 3: CORS ------------------------------------------------------------------------------
def preflight(app: ASGIApp, origin: str | None, asked: str | None) -> httpx.Response:
    headers = {"access-control-request-method": "POST"}
    if origin is not None:
        headers["origin"] = origin
    if asked is not None:
        headers["access-control-request-headers"] = asked

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
            return await client.request("OPTIONS", "/", headers=headers)

    return run(go())


def allowed(response: httpx.Response) -> set[str]:
    return {h.strip().lower() for h in response.headers.get("access-control-allow-headers", "").split(",") if h}


def test_preflight_allows_the_browser_sdk_headers_to_any_origin_by_default() -> None:
    response = preflight(make(), "https://app.example.com", BROWSER_HEADERS)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-headers"] == BROWSER_HEADERS
    assert response.headers["access-control-allow-methods"] == "POST, GET, OPTIONS"


@pytest.mark.parametrize("asked", [BROWSER_HEADERS + ",authorization,x-amz-date,x-amz-security-token,"
                                   "x-amz-content-sha256", None])
def test_preflight_never_allows_signing_headers_by_default(asked: str | None) -> None:
    response = preflight(make(), "https://evil.example", asked)
    assert response.status_code == 204
    assert not allowed(response) & ADMIN_HEADERS
    assert {"content-type", "x-amz-target", "x-amz-user-agent"} <= allowed(response)


def test_preflight_allows_signing_headers_to_an_admin_origin_only() -> None:
    app = make(cors=CorsPolicy(origins=("*",), admin_origins=("https://console.example.com",)))
    asked = "content-type,x-amz-target,authorization,x-amz-date"
    admin = preflight(app, "https://console.example.com", asked)
    assert admin.headers["access-control-allow-origin"] == "https://console.example.com"
    assert "origin" in admin.headers["vary"].lower()
    assert allowed(admin) == {"content-type", "x-amz-target", "authorization", "x-amz-date"}
    other = preflight(app, "https://evil.example", asked)
    assert allowed(other) == {"content-type", "x-amz-target"}


def test_configured_origins_are_echoed_and_others_get_no_allow_origin() -> None:
    app = make(cors=CorsPolicy(origins=("https://app.example.com",)))
    listed = preflight(app, "https://app.example.com", "content-type")
    assert listed.headers["access-control-allow-origin"] == "https://app.example.com"
    unlisted = preflight(app, "https://evil.example", "content-type")
    assert "access-control-allow-origin" not in unlisted.headers
    assert "access-control-allow-headers" not in unlisted.headers
    public = run(call(app, "GetUser", {"AccessToken": "x"}, headers={"origin": "https://app.example.com"}))
    assert public.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "origin" in public.headers["vary"].lower()
    foreign = run(call(app, "GetUser", {"AccessToken": "x"}, headers={"origin": "https://evil.example"}))
    assert "access-control-allow-origin" not in foreign.headers


@pytest.mark.parametrize("credentials", [{ACCESS_KEY: SECRET_KEY}, None], ids=["verified", "accept-any"])
def test_signed_admin_call_from_a_browser_origin_is_refused(credentials: dict[str, str] | None) -> None:
    body = json.dumps(ADMIN_BODY).encode()
    headers = {**signed_headers("AdminGetUser", body), "origin": "https://evil.example"}
    response = run(call(make(credentials), "AdminGetUser", raw=body, headers=headers))
    assert response.status_code == 403
    assert response.json()["__type"] == "AccessDeniedException"
    assert "access-control-allow-origin" not in response.headers


def test_signed_admin_call_from_an_admin_origin_is_served() -> None:
    body = json.dumps(ADMIN_BODY).encode()
    headers = {**signed_headers("AdminGetUser", body), "origin": "https://console.example.com"}
    app = make({ACCESS_KEY: SECRET_KEY}, cors=CorsPolicy(admin_origins=("https://console.example.com",)))
    response = run(call(app, "AdminGetUser", raw=body, headers=headers))
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "https://console.example.com"


# --- item 4: base URL ----------------------------------------------------------------------------
def base_of(app: ASGIApp, headers: dict[str, str], client: tuple[str, int] = ("203.0.113.7", 5000)) -> str:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            return await http.get("/us-east-1_abc/.well-known/openid-configuration", headers=headers)

    return str(run(go()).json()["base"])


FORGED = {"x-forwarded-host": "evil.example", "x-forwarded-proto": "https"}


def test_forwarded_headers_are_ignored_without_trusted_proxies() -> None:
    assert base_of(make(), FORGED) == "http://localhost:9229"
    assert base_of(make(), FORGED, client=("127.0.0.1", 5000)) == "http://localhost:9229"


def test_forwarded_headers_are_honoured_from_a_trusted_proxy_only() -> None:
    app = make(base_urls=BaseUrlPolicy(trusted_proxies=("10.0.0.0/8", "127.0.0.1")))
    assert base_of(app, FORGED, client=("10.1.2.3", 5000)) == "https://evil.example"
    assert base_of(app, FORGED, client=("127.0.0.1", 5000)) == "https://evil.example"
    assert base_of(app, FORGED) == "http://localhost:9229"  # 203.0.113.7 is not a proxy
    # the nearest proxy's value (the last one) wins over what the client put first
    chained = {"x-forwarded-host": "evil.example, auth.example.com", "x-forwarded-proto": "http, https"}
    assert base_of(app, chained, client=("10.1.2.3", 5000)) == "https://auth.example.com"


def test_client_ip_follows_x_forwarded_for_from_trusted_proxies_only() -> None:
    policy = BaseUrlPolicy(trusted_proxies=("10.0.0.0/8",))
    chain = {"x-forwarded-for": "198.51.100.1, 192.0.2.9, 10.0.0.2"}
    assert policy.client_ip(chain, "10.0.0.1") == "192.0.2.9"  # the spoofable left end is not believed
    assert policy.client_ip(chain, "203.0.113.7") == "203.0.113.7"
    assert policy.client_ip({"x-forwarded-for": "junk"}, "10.0.0.1") == "10.0.0.1"
    assert policy.client_ip({}, "10.0.0.1") == "10.0.0.1"
    assert BaseUrlPolicy().client_ip(chain, "127.0.0.1") == "127.0.0.1"
    response = run(call(make(), "GetUser", {"AccessToken": "x"}, headers={"x-forwarded-for": "198.51.100.1"}))
    assert response.json()["SourceIp"] == "203.0.113.7"


def test_public_url_uses_nothing_from_the_request() -> None:
    app = make(base_urls=BaseUrlPolicy(public_url="https://id.example.com/", trusted_proxies=("0.0.0.0/0",)))
    assert base_of(app, {**FORGED, "host": "other.example"}) == "https://id.example.com"


def test_a_malformed_host_is_not_used() -> None:
    assert base_of(make(), {"host": "evil.example/path#"}) == "http://localhost:9229"


# --- item 14: invalid UTF-8 ------------------------------------------------------------------------
INVALID = [b"\xed\xa0\x80", b"\xc0\xaf", b"\xff", b"\xe2\x82", b"\xf0\x9f\x98"]


@pytest.mark.parametrize("bad", INVALID, ids=lambda b: b.hex())
@pytest.mark.parametrize("where", ["key", "value", "nested key", "nested value"])
def test_invalid_utf8_is_a_serialization_error(bad: bytes, where: str) -> None:
    body = {
        "key": b'{"PoolName": "p", "X' + bad + b'": 1}',
        "value": b'{"PoolName": "p' + bad + b'"}',
        "nested key": b'{"PoolName": "p", "UserPoolTags": {"k' + bad + b'": "v"}}',
        "nested value": b'{"PoolName": "p", "Schema": [{"Name": "a' + bad + b'"}]}',
    }[where]
    with pytest.raises(SerializationException):
        decode_body(body)


def test_valid_utf8_still_decodes() -> None:
    assert decode_body('{"PoolName": "p\u00e9\U0001f600", "k\u00e9": 1}'.encode()) == {
        "PoolName": "p\u00e9\U0001f600", "k\u00e9": 1,
    }
