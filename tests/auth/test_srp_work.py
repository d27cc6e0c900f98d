"""Equal and bounded work in SRP step 2 (issue 9 items 6 and 7), counted rather than timed.

- A wrong proof spends its SECRET_BLOCK: a replay is refused ("Invalid session for the user.",
  docs/decisions.md 10.4) without computing the session key again.
- A locked-out user is refused ("Password attempts exceeded") before the session key.
- An unknown user (PreventUserExistenceErrors ENABLED) costs the same work as a known user
  with a wrong password: one session key, one write transaction.
- The plaintext flows refuse a locked-out user (known or unknown) before the verifier is
  recomputed, and otherwise recompute it once for known and unknown users alike.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

import pytest

from tests.auth.conftest import PASSWORD, Harness, refused
from userpool.auth import engine
from userpool.auth.context import AuthCall
from userpool.crypto import srp
from userpool.directory import usernames
from userpool.model.errors import NotAuthorizedException, ResourceNotFoundException

WRONG = "Incorrect username or password."
EXCEEDED = "Password attempts exceeded"
INVALID = "Invalid session for the user."
BAD = "Wrong-Password-1"
FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
         "ALLOW_REFRESH_TOKEN_AUTH"]


class Counter:
    """Wraps a function and counts its calls."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.function(*args, **kwargs)


@pytest.fixture
def session_keys(monkeypatch: pytest.MonkeyPatch) -> Counter:
    counter = Counter(srp.session_key)
    monkeypatch.setattr(srp, "session_key", counter)
    return counter


