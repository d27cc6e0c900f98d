"""A real boto3 client against the app served by uvicorn on a free port."""

from __future__ import annotations

import datetime
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
import uvicorn
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.wire.helpers import ACCESS_KEY, SECRET_KEY
from userpool.model.errors import NotAuthorizedException
from userpool.wire.app import create_app
from userpool.wire.registry import Request
from userpool.wire.sigv4 import SigV4Verifier

CHALLENGE = {
    "ChallengeName": "PASSWORD_VERIFIER",
    "ChallengeParameters": {
        "SALT": "abcd",
        "SRP_B": "ef01",
        "SECRET_BLOCK": "c2VjcmV0",
        "USER_ID_FOR_SRP": "bob",
        "USERNAME": "bob",
    },
    "Session": None,
}


def dispatch(request: Request) -> dict[str, Any]:
    if request.operation == "InitiateAuth":
        return CHALLENGE
    if request.operation == "AdminGetUser":
        return {
            "Username": request.body["Username"],
            "UserAttributes": [{"Name": "sub", "Value": "0b8e-..."}, {"Name": "email", "Value": "b@x.org"}],
            "UserCreateDate": 1_700_000_000.5,
            "Enabled": True,
            "UserStatus": "CONFIRMED",
            "Accessor": request.access_key,
        }
    raise NotAuthorizedException("Incorrect username or password.")


def well_known(pool_id: str, document: str, base_url: str) -> tuple[int, dict[str, Any]]:
    return 200, {"keys": [], "pool": pool_id, "base": base_url}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    verifier = SigV4Verifier({ACCESS_KEY: SECRET_KEY}, time.time)
    app = create_app(dispatch, well_known, verifier, logger=logging.getLogger("test.wire.live"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", ws="none", http="httptools")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        assert thread.is_alive(), "uvicorn exited"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


def client(endpoint: str, key: str = ACCESS_KEY, secret: str = SECRET_KEY) -> Any:
    return boto3.session.Session().client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def test_public_operation(endpoint: str) -> None:
    out = client(endpoint).initiate_auth(
        AuthFlow="USER_SRP_AUTH", ClientId="client1", AuthParameters={"USERNAME": "bob", "SRP_A": "abc"}
    )
    assert out["ChallengeName"] == "PASSWORD_VERIFIER"
    assert out["ChallengeParameters"] == CHALLENGE["ChallengeParameters"]
    assert "Session" not in out
    assert len(out["ResponseMetadata"]["RequestId"]) == 36
    assert out["ResponseMetadata"]["HTTPHeaders"]["access-control-allow-origin"] == "*"


def test_cognito_error(endpoint: str) -> None:
    with pytest.raises(ClientError) as caught:
        client(endpoint).sign_up(ClientId="client1", Username="bob", Password="Passw0rd!")
    response = caught.value.response
    assert response["Error"]["Code"] == "NotAuthorizedException"
    assert response["Error"]["Message"] == "Incorrect username or password."
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert len(response["ResponseMetadata"]["RequestId"]) == 36
    assert type(caught.value).__name__ == "NotAuthorizedException"  # boto3's modelled exception class


def test_validation_error_reaches_boto3(endpoint: str) -> None:
    with pytest.raises(ClientError) as caught:
        client(endpoint).initiate_auth(AuthFlow="USER_SRP_AUTH", ClientId="has space")
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
    assert caught.value.response["Error"]["Message"].startswith("1 validation error detected: Value at 'clientId'")


def test_signed_admin_call_verifies(endpoint: str) -> None:
    out = client(endpoint).admin_get_user(UserPoolId="us-east-1_abc", Username="bob")
    assert out["Username"] == "bob"
    assert out["UserCreateDate"] == datetime.datetime.fromtimestamp(1_700_000_000.5, datetime.UTC)
    assert out["Enabled"] is True


@pytest.mark.parametrize(
    ("key", "secret", "code"),
    [
        ("AKIDUNKNOWN", SECRET_KEY, "UnrecognizedClientException"),
        (ACCESS_KEY, "not-the-secret", "InvalidSignatureException"),
    ],
)
def test_wrong_credentials(endpoint: str, key: str, secret: str, code: str) -> None:
    with pytest.raises(ClientError) as caught:
        client(endpoint, key, secret).admin_get_user(UserPoolId="us-east-1_abc", Username="bob")
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["RequestId"]


def test_well_known_over_http(endpoint: str) -> None:
    response = httpx.get(f"{endpoint}/us-east-1_abc/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.json() == {"keys": [], "pool": "us-east-1_abc", "base": endpoint}
    assert response.headers["access-control-allow-origin"] == "*"
