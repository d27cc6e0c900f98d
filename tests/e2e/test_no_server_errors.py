"""Bad input gets Cognito's error, never a 500: every implemented operation is called with an
empty body, with only its required members, and with every member, filled from botocore's
model with values that are well-typed but mostly wrong (unknown names, garbage tokens), and
also with the names of a real pool, client, user and group."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.e2e.conftest import PASSWORD
from tests.e2e.server import ACCESS_KEY, SECRET_KEY, Server
from userpool.wire import operations

MODEL = botocore.session.get_session().get_service_model("cognito-idp")
IMPLEMENTED = sorted(operations.served())


def _value(shape: Any, name: str, known: dict[str, Any], every: bool) -> Any:
    if name in known and shape.type_name == "string":
        return known[name]
    if shape.type_name == "structure":
        members = shape.members if every else {m: shape.members[m] for m in shape.required_members}
        return {m: _value(s, m, known, every) for m, s in members.items()}
    if shape.type_name == "list":
        return [_value(shape.member, name, known, every)]
    if shape.type_name == "map":
        return {"USERNAME": known.get("Username", "x"), "PASSWORD": PASSWORD, "SRP_A": "2"}
    if shape.type_name in ("integer", "long"):
        return int(shape.metadata.get("min", 1))
    if shape.type_name == "boolean":
        return True
    if shape.type_name == "timestamp":
        return 0
    if shape.type_name == "blob":
        return "eA=="
    enum = shape.metadata.get("enum")
    if enum:
        return enum[0]
    length = max(int(shape.metadata.get("min", 1)), 1)
    return ("abc.def.ghi" if "Token" in name else "x" * length)[: shape.metadata.get("max", 10_000)]


def _post(server: Server, operation: str, body: dict[str, Any]) -> httpx.Response:
    data = json.dumps(body).encode()
    request = AWSRequest(method="POST", url=server.url + "/", data=data, headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}"})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "cognito-idp", "us-east-1").add_auth(request)
    return httpx.post(server.url + "/", content=data, headers=dict(request.headers.items()), timeout=30)


@pytest.fixture(scope="module")
def real_names(server: Server) -> dict[str, Any]:
    idp: Any = server.client()
    pool_id = idp.create_user_pool(PoolName="sweep")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="sweep")["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="sweeper", MessageAction="SUPPRESS")
    idp.create_group(UserPoolId=pool_id, GroupName="sweepers")
    return {"UserPoolId": pool_id, "ClientId": client_id, "Username": "sweeper", "GroupName": "sweepers"}


@pytest.mark.parametrize("operation", IMPLEMENTED)
def test_no_input_makes_a_server_error(server: Server, real_names: dict[str, Any], operation: str) -> None:
    shape = MODEL.operation_model(operation).input_shape
    bodies = [{}] + [_value(shape, "", known, every) for known in ({}, real_names) for every in (False, True)]
    for body in bodies:
        response = _post(server, operation, body)
        assert response.status_code < 500, (operation, body, response.text)
        if response.status_code >= 400:
            assert response.json()["__type"], response.text
