"""End-to-end fixtures: one real server process per storage backend (SQLite file, and
PostgreSQL where reachable — required under CI=true), driven through boto3."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.conftest import postgres_admin_url, require_postgres
from tests.e2e.server import ACCESS_KEY, SECRET_KEY, Server, running

pytestmark = pytest.mark.e2e


def serving(data_dir: Path, backend: str, *args: str) -> Iterator[Server]:
    """A real server on ``backend`` ("sqlite", or "postgres" in a fresh database dropped after),
    with the test admin credentials and ``args``."""
    creds = ("--admin-credentials", f"{ACCESS_KEY}:{SECRET_KEY}")
    if backend == "sqlite":
        yield from running(data_dir, *creds, *args)
        return
    admin = require_postgres()
    name = f"userpool_e2e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
        yield from running(data_dir, *creds, *args, db=url)
    finally:
        with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serving(tmp_path_factory.mktemp(f"server-{request.param}"), request.param)


@pytest.fixture
def idp(server: Server) -> Any:
    """A boto3 cognito-idp client with the server's admin credentials."""
    return server.client()


PASSWORD = "Correct-Horse-9"


@pytest.fixture
def make_pool(idp: Any) -> Callable[..., str]:
    def make(**settings: Any) -> str:
        response = idp.create_user_pool(PoolName=f"pool-{uuid.uuid4().hex[:8]}", **settings)
        return str(response["UserPool"]["Id"])

    return make


@pytest.fixture
def make_client(idp: Any) -> Callable[..., dict[str, Any]]:
    def make(pool_id: str, **settings: Any) -> dict[str, Any]:
        settings.setdefault("ExplicitAuthFlows", [
            "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
            "ALLOW_USER_SRP_AUTH",
        ])
        return dict(idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", **settings)["UserPoolClient"])

    return make


@pytest.fixture
def make_user(idp: Any) -> Callable[..., str]:
    """A CONFIRMED user with a permanent password."""

    def make(pool_id: str, username: str, password: str = PASSWORD, **attributes: str) -> str:
        idp.admin_create_user(
            UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
        )
        idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
        return username

    return make


# --- appended: error assertions for the e2e suites ------------------------------------------
import re  # noqa: E402
from contextlib import contextmanager  # noqa: E402

from botocore.exceptions import ClientError  # noqa: E402


@contextmanager
def raises_code(code: str, match: str | None = None) -> Iterator[pytest.ExceptionInfo[ClientError]]:
    """Expect a botocore ClientError whose ``Error.Code`` is ``code`` (and message matches ``match``)."""
    with pytest.raises(ClientError) as info:
        yield info
    error = info.value.response["Error"]
    assert error["Code"] == code, error
    if match is not None:
        assert re.search(match, error["Message"]), error["Message"]


# --- Sign-in helpers (password auth, sessions, tokens, lockout) -------------------------------
import base64  # noqa: E402
import contextlib  # noqa: E402
import hashlib  # noqa: E402
import hmac  # noqa: E402

import httpx  # noqa: E402
import jwt  # noqa: E402
from botocore.exceptions import ClientError as BotoClientError  # noqa: E402


@pytest.fixture
def expect_error() -> Callable[..., Any]:
    """``with expect_error("NotAuthorizedException", "Incorrect username or password."):`` —
    the exact error code and, when given, the exact message (``match``: a substring instead)."""

    @contextlib.contextmanager
    def expect(code: str, message: str | None = None, *, match: str | None = None) -> Iterator[Any]:
        with pytest.raises(BotoClientError) as info:
            yield info
        error = info.value.response["Error"]
        assert error["Code"] == code, error
        if message is not None:
            assert error["Message"] == message, error
        if match is not None:
            assert match in error["Message"], error
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    return expect


def compute_secret_hash(secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@pytest.fixture
def secret_hash() -> Callable[[dict[str, Any], str], str]:
    """SECRET_HASH of an app client (as returned by ``make_client``) for a sign-in name."""
    return lambda client, username: compute_secret_hash(client["ClientSecret"], username, client["ClientId"])


@pytest.fixture
def sign_in(idp: Any) -> Callable[..., dict[str, Any]]:
    """USER_PASSWORD_AUTH (or ``flow=`` an admin flow through AdminInitiateAuth); adds SECRET_HASH
    for clients with a secret. Returns the whole response."""

    def initiate(client: dict[str, Any], username: str, password: str = PASSWORD, *,
                 flow: str = "USER_PASSWORD_AUTH") -> dict[str, Any]:
        parameters = {"USERNAME": username, "PASSWORD": password}
        if client.get("ClientSecret"):
            parameters["SECRET_HASH"] = compute_secret_hash(client["ClientSecret"], username, client["ClientId"])
        if flow == "USER_PASSWORD_AUTH":
            return dict(idp.initiate_auth(ClientId=client["ClientId"], AuthFlow=flow, AuthParameters=parameters))
        return dict(idp.admin_initiate_auth(UserPoolId=client["UserPoolId"], ClientId=client["ClientId"],
                                            AuthFlow=flow, AuthParameters=parameters))

    return initiate


@pytest.fixture
def verify_token(server: Server) -> Callable[..., dict[str, Any]]:
    """PyJWT verification against the pool's published JWKS and issuer, as a relying party
    does it (RS256 only, ``aud`` = the client for ID tokens). Returns the claims."""

    def verify(token: str, pool_id: str, audience: str | None = None) -> dict[str, Any]:
        keys = jwt.PyJWKSet.from_dict(httpx.get(f"{server.url}/{pool_id}/.well-known/jwks.json").json())
        kid = jwt.get_unverified_header(token)["kid"]
        key = next(k for k in keys.keys if k.key_id == kid)
        return dict(jwt.decode(
            token, key.key, algorithms=["RS256"], issuer=f"{server.url}/{pool_id}", audience=audience,
            options={"require": ["exp", "iat", "iss", "sub", "token_use"]},
        ))

    return verify
