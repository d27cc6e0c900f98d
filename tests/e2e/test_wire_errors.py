"""The AWS JSON 1.1 wire as clients meet it (spec §1): routing by X-Amz-Target, the error envelope
and its headers, CORS, parameter validation, null members, unimplemented operations, SigV4 on the
admin API, request ids, and the well-known documents."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import httpx
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from tests.e2e.conftest import PASSWORD, raises_code
from tests.e2e.server import ACCESS_KEY, REGION, SECRET_KEY, Server

TARGET = "AWSCognitoIdentityProviderService."
AMZ_JSON = "application/x-amz-json-1.1"
AUTH_FLOWS = ("USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, "
              "USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH")


def post(server: Server, operation: str | None, body: bytes | dict[str, Any] | None = None,
         **headers: str) -> httpx.Response:
    sent = {"Content-Type": AMZ_JSON, **headers}
    if operation is not None:
        sent["X-Amz-Target"] = TARGET + operation
    content = body if isinstance(body, bytes) else json.dumps(body or {}).encode()
    return httpx.post(server.url + "/", content=content, headers=sent, timeout=10)


def assert_error(response: httpx.Response, code: str, status: int = 400) -> str:
    """Checks the envelope and headers every error carries; returns the message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["__type"] == code, body
    assert response.headers["x-amzn-ErrorType"] == f"{code}:"
    assert response.headers["x-amzn-RequestId"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "x-amzn-RequestId" in response.headers["Access-Control-Expose-Headers"]
    if body.get("message"):
        assert response.headers["x-amzn-ErrorMessage"] == body["message"][:4096]
    return str(body.get("message", ""))


# --- routing and decoding ---------------------------------------------------------------------------
def test_missing_and_unknown_target(server: Server) -> None:
    assert_error(post(server, None), "UnknownOperationException")
    assert_error(post(server, "NoSuchOperation"), "UnknownOperationException")
    wrong_prefix = httpx.post(server.url + "/", content=b"{}", timeout=10,
                              headers={"Content-Type": AMZ_JSON, "X-Amz-Target": "DynamoDB_20120810.ListTables"})
    assert_error(wrong_prefix, "UnknownOperationException")


def test_body_that_is_not_json(server: Server) -> None:
    assert_error(post(server, "InitiateAuth", b"{not json"), "SerializationException")
    assert_error(post(server, "InitiateAuth", b"[1, 2]"), "SerializationException")
    wrong_type = {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "abc", "AuthParameters": "USERNAME=x"}
    assert_error(post(server, "InitiateAuth", wrong_type), "SerializationException")


def test_cors_preflight(server: Server) -> None:
    asked = "content-type,x-amz-target,x-amz-user-agent,cache-control"
    response = httpx.request("OPTIONS", server.url + "/", timeout=10, headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": asked,
    })
    assert 200 <= response.status_code < 300
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://app.example.com")
    assert response.headers["Access-Control-Allow-Headers"] == asked
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Max-Age"]


