"""In-process sign-in tests: the directory and auth runtimes on a SQLite file, with an injected
clock that tests advance, seeded randomness and an in-memory message sender — for everything
that needs time travel (expiry, lockout schedules)."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from userpool.auth import account, engine
from userpool.auth.context import AuthCall
from userpool.auth.runtime import AuthRuntime, IssuerPolicy
from userpool.auth.signing import PoolKeys
from userpool.crypto.sealing import AesGcmSecretBox, Sealer
from userpool.directory import clients, pools, users
from userpool.directory.runtime import Runtime
from userpool.model.entities import Message
from userpool.model.errors import CognitoError
from userpool.storage import open_store

PASSWORD = "Correct-Horse-9"
BASE_URL = "http://userpool.test"
START = 1_700_000_000.0


def refused(error: type[CognitoError], message: str) -> Any:
    """``pytest.raises`` for a Cognito error with exactly this message."""
    return pytest.raises(error, match=f"^{re.escape(message)}$")


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.t = now

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class SeededRandom:
    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def bytes(self, n: int) -> bytes:
        return self._random.randbytes(n)


@dataclass
class ListSender:
    messages: list[Message] = field(default_factory=list)

    def send(self, message: Message) -> None:
        self.messages.append(message)


@dataclass
class Harness:
    """The runtimes plus shorthands for the calls the wire layer would make."""

    rt: Runtime
    auth: AuthRuntime
    clock: FakeClock
    sender: ListSender

    def pool(self, **settings: Any) -> str:
        return str(pools.create_pool(self.rt, {"PoolName": "pool", **settings})["UserPool"]["Id"])

    def client(self, pool_id: str, **settings: Any) -> dict[str, Any]:
        settings.setdefault("ExplicitAuthFlows", ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                                  "ALLOW_REFRESH_TOKEN_AUTH"])
        body = {"UserPoolId": pool_id, "ClientName": "app", **settings}
        return dict(clients.create_client(self.rt, body)["UserPoolClient"])

    def user(self, pool_id: str, username: str, password: str = PASSWORD, *, temporary: bool = False) -> str:
        body: dict[str, Any] = {"UserPoolId": pool_id, "Username": username, "MessageAction": "SUPPRESS"}
        if temporary:
            body["TemporaryPassword"] = password
        users.admin_create_user(self.rt, body)
        if not temporary:
            users.admin_set_user_password(self.rt, {"UserPoolId": pool_id, "Username": username,
                                                    "Password": password, "Permanent": True})
        return username

    def initiate(self, client: dict[str, Any], flow: str = "USER_PASSWORD_AUTH", **parameters: str) -> dict[str, Any]:
        admin = flow.startswith("ADMIN_")
        return engine.initiate(self.auth, AuthCall(
            client_id=client["ClientId"], admin=admin, base_url=BASE_URL, parameters=parameters,
            pool_id=client["UserPoolId"] if admin else None, flow=flow,
        ))

    def sign_in(self, client: dict[str, Any], username: str, password: str = PASSWORD) -> dict[str, Any]:
        return self.initiate(client, USERNAME=username, PASSWORD=password)

    def respond(self, client: dict[str, Any], challenge: str, session: str, **responses: str) -> dict[str, Any]:
        return engine.respond(self.auth, AuthCall(
            client_id=client["ClientId"], admin=False, base_url=BASE_URL, parameters=responses,
            challenge_name=challenge, session=session,
        ))

    def refresh(self, client: dict[str, Any], token: str) -> dict[str, Any]:
        return self.initiate(client, "REFRESH_TOKEN_AUTH", REFRESH_TOKEN=token)

    def get_user(self, access_token: str) -> dict[str, Any]:
        return account.get_user(self.auth, {"AccessToken": access_token})


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    clock = FakeClock()
    seeded = SeededRandom(1234)
    store = open_store(f"sqlite:///{tmp_path / 'auth.db'}", AesGcmSecretBox(b"\x01" * 32, seeded.bytes))
    sender = ListSender()
    rt = Runtime(store=store, clock=clock, random=seeded, sender=sender, code_pepper=b"\x02" * 32)
    auth = AuthRuntime(rt=rt, sealer=Sealer(b"\x03" * 32), keys=PoolKeys(store),
                       issuer=IssuerPolicy(public_url=BASE_URL))
    yield Harness(rt, auth, clock, sender)
    store.close()
