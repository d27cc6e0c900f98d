"""Request-rate quotas through boto3 against real server processes (spec §9.2, issue 9 item 5).

These servers are started with tiny quotas of their own; the session servers run the defaults.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.e2e.conftest import PASSWORD, serving
from tests.e2e.server import ACCESS_KEY, SECRET_KEY, Server

pytestmark = pytest.mark.e2e
CREDS = ("--admin-credentials", f"{ACCESS_KEY}:{SECRET_KEY}")


@contextmanager
def quota_server(data_dir: Path, backend: str, *args: str) -> Iterator[Server]:
    yield from serving(data_dir, backend, *args)


def throttled(attempt: Callable[[], Any]) -> bool:
    """True when the call is answered TooManyRequestsException with HTTP 400 (no retries: see Server)."""
    try:
        attempt()
    except ClientError as error:
        if error.response["Error"]["Code"] != "TooManyRequestsException":
            raise
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert error.response["Error"]["Message"] == "Too many requests"
        return True
    return False


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_sign_ins_beyond_the_quota_are_throttled_then_recover(tmp_path: Path, backend: str) -> None:
    # three at once, then one every two seconds: the four calls below take far less than two seconds
    with quota_server(tmp_path, backend, "--quota", "UserAuthentication=0.5/3") as server:
        idp = server.client()
        pool_id = idp.create_user_pool(PoolName="quota")["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool_id, Username="ann", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username="ann", Password=PASSWORD, Permanent=True)

        def sign_in() -> Any:
            return idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                     AuthParameters={"USERNAME": "ann", "PASSWORD": PASSWORD})

        assert [throttled(sign_in) for _ in range(4)] == [False, False, False, True]
        # other categories of the same pool are not affected
        assert idp.admin_get_user(UserPoolId=pool_id, Username="ann")["Username"] == "ann"
        # the bucket refills at 0.5 per second: a sign-in succeeds again within about two seconds
        deadline = time.monotonic() + 10
        while throttled(sign_in):
            assert time.monotonic() < deadline, "the quota never refilled"
            time.sleep(0.2)


def _initiate(url: str, client_id: str) -> str:
    """One InitiateAuth on a fresh connection (so the kernel may hand it to either worker)."""
    body = {"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "x", "PASSWORD": "y"}}
    headers = {"content-type": "application/x-amz-json-1.1",
               "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth", "connection": "close"}
    with httpx.Client(timeout=30) as http:
        response = http.post(url + "/", content=json.dumps(body), headers=headers)
    assert response.status_code == 400
    return str(response.json()["__type"])


def test_two_workers_share_one_bucket(tmp_path: Path) -> None:
    burst = 10
    args = ("--workers", "2", "--quota", f"UserAuthentication=0.001/{burst}")
    # a client ID that names no client: admitted calls answer ResourceNotFoundException, cheaply
    with quota_server(tmp_path, "sqlite", *args) as server, ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: _initiate(server.url, "nosuchclient"), range(60)))
    assert set(answers) <= {"ResourceNotFoundException", "TooManyRequestsException"}, answers
    # one bucket of ten for the whole server, however the calls were spread over the workers
    assert answers.count("ResourceNotFoundException") == burst, answers


def test_quotas_off_never_throttles(tmp_path: Path) -> None:
    with quota_server(tmp_path, "sqlite", "--quotas", "off", "--quota", "UserAuthentication=0.001/1") as server:
        answers = [_initiate(server.url, "nosuchclient") for _ in range(5)]
    assert answers == ["ResourceNotFoundException"] * 5
