"""End-to-end fixtures: one real server process per storage backend (SQLite file, and
PostgreSQL where reachable — required under CI=true), driven through boto3."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.conftest import postgres_admin_url, require_postgres
from tests.e2e.server import ACCESS_KEY, SECRET_KEY, Server, running

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp(f"server-{request.param}")
    creds = ("--admin-credentials", f"{ACCESS_KEY}:{SECRET_KEY}")
    if request.param == "sqlite":
        yield from running(data_dir, *creds)
        return
    admin = require_postgres()
    name = f"userpool_e2e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
        yield from running(data_dir, *creds, db=url)
    finally:
        with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


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
