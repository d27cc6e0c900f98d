"""Lost updates (issue 9 item 10): a write of a user must not put back what a concurrent
AdminDisableUser or AdminUserGlobalSignOut changed. Each race is made deterministic by running
the concurrent admin call right before the racing operation opens its write transaction, that
is after it has read the user."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, replace
from typing import Any

import pytest

from tests.auth.conftest import BASE_URL, PASSWORD, Harness, refused
from userpool.auth import account, engine
from userpool.auth.context import AuthCall
from userpool.auth.runtime import AuthRuntime
from userpool.directory import users
from userpool.model.entities import User
from userpool.model.errors import NotAuthorizedException
from userpool.model.ports import Store, Tx


@dataclass
class RacingStore:
    """The harness's store, except that the first write transaction opened after ``arm`` first
    runs ``race`` — the concurrent request that commits between the racer's read and its write."""

    store: Store
    race: Callable[[], None] | None = None

    def arm(self, race: Callable[[], None]) -> None:
        self.race = race

    def transaction(self) -> AbstractContextManager[Tx]:
        race, self.race = self.race, None
        if race is not None:
            race()
        return self.store.transaction()

    def read(self) -> AbstractContextManager[Tx]:
        return self.store.read()

    def close(self) -> None:
        self.store.close()


@dataclass
class Racer:
    harness: Harness
    store: RacingStore
    auth: AuthRuntime


def racer(harness: Harness) -> Racer:
    store = RacingStore(harness.rt.store)
    rt = replace(harness.rt, store=store)
    return Racer(harness, store, replace(harness.auth, rt=rt))


def stored(harness: Harness, pool_id: str, username: str) -> User:
    with harness.rt.store.read() as tx:
        user = tx.get_user(pool_id, username)
    assert user is not None
    return user


def signed_in(harness: Harness) -> tuple[str, dict[str, Any], dict[str, Any]]:
    pool_id = harness.pool()
    client = harness.client(pool_id)
    harness.user(pool_id, "amy")
    return pool_id, client, harness.sign_in(client, "amy")["AuthenticationResult"]


def disable(harness: Harness, pool_id: str) -> Callable[[], None]:
    return lambda: users.admin_disable_user(harness.rt, {"UserPoolId": pool_id, "Username": "amy"})


def admin_sign_out(harness: Harness, pool_id: str) -> Callable[[], None]:
    return lambda: users.admin_user_global_sign_out(harness.rt, {"UserPoolId": pool_id, "Username": "amy"})


def test_global_sign_out_racing_admin_disable_user_leaves_the_user_disabled(harness: Harness) -> None:
    pool_id, _, tokens = signed_in(harness)
    race = racer(harness)
    race.store.arm(disable(harness, pool_id))
    # The racer read the (enabled) user with the access token, then the admin disabled it.
    with suppress(NotAuthorizedException):  # refusing is fine; the race is what matters
        account.global_sign_out(race.auth, {"AccessToken": tokens["AccessToken"]})
    assert race.store.race is None
    assert stored(harness, pool_id, "amy").enabled is False


def test_change_password_racing_admin_disable_user_leaves_the_user_disabled(harness: Harness) -> None:
    pool_id, _, tokens = signed_in(harness)
    race = racer(harness)
    race.store.arm(disable(harness, pool_id))
    with suppress(NotAuthorizedException):  # refusing is fine; the race is what matters
        account.change_password(race.auth, {"AccessToken": tokens["AccessToken"], "PreviousPassword": PASSWORD,
                                             "ProposedPassword": "Battery-Staple-7"})
    assert race.store.race is None
    assert stored(harness, pool_id, "amy").enabled is False


def test_change_password_racing_admin_global_sign_out_keeps_tokens_revoked(harness: Harness) -> None:
    pool_id, client, tokens = signed_in(harness)
    other = harness.sign_in(client, "amy")["AuthenticationResult"]
    race = racer(harness)
    race.store.arm(admin_sign_out(harness, pool_id))
    harness.clock.advance(5)
    with suppress(NotAuthorizedException):  # refusing is fine; the race is what matters
        account.change_password(race.auth, {"AccessToken": tokens["AccessToken"], "PreviousPassword": PASSWORD,
                                             "ProposedPassword": "Battery-Staple-7"})
    assert race.store.race is None
    assert stored(harness, pool_id, "amy").tokens_revoked_at == harness.clock.now()
    with refused(NotAuthorizedException, "Access Token has been revoked"):
        harness.get_user(other["AccessToken"])


def _temporary(harness: Harness) -> tuple[str, dict[str, Any], dict[str, Any]]:
    pool_id = harness.pool()
    client = harness.client(pool_id, EnableTokenRevocation=False)
    harness.user(pool_id, "amy", temporary=True)
    challenge = harness.sign_in(client, "amy")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    return pool_id, client, challenge


def _new_password(race: Racer, client: dict[str, Any], challenge: dict[str, Any]) -> None:
    engine.respond(race.auth, AuthCall(
        client_id=client["ClientId"], admin=False, base_url=BASE_URL,
        parameters={"USERNAME": "amy", "NEW_PASSWORD": "Battery-Staple-7", "userAttributes.name": "Amy"},
        challenge_name="NEW_PASSWORD_REQUIRED", session=challenge["Session"],
    ))


def test_new_password_required_racing_admin_disable_user_leaves_the_user_disabled(harness: Harness) -> None:
    pool_id, client, challenge = _temporary(harness)
    race = racer(harness)
    race.store.arm(disable(harness, pool_id))
    # Refused ("User is disabled." or, where the challenge re-reads the user in its write
    # transaction, "Invalid session for the user."): no tokens to revive when re-enabled.
    with pytest.raises(NotAuthorizedException):
        _new_password(race, client, challenge)
    assert race.store.race is None
    assert stored(harness, pool_id, "amy").enabled is False


def test_new_password_required_racing_admin_global_sign_out_keeps_the_cut_off(harness: Harness) -> None:
    pool_id, client, challenge = _temporary(harness)
    race = racer(harness)
    harness.clock.advance(5)
    race.store.arm(admin_sign_out(harness, pool_id))
    _new_password(race, client, challenge)
    assert race.store.race is None
    assert stored(harness, pool_id, "amy").tokens_revoked_at == harness.clock.now()


def test_user_attribute_writes_racing_admin_disable_user_leave_the_user_disabled(harness: Harness) -> None:
    pool_id, client, _ = signed_in(harness)
    for call in (
        lambda auth, token: account.update_user_attributes(
            auth, {"AccessToken": token, "UserAttributes": [{"Name": "name", "Value": "A"}]}),
        lambda auth, token: account.delete_user_attributes(
            auth, {"AccessToken": token, "UserAttributeNames": ["name"]}),
    ):
        users.admin_enable_user(harness.rt, {"UserPoolId": pool_id, "Username": "amy"})
        harness.clock.advance(1)  # past the cut-off of the previous disable
        token = harness.sign_in(client, "amy")["AuthenticationResult"]["AccessToken"]
        race = racer(harness)
        race.store.arm(disable(harness, pool_id))
        with suppress(NotAuthorizedException):  # refusing is fine; the race is what matters
            call(race.auth, token)
        assert race.store.race is None  # the race ran
        assert stored(harness, pool_id, "amy").enabled is False
