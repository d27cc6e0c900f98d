"""The load generator's side of the wire: keep-alive connections, SigV4 headers, setup through boto3.

Timed requests go through ``Conn`` (one raw ``http.client`` connection per worker thread, with
pre-built JSON bodies), so the load generator's own CPU per request stays small. Setup uses
boto3, the standard client, exactly as an application would.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from bench.peers import ADMIN_KEY, ADMIN_SECRET, HOST

REGION = "us-east-1"
TARGET_PREFIX = "AWSCognitoIdentityProviderService."
CONTENT_TYPE = "application/x-amz-json-1.1"
PASSWORD = "Bench-Passw0rd!"
WRONG_PASSWORD = "Wrong-Passw0rd!"
AUTH_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
              "ALLOW_REFRESH_TOKEN_AUTH"]


class Conn:
    """One keep-alive HTTP/1.1 connection to a server; reconnects once if the server closed it."""

    def __init__(self, port: int, timeout: float = 60.0) -> None:
        self._http = http.client.HTTPConnection(HOST, port, timeout=timeout)

    def call(self, operation: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        sent = headers if headers is not None else {"Content-Type": CONTENT_TYPE,
                                                    "X-Amz-Target": TARGET_PREFIX + operation}
        for attempt in (0, 1):
            try:
                self._http.request("POST", "/", body, sent)
                response = self._http.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, http.client.CannotSendRequest, ConnectionResetError,
                    BrokenPipeError):
                self._http.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._http.close()


def error_type(status: int, data: bytes) -> str:
    """Cognito's error name (``__type`` without namespace), or ``HTTP <status>``."""
    try:
        doc = json.loads(data)
        name = str(doc.get("__type") or doc.get("code") or "")
        message = str(doc.get("message") or doc.get("Message") or "")
    except (ValueError, AttributeError):
        return f"HTTP {status}: {data[:120]!r}"
    name = name.rsplit("#", 1)[-1] or f"HTTP {status}"
    return f"{name}: {message}" if message else name


def dumps(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


class Signer:
    """SigV4 headers for one admin request (botocore's SigV4Auth, a fresh signature per request)."""

    def __init__(self, port: int) -> None:
        self._url = f"http://{HOST}:{port}/"
        self._auth = SigV4Auth(Credentials(ADMIN_KEY, ADMIN_SECRET), "cognito-idp", REGION)

    def headers(self, operation: str, body: bytes) -> dict[str, str]:
        request = AWSRequest("POST", self._url, data=body,
                             headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET_PREFIX + operation})
        self._auth.add_auth(request)
        return dict(request.headers.items())


def boto_client(url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "cognito-idp", endpoint_url=url, region_name=REGION, aws_access_key_id=ADMIN_KEY,
        aws_secret_access_key=ADMIN_SECRET,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, max_pool_connections=16,
                      read_timeout=120),
    )


@dataclass
class Setup:
    """The pool, client and users made on one server."""

    pool_id: str
    client_id: str
    users: list[str]
    problems: list[str] = field(default_factory=list)
    #: A second client of the pool with ALLOW_USER_AUTH (the user_auth workload); None when the
    #: server refused to make it (``user_auth_problem`` says why).
    user_auth_client_id: str | None = None
    user_auth_problem: str = ""

    @property
    def realm(self) -> str:
        """The SRP pool name part: the pool ID after ``_``."""
        return self.pool_id.split("_", 1)[1]


def create_pool(url: str) -> tuple[str, str]:
    """Pool and app client (no secret, the four flows), through the standard API."""
    idp = boto_client(url)
    pool_id = idp.create_user_pool(PoolName="bench")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="bench", GenerateSecret=False,
                                         ExplicitAuthFlows=AUTH_FLOWS)
    return pool_id, client["UserPoolClient"]["ClientId"]


def username(i: int) -> str:
    return f"user{i:07d}"


def setup_pool(url: str, n_users: int, threads: int = 8) -> Setup:
    """Create the pool, the client and ``n_users`` users (AdminCreateUser + AdminSetUserPassword
    Permanent=True). Users that cannot be made are left out and the reason is recorded."""
    pool_id, client_id = create_pool(url)
    problems: list[str] = []
    local = [boto_client(url) for _ in range(threads)]

    def make(i: int) -> str | None:
        idp = local[i % threads]
        name = username(i)
        try:
            idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS",
                                  UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}])
        except Exception as exc:
            problems.append(f"AdminCreateUser: {exc}")
            return None
        try:
            idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)
        except Exception as exc:
            problems.append(f"AdminSetUserPassword: {exc}")
            return None
        return name

    with ThreadPoolExecutor(threads) as pool:
        made = [name for name in pool.map(make, range(n_users)) if name is not None]
    distinct = sorted(set(problems))[:5]
    setup = Setup(pool_id, client_id, made, distinct)
    try:
        setup.user_auth_client_id = local[0].create_user_pool_client(
            UserPoolId=pool_id, ClientName="bench-user-auth", GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    except Exception as exc:
        setup.user_auth_problem = f"CreateUserPoolClient with ALLOW_USER_AUTH: {exc}"[:300]
    return setup


T = TypeVar("T")


def signed_in_users(url: str, pool_id: str, client_id: str, n_users: int, prefix: str,
                    prepare: Callable[[Any, str, dict[str, Any]], T],
                    threads: int = 8) -> tuple[dict[str, T], list[str]]:
    """``n_users`` users named ``prefix`` + a number, each created with the bench password, signed in
    once (USER_PASSWORD_AUTH) and handed with its AuthenticationResult to ``prepare(api, name,
    result)`` (confirm a device, register a passkey, ...). Returns name -> what ``prepare`` made, and
    the distinct problems of the users that could not be made."""
    local = [boto_client(url) for _ in range(threads)]
    problems: list[str] = []

    def make(i: int) -> tuple[str, T] | None:
        api = local[i % threads]
        name = f"{prefix}{i:07d}"
        try:
            api.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS")
            api.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)
            result = api.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})["AuthenticationResult"]
            return name, prepare(api, name, result)
        except Exception as exc:
            problems.append(f"{type(exc).__name__}: {exc}"[:300])
            return None

    with ThreadPoolExecutor(threads) as pool:
        made = dict(item for item in pool.map(make, range(n_users)) if item is not None)
    return made, sorted(set(problems))[:5]
