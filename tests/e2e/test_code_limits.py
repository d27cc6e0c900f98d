"""Per-user hourly limits and code guessing through boto3 (spec §2.6, §3.8, issue 9 item 2):
the limits answer LimitExceededException on the wire, re-requesting a code never restores
guesses, and parallel guesses spread over two worker processes cannot test more codes than
the limit allows (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from tests.e2e.conftest import PASSWORD, raises_code
from tests.e2e.server import Server
from tests.e2e.test_lockout import two_workers  # noqa: F401 - the two-worker server fixture

LIMIT = "Attempt limit exceeded, please try after some time."
GUESSES = 5


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def recovery_user(idp: Any, pool_id: str, name: str) -> None:
    idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS", UserAttributes=[
        {"Name": "email", "Value": f"{name}@example.com"}, {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)


def test_forgot_password_is_limited_per_user(
    idp: Any, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=["email"])
    client_id = make_client(pool_id)["ClientId"]
    name = f"fay-{uuid.uuid4().hex[:8]}"
    recovery_user(idp, pool_id, name)
    for _ in range(5):
        idp.forgot_password(ClientId=client_id, Username=name)
    with raises_code("LimitExceededException", LIMIT):
        idp.forgot_password(ClientId=client_id, Username=name)


def test_a_new_code_does_not_restore_guesses(
    idp: Any, server: Server, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
) -> None:
    pool_id = make_pool(AutoVerifiedAttributes=["email"])
    client_id = make_client(pool_id)["ClientId"]
    name = f"gus-{uuid.uuid4().hex[:8]}"
    recovery_user(idp, pool_id, name)
    idp.forgot_password(ClientId=client_id, Username=name)
    for _ in range(GUESSES):
        with raises_code("CodeMismatchException"):
            idp.confirm_forgot_password(ClientId=client_id, Username=name, Password="Another-Horse-8",
                                        ConfirmationCode=wrong(server.last_code(name, "FORGOT_PASSWORD")))
    idp.forgot_password(ClientId=client_id, Username=name)
    with raises_code("TooManyFailedAttemptsException"):
        idp.confirm_forgot_password(ClientId=client_id, Username=name, Password="Another-Horse-8",
                                    ConfirmationCode=server.last_code(name, "FORGOT_PASSWORD"))


def test_parallel_guesses_cannot_beat_the_limit(two_workers: Server) -> None:  # noqa: F811
    idp = two_workers.client()
    pool_id = idp.create_user_pool(PoolName="codes", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app")["UserPoolClient"]["ClientId"]
    recovery_user(idp, pool_id, "vic")
    idp.forgot_password(ClientId=client_id, Username="vic")
    code = two_workers.last_code("vic", "FORGOT_PASSWORD")
    clients = [two_workers.client() for _ in range(20)]
    start = threading.Barrier(len(clients))
    outcomes: list[str] = []
    lock = threading.Lock()

    def guess(client: Any, index: int) -> None:
        start.wait()
        try:
            client.confirm_forgot_password(ClientId=client_id, Username="vic", Password="Another-Horse-8",
                                           ConfirmationCode=f"{(int(code) + 1 + index) % 1_000_000:06d}")
            outcome = "changed"
        except ClientError as error:
            outcome = str(error.response["Error"]["Code"])
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=guess, args=(c, i)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 20
    assert outcomes.count("CodeMismatchException") == GUESSES, outcomes
    assert set(outcomes) <= {"CodeMismatchException", "TooManyFailedAttemptsException", "LimitExceededException"}
    try:
        idp.confirm_forgot_password(ClientId=client_id, Username="vic", Password="Another-Horse-8",
                                    ConfirmationCode=code)
        right = "changed"
    except ClientError as error:
        right = str(error.response["Error"]["Code"])
    assert right in {"TooManyFailedAttemptsException", "LimitExceededException"}
