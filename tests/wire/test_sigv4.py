"""SigV4 verification against botocore's own signer and real boto3 requests (spec §1.6)."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from tests.wire.helpers import ACCESS_KEY, SECRET_KEY, signed_headers
from userpool.model.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)
from userpool.wire.sigv4 import SigV4Verifier, canonical_query, canonical_uri, parse_authorization

BODY = json.dumps({"UserPoolId": "us-east-1_abc", "Username": "bob"}).encode()
CREDENTIALS = {ACCESS_KEY: SECRET_KEY, "AKIDOTHER": "other-secret"}


def verifier(credentials: dict[str, str] | None = CREDENTIALS, now: float | None = None) -> SigV4Verifier:
    return SigV4Verifier(credentials, (lambda: now) if now is not None else time.time)


def verify(v: SigV4Verifier, headers: dict[str, str], body: bytes = BODY, path: str = "/", query: str = "") -> str:
    return v.verify("POST", path, query, headers, body)


# --- botocore's signer -------------------------------------------------------------------------
def test_botocore_signed_request_verifies() -> None:
    assert verify(verifier(), signed_headers("AdminGetUser", BODY)) == ACCESS_KEY


def test_other_configured_key_and_region() -> None:
    headers = signed_headers("AdminGetUser", BODY, key="AKIDOTHER", secret="other-secret", region="local")
    assert verify(verifier(), headers) == "AKIDOTHER"


def test_security_token_and_signed_content_hash_are_honoured() -> None:
    headers = signed_headers("AdminGetUser", BODY, extra={"X-Amz-Security-Token": "session-token-xyz"})
    assert "x-amz-security-token" in headers["authorization"]
    assert verify(verifier(), headers) == ACCESS_KEY
    sha = hashlib.sha256(BODY).hexdigest()
    headers = signed_headers("AdminGetUser", BODY, extra={"X-Amz-Content-SHA256": sha})
    assert "x-amz-content-sha256" in headers["authorization"]
    assert verify(verifier(), headers) == ACCESS_KEY


def test_unsigned_payload_is_refused() -> None:
    headers = signed_headers("AdminGetUser", BODY, extra={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    with pytest.raises(InvalidSignatureException, match="x-amz-content-sha256"):
        verify(verifier(), headers)


def test_path_and_query_are_signed() -> None:
    headers = signed_headers("AdminGetUser", BODY, url="http://localhost:9229/a/./b%20c/?z=1&a=2")
    assert verify(verifier(), headers, path="/a/./b%20c/", query="z=1&a=2") == ACCESS_KEY
    with pytest.raises(InvalidSignatureException):
        verify(verifier(), headers, path="/a/b%20c/", query="z=1&a=3")


def test_unknown_key() -> None:
    headers = signed_headers("AdminGetUser", BODY, key="AKIDUNKNOWN")
    with pytest.raises(UnrecognizedClientException) as caught:
        verify(verifier(), headers)
    assert caught.value.message == "The security token included in the request is invalid."


def test_wrong_secret() -> None:
    headers = signed_headers("AdminGetUser", BODY, secret="not-the-secret")
    with pytest.raises(InvalidSignatureException) as caught:
        verify(verifier(), headers)
    assert caught.value.message.startswith("The request signature we calculated does not match")


def test_tampered_body() -> None:
    headers = signed_headers("AdminGetUser", BODY)
    with pytest.raises(InvalidSignatureException):
        verify(verifier(), headers, body=BODY.replace(b"bob", b"eve"))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("x-amz-target", "AWSCognitoIdentityProviderService.AdminDeleteUser"),
        ("host", "evil.example:9229"),
        ("content-type", "application/json"),
    ],
)
def test_tampered_signed_header(name: str, value: str) -> None:
    headers = signed_headers("AdminGetUser", BODY)
    headers[name] = value
    with pytest.raises(InvalidSignatureException):
        verify(verifier(), headers)


def test_whitespace_in_header_values_is_collapsed() -> None:
    headers = signed_headers("AdminGetUser", BODY, extra={"X-Custom": "a   b"})
    headers["x-custom"] = "  a b  "
    assert verify(verifier(), headers) == ACCESS_KEY


def test_stale_date() -> None:
    headers = signed_headers("AdminGetUser", BODY)
    with pytest.raises(InvalidSignatureException) as caught:
        verify(verifier(now=time.time() + 600), headers)
    assert caught.value.message.startswith(f"Signature expired: {headers['x-amz-date']} is now earlier than ")
    assert caught.value.message.endswith(" - 5 min.)")


def test_future_date() -> None:
    headers = signed_headers("AdminGetUser", BODY)
    with pytest.raises(InvalidSignatureException, match="Signature not yet current"):
        verify(verifier(now=time.time() - 600), headers)


def test_small_skew_is_fine() -> None:
    headers = signed_headers("AdminGetUser", BODY)
    assert verify(verifier(now=time.time() + 200), headers) == ACCESS_KEY


def test_missing_authorization() -> None:
    headers = signed_headers("AdminGetUser", BODY)
    del headers["authorization"]
    with pytest.raises(MissingAuthenticationTokenException) as caught:
        verify(verifier(), headers)
    assert caught.value.message == "Missing Authentication Token"
    with pytest.raises(MissingAuthenticationTokenException):
        verify(verifier(None), headers)


def test_missing_date() -> None:
    headers = signed_headers("AdminGetUser", BODY)
    del headers["x-amz-date"]
    with pytest.raises(IncompleteSignatureException, match="X-Amz-Date"):
        verify(verifier(), headers)


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer abc",
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/cognito-idp/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/aws4_request, SignedHeaders=host, Signature=" + "a" * 64,
        "AWS4-HMAC-SHA256 Credential=AKID/2024-01-01/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, "
        "Signature=" + "a" * 64,
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, "
        "Signature=xyz",
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/cognito-idp/aws4_request, SignedHeaders=Host, "
        "Signature=" + "a" * 64,
    ],
)
def test_malformed_authorization(authorization: str) -> None:
    headers = signed_headers("AdminGetUser", BODY)
    headers["authorization"] = authorization
    for v in (verifier(), verifier(None)):
        with pytest.raises(IncompleteSignatureException):
            verify(v, headers)


def test_scope_must_be_cognito_idp() -> None:
    headers = signed_headers("AdminGetUser", BODY, service="sts")
    for v in (verifier(), verifier(None)):
        with pytest.raises(InvalidSignatureException, match="cognito-idp"):
            verify(v, headers)


def test_scope_date_must_match_request_date() -> None:
    headers = signed_headers("AdminGetUser", BODY)
    headers["authorization"] = headers["authorization"].replace(headers["x-amz-date"][:8], "19990101")
    with pytest.raises(InvalidSignatureException, match="Date in Credential scope"):
        verify(verifier(), headers)


def test_accept_any_mode() -> None:
    headers = signed_headers("AdminGetUser", BODY, key="ANYKEY", secret="whatever")
    v = verifier(None)
    assert v.accepts_any
    assert verify(v, headers, body=b"tampered") == "ANYKEY"
    assert verify(verifier(None, now=time.time() + 86400), headers) == "ANYKEY"


def test_parse_authorization() -> None:
    auth = parse_authorization(signed_headers("AdminGetUser", BODY)["authorization"])
    assert auth.access_key == ACCESS_KEY
    assert auth.service == "cognito-idp"
    assert auth.region == "us-east-1"
    assert auth.signed_headers == ("content-type", "host", "x-amz-date", "x-amz-target")


def test_canonical_uri_and_query_match_botocore() -> None:
    assert canonical_uri("/") == "/"
    assert canonical_uri("") == "/"
    assert canonical_uri("/a/./b/../c//d/") == "/a/c/d/"
    assert canonical_uri("/a%20b") == "/a%2520b"  # botocore encodes the already-encoded path again
    assert canonical_query("b=2&a=1&a=0") == "a=0&a=1&b=2"
    assert canonical_query("") == ""


# --- requests made by a real boto3 client ---------------------------------------------------
def capture(operation: str, key: str, secret: str, **params: Any) -> tuple[dict[str, str], bytes, str]:
    """Let boto3 build and sign a call, catch it before it leaves, answer with an empty 200."""
    client = boto3.session.Session().client(
        "cognito-idp",
        endpoint_url="http://127.0.0.1:9/",
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )
    seen: dict[str, Any] = {}

    def before_send(request: Any, **_: Any) -> AWSResponse:
        seen["headers"] = {
            name.lower(): value.decode() if isinstance(value, bytes) else value
            for name, value in request.headers.items()
        }
        seen["body"] = request.body
        seen["url"] = request.url
        return AWSResponse(request.url, 200, {"x-amzn-RequestId": "r"}, _Raw(b"{}"))

    client.meta.events.register("before-send.cognito-idp.*", before_send)
    getattr(client, operation)(**params)
    headers = seen["headers"]
    headers.setdefault("host", "127.0.0.1:9")
    body = seen["body"] if isinstance(seen["body"], bytes) else seen["body"].encode()
    return headers, body, seen["url"]


class _Raw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


def test_boto3_admin_request_verifies_and_detects_tampering() -> None:
    headers, body, _ = capture("admin_get_user", ACCESS_KEY, SECRET_KEY, UserPoolId="us-east-1_abc", Username="bob")
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert verify(verifier(), headers, body=body) == ACCESS_KEY
    with pytest.raises(InvalidSignatureException):
        verify(verifier(), headers, body=body.replace(b"bob", b"eve"))
    wrong_headers, wrong_body, _ = capture(
        "admin_get_user", ACCESS_KEY, "wrong", UserPoolId="us-east-1_abc", Username="bob"
    )
    with pytest.raises(InvalidSignatureException):
        verify(verifier(), wrong_headers, body=wrong_body)


def test_boto3_public_request_is_unsigned() -> None:
    headers, _, _ = capture("initiate_auth", ACCESS_KEY, SECRET_KEY, AuthFlow="USER_SRP_AUTH", ClientId="c")
    assert "authorization" not in headers
