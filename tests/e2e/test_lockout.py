"""Failed sign-in lockout against a real server (spec §9.1): the schedule (5 failures → 1 s,
each further failure doubles it), refusals during a lockout (the right password included),
the reset after a successful sign-in, and the guarantee under concurrency: N simultaneous wrong
guesses, spread over several worker processes, test no more passwords than the schedule allows.
The exact numbers up to the 15-minute cap need a clock to advance: ``tests/auth/test_lockout.py``."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from botocore.exceptions import ClientError
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.conftest import postgres_admin_url, require_postgres
from tests.e2e.conftest import PASSWORD
from tests.e2e.server import ACCESS_KEY, SECRET_KEY, Server, start_server

WRONG = "Incorrect username or password."
EXCEEDED = "Password attempts exceeded"
BAD = "Wrong-Password-1"


def fail(sign_in: Any, client: dict[str, Any], username: str, password: str = BAD, **kw: Any) -> str:
    """The NotAuthorizedException message of a refused sign-in."""
    with pytest.raises(ClientError) as info:
        sign_in(client, username, password, **kw)
    assert info.value.response["Error"]["Code"] == "NotAuthorizedException", info.value.response
    return str(info.value.response["Error"]["Message"])


def test_schedule_refusals_and_reset_after_success(
    make_pool: Any, make_client: Any, make_user: Any, sign_in: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    make_user(pool_id, "lara")

    assert [fail(sign_in, client, "lara") for _ in range(5)] == [WRONG] * 5
    assert fail(sign_in, client, "lara", PASSWORD) == EXCEEDED
    assert fail(sign_in, client, "lara") == EXCEEDED  # refused, not counted
    time.sleep(1.1)
    assert fail(sign_in, client, "lara") == WRONG  # the 6th failure: locked for 2 s
    assert fail(sign_in, client, "lara", PASSWORD) == EXCEEDED
    time.sleep(1.0)
    assert fail(sign_in, client, "lara", PASSWORD) == EXCEEDED
    time.sleep(1.1)
    assert sign_in(client, "lara")["AuthenticationResult"]["AccessToken"]

    # The success forgave every failure: four more do not lock, the fifth does.
    assert [fail(sign_in, client, "lara") for _ in range(4)] == [WRONG] * 4
    assert sign_in(client, "lara")["AuthenticationResult"]["AccessToken"]
    assert [fail(sign_in, client, "lara") for _ in range(5)] == [WRONG] * 5
    assert fail(sign_in, client, "lara", PASSWORD) == EXCEEDED


def test_one_counter_per_user_across_the_password_flows(
    make_pool: Any, make_client: Any, make_user: Any, sign_in: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id)
    make_user(pool_id, "mona")
    make_user(pool_id, "nils")
    flows = ["USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH",
             "ADMIN_USER_PASSWORD_AUTH"]
    assert [fail(sign_in, client, "mona", flow=flow) for flow in flows] == [WRONG] * 5
    for flow in ("USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH"):
        assert fail(sign_in, client, "mona", PASSWORD, flow=flow) == EXCEEDED
    assert sign_in(client, "nils")["AuthenticationResult"]["AccessToken"]


def test_alias_sign_ins_share_the_users_counter(
    make_pool: Any, make_client: Any, make_user: Any, sign_in: Any,
) -> None:
    pool_id = make_pool(AliasAttributes=["email"])
    client = make_client(pool_id)
    make_user(pool_id, "olaf", email="olaf@example.com", email_verified="true")
    names = ["olaf", "olaf@example.com"] * 3
    assert [fail(sign_in, client, name) for name in names[:5]] == [WRONG] * 5
    assert fail(sign_in, client, "olaf@example.com", PASSWORD) == EXCEEDED
    assert fail(sign_in, client, "olaf", PASSWORD) == EXCEEDED


def test_unknown_users_in_enabled_pools_look_like_real_ones(
    make_pool: Any, make_client: Any, sign_in: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id, PreventUserExistenceErrors="ENABLED")
    assert [fail(sign_in, client, "ghost") for _ in range(5)] == [WRONG] * 5
    assert fail(sign_in, client, "ghost") == EXCEEDED
    assert fail(sign_in, client, "another-ghost") == WRONG


# --- concurrency: a server with two worker processes ----------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_workers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    creds = ("--workers", "2", "--admin-credentials", f"{ACCESS_KEY}:{SECRET_KEY}")
    if request.param == "sqlite":
        server = start_server(tmp_path / "sqlite", *creds)
        try:
            yield server
        finally:
            server.stop()
        return
    admin = require_postgres()
    name = f"userpool_lockout_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        server = start_server(tmp_path / "postgres", *creds,
                              db=make_url(admin).set(database=name).render_as_string(hide_password=False))
        try:
            yield server
        finally:
            server.stop()
    finally:
        with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def allowed_failures(elapsed: float) -> int:
    """Wrong passwords the schedule lets through within ``elapsed`` seconds of the first one:
    five at once, then one more after each lockout (1 s, 2 s, 4 s ...) has run out."""
    allowed, lockout, locked_until = 5, 1.0, 1.0
    while elapsed >= locked_until:
        allowed += 1
        lockout *= 2
        locked_until += lockout
    return allowed


def test_concurrent_wrong_passwords_cannot_beat_the_schedule(two_workers: Server) -> None:
    idp = two_workers.client()
    pool_id = idp.create_user_pool(PoolName="lockout")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app",
                                            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="pia", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="pia", Password=PASSWORD, Permanent=True)
    clients = [two_workers.client() for _ in range(20)]
    start = threading.Barrier(len(clients) + 1)
    outcomes: list[str] = []
    lock = threading.Lock()

    def guess(client: Any, index: int) -> None:
        start.wait()
        try:
            client.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": "pia", "PASSWORD": f"Wrong-Password-{index}"})
            outcome = "signed in"
        except ClientError as error:
            outcome = f"{error.response['Error']['Code']}: {error.response['Error']['Message']}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=guess, args=(c, i)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    try:
        idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "pia", "PASSWORD": PASSWORD})
        right_password = "signed in"
    except ClientError as error:
        right_password = error.response["Error"]["Message"]
    elapsed = time.monotonic() - began

    wrong = outcomes.count(f"NotAuthorizedException: {WRONG}")
    exceeded = outcomes.count(f"NotAuthorizedException: {EXCEEDED}")
    assert wrong + exceeded == 20, outcomes
    assert 5 <= wrong <= allowed_failures(elapsed), (elapsed, outcomes)
    if elapsed < 1.0:  # still inside the first lockout: the right password is refused too
        assert right_password == EXCEEDED
