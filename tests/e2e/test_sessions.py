"""Challenge sessions (spec §2.5, §5): single use, bound to pool, client, user and challenge,
and unforgeable. Driven through NEW_PASSWORD_REQUIRED, the challenge every pool can issue."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

INVALID = "Invalid session for the user."
TEMPORARY = "Temporary-Pass-1"
NEW_PASSWORD = "Battery-Staple-7"


@pytest.fixture
def challenged(idp: Any, make_pool: Any, make_client: Any, sign_in: Any) -> Callable[..., dict[str, Any]]:
    """A FORCE_CHANGE_PASSWORD user signed in with the temporary password: pool, client, Session."""

    def make(username: str = "ann", pool_id: str | None = None, client: dict[str, Any] | None = None,
             ) -> dict[str, Any]:
        pool_id = pool_id or make_pool()
        client = client or make_client(pool_id)
        idp.admin_create_user(UserPoolId=pool_id, Username=username, TemporaryPassword=TEMPORARY,
                              MessageAction="SUPPRESS")
        response = sign_in(client, username, TEMPORARY)
        assert response["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
        return {"pool_id": pool_id, "client": client, "session": response["Session"], "username": username}

    return make


def answer(idp: Any, state: dict[str, Any], *, session: str | None = None, username: str | None = None,
           client: dict[str, Any] | None = None, challenge: str = "NEW_PASSWORD_REQUIRED") -> dict[str, Any]:
    client = client or state["client"]
    return dict(idp.respond_to_auth_challenge(
        ClientId=client["ClientId"], ChallengeName=challenge, Session=session or state["session"],
        ChallengeResponses={"USERNAME": username or state["username"], "NEW_PASSWORD": NEW_PASSWORD},
    ))


def test_a_session_is_single_use(idp: Any, challenged: Any, expect_error: Any) -> None:
    state = challenged()
    assert answer(idp, state)["AuthenticationResult"]["AccessToken"]
    with expect_error("NotAuthorizedException", INVALID):
        answer(idp, state)


def test_a_replayed_session_is_refused_even_when_the_user_needs_a_new_password_again(
    idp: Any, challenged: Any, expect_error: Any,
) -> None:
    state = challenged()
    answer(idp, state)
    idp.admin_set_user_password(UserPoolId=state["pool_id"], Username="ann", Password=TEMPORARY, Permanent=False)
    with expect_error("NotAuthorizedException", INVALID):
        answer(idp, state)


def test_concurrent_answers_of_one_session_succeed_once(server: Any, challenged: Any) -> None:
    state = challenged()
    clients = [server.client() for _ in range(6)]

    def attempt(idp: Any) -> str:
        try:
            answer(idp, state)
        except ClientError as error:
            return f"{error.response['Error']['Code']}: {error.response['Error']['Message']}"
        return "tokens"

    with ThreadPoolExecutor(len(clients)) as pool:
        outcomes = list(pool.map(attempt, clients))
    assert outcomes.count("tokens") == 1, outcomes
    assert set(outcomes) == {"tokens", f"NotAuthorizedException: {INVALID}"}, outcomes


def test_a_tampered_session_is_refused_and_the_real_one_still_works(
    idp: Any, challenged: Any, expect_error: Any,
) -> None:
    state = challenged()
    session = state["session"]
    for position in (len(session) // 2, 5, len(session) - 5):
        flipped = "B" if session[position] == "A" else "A"
        with expect_error("NotAuthorizedException", INVALID):
            answer(idp, state, session=session[:position] + flipped + session[position + 1:])
    with expect_error("NotAuthorizedException", INVALID):
        answer(idp, state, session=session[:-8])
    assert answer(idp, state)["AuthenticationResult"]["IdToken"]


def test_a_forged_session_is_refused(idp: Any, challenged: Any, expect_error: Any) -> None:
    state = challenged()
    for forged in (base64.b64encode(os.urandom(300)).decode(), "A" * 64, base64.b64encode(b"\x01" * 60).decode()):
        with expect_error("NotAuthorizedException", INVALID):
            answer(idp, state, session=forged)


def test_a_session_is_bound_to_its_client(
    idp: Any, challenged: Any, make_client: Any, expect_error: Any,
) -> None:
    state = challenged()
    other = make_client(state["pool_id"])
    with expect_error("NotAuthorizedException", INVALID):
        answer(idp, state, client=other)
    assert answer(idp, state)["AuthenticationResult"]["AccessToken"]


def test_a_session_is_bound_to_its_pool(
    idp: Any, challenged: Any, make_pool: Any, make_client: Any, expect_error: Any,
) -> None:
    state = challenged()
    other_pool = make_pool()
    other_client = make_client(other_pool)
    idp.admin_create_user(UserPoolId=other_pool, Username="ann", TemporaryPassword=TEMPORARY,
                          MessageAction="SUPPRESS")
    with expect_error("NotAuthorizedException", INVALID):
        answer(idp, state, client=other_client)
    with expect_error("NotAuthorizedException", INVALID):
        idp.admin_respond_to_auth_challenge(
            UserPoolId=other_pool, ClientId=other_client["ClientId"], ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=state["session"], ChallengeResponses={"USERNAME": "ann", "NEW_PASSWORD": NEW_PASSWORD},
        )


def test_a_session_is_bound_to_its_user(idp: Any, challenged: Any, expect_error: Any) -> None:
    first = challenged("ann")
    second = challenged("ben", pool_id=first["pool_id"], client=first["client"])
    with expect_error("NotAuthorizedException", INVALID):
        answer(idp, first, username="ben")
    for stranger in ("nobody", "ann\x00"):
        with expect_error("NotAuthorizedException", INVALID):
            answer(idp, first, username=stranger)
    assert answer(idp, second)["AuthenticationResult"]["AccessToken"]
    assert answer(idp, first)["AuthenticationResult"]["AccessToken"]
    assert idp.admin_get_user(UserPoolId=first["pool_id"], Username="ann")["UserStatus"] == "CONFIRMED"


def test_an_alias_of_the_sessions_user_is_accepted(
    idp: Any, make_pool: Any, make_client: Any, challenged: Any,
) -> None:
    pool_id = make_pool(AliasAttributes=["email"])
    state = challenged("cleo", pool_id=pool_id)
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="cleo", UserAttributes=[
        {"Name": "email", "Value": "cleo@example.com"}, {"Name": "email_verified", "Value": "true"}])
    assert answer(idp, state, username="cleo@example.com")["AuthenticationResult"]["AccessToken"]


def test_the_wrong_challenge_name_for_the_session(idp: Any, challenged: Any, expect_error: Any) -> None:
    state = challenged()
    for wrong in ("SMS_MFA", "PASSWORD_VERIFIER", "ADMIN_NO_SRP_AUTH"):
        with expect_error("InvalidParameterException"):
            answer(idp, state, challenge=wrong)
    assert answer(idp, state)["AuthenticationResult"]["AccessToken"]


def test_the_session_answer_needs_the_secret_hash_of_a_secret_client(
    idp: Any, make_pool: Any, make_client: Any, challenged: Any, secret_hash: Any, expect_error: Any,
) -> None:
    pool_id = make_pool()
    client = make_client(pool_id, GenerateSecret=True)
    state = challenged("dora", pool_id=pool_id, client=client)
    responses = {"USERNAME": "dora", "NEW_PASSWORD": NEW_PASSWORD}

    def respond(**extra: str) -> Any:
        return idp.respond_to_auth_challenge(ClientId=client["ClientId"], ChallengeName="NEW_PASSWORD_REQUIRED",
                                             Session=state["session"], ChallengeResponses={**responses, **extra})

    client_id = client["ClientId"]
    with expect_error("NotAuthorizedException",
                      f"Client {client_id} is configured for secret but secret was not received"):
        respond()
    with expect_error("NotAuthorizedException", f"Unable to verify secret hash for client {client_id}"):
        respond(SECRET_HASH=secret_hash(client, "someone"))
    assert respond(SECRET_HASH=secret_hash(client, "dora"))["AuthenticationResult"]["AccessToken"]


def test_missing_session(idp: Any, challenged: Any, expect_error: Any) -> None:
    state = challenged()
    with expect_error("InvalidParameterException", match="Session"):
        idp.respond_to_auth_challenge(
            ClientId=state["client"]["ClientId"], ChallengeName="NEW_PASSWORD_REQUIRED",
            ChallengeResponses={"USERNAME": "ann", "NEW_PASSWORD": NEW_PASSWORD},
        )
