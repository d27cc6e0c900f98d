"""Helpers for the wire tests: botocore-signed headers and an in-process ASGI client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from userpool.wire.app import ASGIApp

AMZ_JSON = "application/x-amz-json-1.1"
BASE_URL = "http://localhost:9229"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def target(operation: str) -> str:
    return f"AWSCognitoIdentityProviderService.{operation}"


def signed_headers(
    operation: str,
    body: bytes,
    *,
    key: str = ACCESS_KEY,
    secret: str = SECRET_KEY,
    url: str = BASE_URL + "/",
    region: str = "us-east-1",
    service: str = "cognito-idp",
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Headers of a POST signed by botocore's own SigV4 signer (lower-case names, Host included)."""
    request = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={"Content-Type": AMZ_JSON, "X-Amz-Target": target(operation), **(extra or {})},
    )
    SigV4Auth(Credentials(key, secret), service, region).add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers.setdefault("host", urlsplit(url).netloc)
    return headers


async def call(
    app: ASGIApp,
    operation: str | None,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """POST one API call to the app in-process."""
    content = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
    sent = {"content-type": AMZ_JSON}
    if operation is not None:
        sent["x-amz-target"] = target(operation)
    sent.update(headers or {})
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 51000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        return await client.post("/", content=content, headers=sent)


async def request(app: ASGIApp, method: str, path: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        return await client.request(method, path, **kwargs)