def test_request_ids_match_boto3(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool()
    described = idp.describe_user_pool(UserPoolId=pool_id)
    assert described["ResponseMetadata"]["HTTPStatusCode"] == 200
    headers = described["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-requestid"] == described["ResponseMetadata"]["RequestId"]
    assert headers["access-control-allow-origin"] == "*"
    assert headers["content-type"] == AMZ_JSON
    with raises_code("ResourceNotFoundException") as info:
        idp.describe_user_pool(UserPoolId="us-east-1_Nope12345")
    metadata = info.value.response["ResponseMetadata"]
    assert metadata["RequestId"] == metadata["HTTPHeaders"]["x-amzn-requestid"]
    assert metadata["RequestId"] != described["ResponseMetadata"]["RequestId"]


# --- validation ----------------------------------------------------------------------------------
def test_enum_validation_message(server: Server) -> None:
    response = post(server, "InitiateAuth", {"AuthFlow": "NOPE", "ClientId": "abc", "AuthParameters": {}})
    message = assert_error(response, "InvalidParameterException")
    assert message == (
        "1 validation error detected: Value 'NOPE' at 'authFlow' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{AUTH_FLOWS}]"
    )


def test_pattern_validation_through_boto3(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool()
    with raises_code("InvalidParameterException", "^1 validation error detected: Value at 'username' failed to "
                     r"satisfy constraint: Member must satisfy regular expression pattern: "):
        idp.admin_create_user(UserPoolId=pool_id, Username="has space", MessageAction="SUPPRESS")
    with raises_code("InvalidParameterException", "validation error"):
        idp.describe_user_pool(UserPoolId="no-underscore")


def test_null_members_are_absent(
    server: Server, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
    make_user: Callable[..., str],
) -> None:
    pool_id = make_pool()
    client_id = make_client(pool_id)["ClientId"]
    make_user(pool_id, "nell")
    response = post(server, "InitiateAuth", {
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id,
        "AuthParameters": {"USERNAME": "nell", "PASSWORD": PASSWORD, "DEVICE_KEY": None, "SECRET_HASH": None},
        "ClientMetadata": None, "AnalyticsMetadata": None, "UserContextData": None, "Session": None,
    })
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == AMZ_JSON
    assert "AccessToken" in response.json()["AuthenticationResult"]
    # A required member sent as null is missing, not a type error.
    message = assert_error(post(server, "InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": None}),
                           "InvalidParameterException")
    assert "clientId" in message


@pytest.mark.parametrize("call", ["describe_risk_configuration", "create_user_import_job"])
def test_unimplemented_operation_is_a_client_error(idp: Any, make_pool: Callable[..., str], call: str) -> None:
    pool_id = make_pool()
    kwargs: dict[str, Any] = {"UserPoolId": pool_id}
    if call == "describe_risk_configuration":
        operation = "DescribeRiskConfiguration"
    else:
        kwargs.update(JobName="import", CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/import-logs")
        operation = "CreateUserImportJob"
    with raises_code("InvalidParameterException", operation) as info:
        getattr(idp, call)(**kwargs)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# --- SigV4 ------------------------------------------------------------------------------------------
def test_sigv4_failures(server: Server) -> None:
    with raises_code("UnrecognizedClientException"):
        server.client(access_key="AKIDUNKNOWN", secret_key=SECRET_KEY).list_user_pools(MaxResults=1)
    with raises_code("InvalidSignatureException"):
        server.client(access_key=ACCESS_KEY, secret_key="wrong-secret").list_user_pools(MaxResults=1)
    unsigned = post(server, "ListUserPools", {"MaxResults": 1})
    assert_error(unsigned, "MissingAuthenticationTokenException", unsigned.status_code)
    assert unsigned.status_code in (400, 403)


def test_public_operation_works_unsigned(
    server: Server, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
    make_user: Callable[..., str],
) -> None:
    pool_id = make_pool()
    client_id = make_client(pool_id)["ClientId"]
    make_user(pool_id, "uri")
    public = boto3.client("cognito-idp", endpoint_url=server.url, region_name=REGION,
                          config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    result = public.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "uri", "PASSWORD": PASSWORD})
    assert result["AuthenticationResult"]["TokenType"] == "Bearer"
    with raises_code("MissingAuthenticationTokenException"):
        public.list_user_pools(MaxResults=1)


# --- well-known documents -------------------------------------------------------------------------
def test_well_known_documents(server: Server, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool()
    jwks = httpx.get(f"{server.url}/{pool_id}/.well-known/jwks.json", timeout=10)
    assert jwks.status_code == 200
    keys = jwks.json()["keys"]
    assert len(keys) >= 2 and all(k["kty"] == "RSA" and k["alg"] == "RS256" and k["kid"] for k in keys)
    assert all("d" not in k for k in keys)
    discovery = httpx.get(f"{server.url}/{pool_id}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == f"{server.url}/{pool_id}"
    assert discovery["jwks_uri"] == f"{server.url}/{pool_id}/.well-known/jwks.json"
    for document in ("jwks.json", "openid-configuration"):
        missing = httpx.get(f"{server.url}/us-east-1_Missing99/.well-known/{document}", timeout=10)
        assert missing.status_code == 404
