"""Issue 16: a body nested at any depth gets one clean answer, never a 5xx. Bodies nested
beyond ``protocol.MAX_DEPTH`` are a ``SerializationException`` (before anything is stored);
shallower ones are validated as usual. Objects and arrays, in structures, maps and lists, on a
signed operation whose settings are stored and echoed (CreateUserPool) and on public ones."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.e2e.server import ACCESS_KEY, SECRET_KEY, Server
from userpool.wire.protocol import MAX_DEPTH

# (operation, body template with one %s where the nested value goes, signed)
CASES = [
    ("CreateUserPool", '{"PoolName":"deep","VerificationMessageTemplate":%s}', True),
    ("CreateUserPool", '{"PoolName":%s}', True),
    ("AdminCreateUser", '{"UserPoolId":"us-east-1_nothere","Username":"u","UserAttributes":%s}', True),
    ("InitiateAuth", '{"ClientId":"nothere","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":%s}', False),
    ("InitiateAuth", '{"ClientId":"nothere","AuthFlow":"USER_PASSWORD_AUTH","ClientMetadata":{"k":%s}}', False),
    ("SignUp", '{"ClientId":"nothere","Username":"u","Password":"p","UserAttributes":[{"Name":"a","Value":%s}]}',
     False),
]
DEPTHS = sorted({*range(1, 60, 4), *range(MAX_DEPTH - 4, MAX_DEPTH + 4), *range(80, 2001, 97), 2000})


def nested(depth: int, kind: str) -> str:
    opening, closing = ('{"a":', "}") if kind == "object" else ("[", "]")
    return opening * depth + '"x"' + closing * depth


def post(server: Server, operation: str, body: bytes, signed: bool) -> httpx.Response:
    headers = {"Content-Type": "application/x-amz-json-1.1",
               "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}"}
    if signed:
        request = AWSRequest(method="POST", url=server.url + "/", data=body, headers=headers)
        SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "cognito-idp", "us-east-1").add_auth(request)
        headers = dict(request.headers.items())
    return httpx.post(server.url + "/", content=body, headers=headers, timeout=30)


def all_pools(idp: Any) -> list[dict[str, Any]]:
    """Every pool of the server (the session's server holds more than one page of them)."""
    return [p for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60) for p in page["UserPools"]]


@pytest.mark.parametrize("kind", ["object", "array"])
@pytest.mark.parametrize(("operation", "template", "signed"), CASES)
def test_every_depth_gets_a_clean_answer(
    server: Server, idp: Any, operation: str, template: str, signed: bool, kind: str
) -> None:
    pools_before = len(all_pools(idp))
    for depth in DEPTHS:
        response = post(server, operation, (template % nested(depth, kind)).encode(), signed)
        assert response.status_code < 500, (depth, response.text[:200])
        # the value sits 1-2 levels below the top object; anything nested past the limit is refused
        if depth > MAX_DEPTH:
            assert response.status_code == 400, (depth, response.text[:200])
            assert response.json()["__type"] == "SerializationException", (depth, response.text[:200])
    if operation == "CreateUserPool" and kind == "object" and "Verification" in template:
        pools = all_pools(idp)
        created = [p for p in pools if p["Name"] == "deep"]
        # shallow unknown members are ignored as before; no over-deep body was stored
        assert len(pools) - pools_before == len(created)
        for pool in created:
            assert idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["Name"] == "deep"