@pytest.fixture
def verifiers(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Recomputed password verifiers (the plaintext flows' exponentiation)."""
    counter = Counter(srp.make_verifier)
    monkeypatch.setattr(srp, "make_verifier", counter)
    return counter


@pytest.fixture
def writes(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Counter:
    store = harness.rt.store
    counter = Counter(store.transaction)
    monkeypatch.setattr(store, "transaction", counter)
    return counter


@pytest.fixture
def hidden(harness: Harness) -> dict[str, Any]:
    pool_id = harness.pool()
    client = harness.client(pool_id, ExplicitAuthFlows=FLOWS, PreventUserExistenceErrors="ENABLED")
    harness.user(pool_id, "ada")
    return client


def start(harness: Harness, client: dict[str, Any], username: str, a: int = 12345) -> dict[str, str]:
    answer = harness.initiate(client, "USER_SRP_AUTH", USERNAME=username, SRP_A=format(srp.client_a(a), "x"))
    return dict(answer["ChallengeParameters"])


def proof(harness: Harness, client: dict[str, Any], params: dict[str, str], password: str,
          a: int = 12345) -> dict[str, str]:
    """The client's PASSWORD_VERIFIER answer, as pycognito computes it."""
    realm = client["UserPoolId"].split("_", 1)[1]
    user_id = params["USER_ID_FOR_SRP"]
    salt = int(params["SALT"], 16)
    salt_bytes = salt.to_bytes(max(1, (salt.bit_length() + 7) // 8), "big")
    key = srp.client_session_key(realm, user_id, password, salt_bytes, a, int(params["SRP_B"], 16))
    moment = datetime.datetime.fromtimestamp(harness.clock.now(), datetime.UTC)
    timestamp = srp.format_timestamp(moment)
    block = params["SECRET_BLOCK"]
    signature = srp.claim_signature(key, realm, user_id, base64.b64decode(block), timestamp)
    return {"USERNAME": user_id, "PASSWORD_CLAIM_SECRET_BLOCK": block, "TIMESTAMP": timestamp,
            "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(signature).decode()}


def answer(harness: Harness, client: dict[str, Any], responses: dict[str, str]) -> dict[str, Any]:
    return engine.respond(harness.auth, AuthCall(
        client_id=client["ClientId"], admin=False, base_url="http://userpool.test", parameters=responses,
        challenge_name="PASSWORD_VERIFIER"))


def wrong_proof(harness: Harness, client: dict[str, Any], username: str) -> dict[str, str]:
    responses = proof(harness, client, start(harness, client, username), BAD)
    with refused(NotAuthorizedException, WRONG):
        answer(harness, client, responses)
    return responses


def test_the_client_half_signs_in(harness: Harness, hidden: dict[str, Any]) -> None:
    responses = proof(harness, hidden, start(harness, hidden, "ada"), PASSWORD)
    assert "AccessToken" in answer(harness, hidden, responses)["AuthenticationResult"]


@pytest.mark.parametrize("username", ["ada", "ghost"])
def test_a_wrong_proof_spends_the_block(harness: Harness, hidden: dict[str, Any], session_keys: Counter,
                                        username: str) -> None:
    responses = wrong_proof(harness, hidden, username)
    assert session_keys.calls == 1
    for _ in range(3):
        with refused(NotAuthorizedException, INVALID):
            answer(harness, hidden, responses)
    assert session_keys.calls == 1  # the replays computed nothing


def test_a_replayed_wrong_proof_is_not_counted(harness: Harness, hidden: dict[str, Any]) -> None:
    responses = wrong_proof(harness, hidden, "ada")
    for _ in range(10):
        with refused(NotAuthorizedException, INVALID):
            answer(harness, hidden, responses)
    for _ in range(3):  # failures 2–4: not locked yet, so the replays did not count
        wrong_proof(harness, hidden, "ada")
    right = proof(harness, hidden, start(harness, hidden, "ada"), PASSWORD)
    assert "AuthenticationResult" in answer(harness, hidden, right)


@pytest.mark.parametrize("username", ["ada", "ghost"])
def test_a_locked_out_user_is_refused_before_the_session_key(harness: Harness, hidden: dict[str, Any],
                                                             session_keys: Counter, username: str) -> None:
    for _ in range(5):
        wrong_proof(harness, hidden, username)
    assert session_keys.calls == 5
    responses = proof(harness, hidden, start(harness, hidden, username), PASSWORD)
    with refused(NotAuthorizedException, EXCEEDED):
        answer(harness, hidden, responses)
    assert session_keys.calls == 5
    harness.clock.advance(1)
    if username == "ada":  # the lockout is over and the block was not spent by the refusal
        assert "AuthenticationResult" in answer(harness, hidden, responses)
    else:
        with refused(NotAuthorizedException, WRONG):
            answer(harness, hidden, responses)
    assert session_keys.calls == 6


def test_known_and_unknown_users_cost_the_same(harness: Harness, hidden: dict[str, Any], session_keys: Counter,
                                               writes: Counter) -> None:
    costs = []
    for username in ("ada", "ghost", "ada", "ghost"):
        params = start(harness, hidden, username)
        responses = proof(harness, hidden, params, BAD)
        session_keys.calls = writes.calls = 0
        with refused(NotAuthorizedException, WRONG):
            answer(harness, hidden, responses)
        costs.append((username, session_keys.calls, writes.calls))
    assert costs == [("ada", 1, 1), ("ghost", 1, 1)] * 2


def test_a_user_without_password_costs_the_same(harness: Harness, hidden: dict[str, Any],
                                                session_keys: Counter, monkeypatch: pytest.MonkeyPatch) -> None:
    responses = proof(harness, hidden, start(harness, hidden, "ada"), BAD)
    resolve = usernames.resolve

    def without_password(tx: Any, pool: Any, typed: str) -> Any:
        user = resolve(tx, pool, typed)
        return dataclasses.replace(user, password=None) if user is not None else None

    monkeypatch.setattr(usernames, "resolve", without_password)
    with refused(NotAuthorizedException, WRONG):
        answer(harness, hidden, responses)
    assert session_keys.calls == 1


def test_device_key_retry_does_not_spend_the_block(harness: Harness, hidden: dict[str, Any]) -> None:
    responses = proof(harness, hidden, start(harness, hidden, "ada"), PASSWORD)
    with refused(ResourceNotFoundException, "Device does not exist."):
        answer(harness, hidden, {**responses, "DEVICE_KEY": "us-east-1_00000000-0000-4000-8000-000000000000"})
    assert "AuthenticationResult" in answer(harness, hidden, responses)


@pytest.mark.parametrize("flow", ["USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH"])
@pytest.mark.parametrize("username", ["ada", "ghost"])
def test_plaintext_flows_refuse_a_locked_out_user_before_the_verifier(
    harness: Harness, hidden: dict[str, Any], verifiers: Counter, flow: str, username: str,
) -> None:
    for _ in range(5):
        with refused(NotAuthorizedException, WRONG):
            harness.initiate(hidden, flow, USERNAME=username, PASSWORD=BAD)
    assert verifiers.calls == 5  # one recomputed verifier per attempt, known or unknown
    with refused(NotAuthorizedException, EXCEEDED):
        harness.initiate(hidden, flow, USERNAME=username, PASSWORD=PASSWORD)
    assert verifiers.calls == 5

