"""Applying a seed file (issue 15 item 2): fixed IDs, what each entry becomes, idempotence (a
second apply changes nothing, not even a signing key or a verifier), what a changed file does,
progress, and servers applying one file at once on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.seed.conftest import Store
from userpool import seed
from userpool.directory import passwords
from userpool.model.entities import User

POOL_ID = "us-east-1_Seeded001"
CLIENT_ID = "seededclientid000000000001"
SUB = "0b9ee3a2-5b3e-4d43-9f6b-4c1f4f3a8e21"
SECRET = "s3cr3tfromtheseed" + "x" * 20
DOCUMENT: dict[str, Any] = {"pools": [{
    "Id": POOL_ID, "PoolName": "app", "AutoVerifiedAttributes": ["email"],
    "MfaConfig": {"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": True}},
    "clients": [{"ClientName": "web", "ClientId": CLIENT_ID,
                 "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]},
                {"ClientName": "backend", "ClientSecret": SECRET},
                {"ClientName": "worker", "GenerateSecret": True}],
    "groups": [{"GroupName": "admins", "Precedence": 1, "Description": "staff"}],
    "users": [{"Username": "alice", "Sub": SUB, "Password": "Correct-Horse-9", "Groups": ["admins"],
               "Attributes": {"email": "alice@example.com", "email_verified": True, "phone_number": "+15550100"},
               "MfaPreference": {"SMSMfaSettings": {"Enabled": True, "PreferredMfa": True}}},
              {"Username": "bob", "Attributes": [{"Name": "email", "Value": "bob@example.com"}],
               "TemporaryPassword": "Temp-Horse-9"},
              {"Username": "cy", "Enabled": False}],
}]}


def _users(store: Store, pool_id: str = POOL_ID) -> dict[str, User]:
    with store.rt.store.read() as tx:
        return {u.username: u for u in tx.list_users(pool_id, 100)}


def _state(store: Store) -> Any:
    """Everything a seed writes, as stored (sealed verifiers and signing keys included)."""
    with store.rt.store.read() as tx:
        pools = tx.list_pools(100)
        return (pools, [(tx.list_clients(p.id, 100), tx.list_groups(p.id, 100), tx.list_users(p.id, 100),
                         tx.signing_keys(p.id)) for p in pools])


def test_entries_become_what_the_api_makes(store: Store) -> None:
    applied = seed.apply(store.rt, DOCUMENT)
    assert (applied.pools, applied.clients, applied.groups, applied.users, applied.existing) == (1, 3, 1, 3, 0)
    with store.rt.store.read() as tx:
        pool = tx.get_pool(POOL_ID)
        assert pool is not None and pool.mfa_factors == ("SOFTWARE_TOKEN_MFA",)
        assert pool.config["MfaConfiguration"] == "OPTIONAL"
        web = tx.get_client(CLIENT_ID)
        assert web is not None and web.secret is None and web.explicit_auth_flows == (
            "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
        by_name = {c.name: c for c in tx.list_clients(POOL_ID, 10)}
        assert by_name["backend"].secret == SECRET
        worker_secret = by_name["worker"].secret
        assert worker_secret is not None and len(worker_secret) == 51 and worker_secret.isalnum()
        for client in by_name.values():
            assert len(client.client_id) == 26 and client.client_id.isalnum() and client.client_id.islower()
        assert [g.name for g in tx.groups_of(POOL_ID, "alice")] == ["admins"]
        assert len(tx.signing_keys(POOL_ID)) >= 1
    users = _users(store)
    alice, bob, cy = users["alice"], users["bob"], users["cy"]
    assert (alice.status, alice.sub, alice.attributes["email_verified"]) == ("CONFIRMED", SUB, "true")
    assert alice.mfa.sms and alice.mfa.preferred == "SMS_MFA"
    assert alice.password is not None and not alice.password.temporary
    assert passwords.matches(pool, "alice", "Correct-Horse-9", alice.password)
    assert bob.status == "FORCE_CHANGE_PASSWORD" and bob.password is not None and bob.password.temporary
    assert passwords.matches(pool, "bob", "Temp-Horse-9", bob.password)
    assert (cy.status, cy.password, cy.enabled) == ("RESET_REQUIRED", None, False)
    assert len({u.sub for u in users.values()}) == 3


def test_a_second_apply_changes_nothing(store: Store) -> None:
    """No new signing key, no verifier made again, no row touched: the same stored state."""
    seed.apply(store.rt, DOCUMENT)
    before = _state(store)
    applied = seed.apply(store.rt, DOCUMENT)
    assert (applied.pools, applied.clients, applied.groups, applied.users) == (0, 0, 0, 0)
    assert (applied.existing, applied.differing) == (8, [])
    assert _state(store) == before


def test_entries_without_ids_are_found_by_name(store: Store) -> None:
    document = {"pools": [{"PoolName": "plain", "clients": [{"ClientName": "web"}],
                           "users": [{"Username": "u", "Password": "Correct-Horse-9"}]}]}
    seed.apply(store.rt, document)
    before = _state(store)
    assert seed.apply(store.rt, document).existing == 3
    assert _state(store) == before


def test_a_verifier_made_before_the_write_binds_the_pool_id_written(store: Store) -> None:
    """The dry run makes the pool's ID and the user's sub; the write keeps them, so the verifiers
    made between the two (bound to the pool ID, and to the sub where it is the username) verify."""
    document = {"pools": [{"PoolName": "mail", "UsernameAttributes": ["email"],
                           "users": [{"Username": "a@example.com", "Password": "Correct-Horse-9"}]}]}
    seed.apply(store.rt, document)
    with store.rt.store.read() as tx:
        [pool] = tx.list_pools(10)
        [user] = tx.list_users(pool.id, 10)
    assert user.username == user.sub and user.attributes["email"] == "a@example.com"
    assert user.password is not None and passwords.matches(pool, user.username, "Correct-Horse-9", user.password)


def test_a_password_is_set_only_when_the_user_is_made(store: Store) -> None:
    """A changed password in the file does not change a user who exists (who may have changed it)."""
    seed.apply(store.rt, DOCUMENT)
    before = _users(store)["alice"].password
    changed = copy.deepcopy(DOCUMENT)
    changed["pools"][0]["users"][0]["Password"] = "Other-Horse-10"
    applied = seed.apply(store.rt, changed)
    assert _users(store)["alice"].password == before
    assert applied.differing == []  # a password is not a setting that can differ: it is never read back


@pytest.mark.parametrize(("change", "differing"), [
    (lambda d: d["pools"][0].update(AutoVerifiedAttributes=[]), ['pools[0] (PoolName "app")']),
    (lambda d: d["pools"][0].update(MfaConfig={"MfaConfiguration": "OFF"}), ['pools[0] (PoolName "app")']),
    (lambda d: d["pools"][0]["clients"][0].update(AccessTokenValidity=2), ['pools[0].clients[0] (ClientName "web")']),
    (lambda d: d["pools"][0]["clients"][1].update(ClientSecret="y" * 40),
     ['pools[0].clients[1] (ClientName "backend")']),
    (lambda d: d["pools"][0]["groups"][0].update(Precedence=2), ['pools[0].groups[0] (GroupName "admins")']),
    (lambda d: d["pools"][0]["users"][0].update(Groups=[]), ['pools[0].users[0] (Username "alice")']),
    (lambda d: d["pools"][0]["users"][2].update(Enabled=True), ['pools[0].users[2] (Username "cy")']),
    (lambda d: d["pools"][0]["users"][1].update(Attributes={"email": "b@example.com"}),
     ['pools[0].users[1] (Username "bob")']),
])
def test_a_changed_file_changes_nothing_that_exists_and_says_so(store: Store, change: Callable[[Any], Any],
                                                                 differing: list[str]) -> None:
    seed.apply(store.rt, DOCUMENT)
    before = _state(store)
    changed = copy.deepcopy(DOCUMENT)
    change(changed)
    applied = seed.apply(store.rt, changed)
    assert applied.differing == differing
    assert _state(store) == before


def test_a_changed_file_creates_what_is_missing(store: Store) -> None:
    seed.apply(store.rt, DOCUMENT)
    grown = copy.deepcopy(DOCUMENT)
    grown["pools"][0]["groups"].append({"GroupName": "readers"})
    grown["pools"][0]["users"].append({"Username": "dee", "Password": "Correct-Horse-9", "Groups": ["readers"]})
    grown["pools"].append({"PoolName": "second"})
    applied = seed.apply(store.rt, grown)
    assert (applied.pools, applied.clients, applied.groups, applied.users) == (1, 0, 1, 1)
    with store.rt.store.read() as tx:
        assert [g.name for g in tx.groups_of(POOL_ID, "dee")] == ["readers"]


def test_passwordless_pools_get_users_who_sign_in_with_codes(store: Store) -> None:
    """As AdminCreateUser makes them where a one-time-code factor is allowed: CONFIRMED, no password."""
    seed.apply(store.rt, {"pools": [{"PoolName": "otp", "Policies": {"SignInPolicy": {
        "AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}, "users": [
        {"Username": "u", "Attributes": {"email": "u@example.com", "email_verified": "true"}}]}]})
    with store.rt.store.read() as tx:
        [pool] = tx.list_pools(10)
        [user] = tx.list_users(pool.id, 10)
    assert (user.status, user.password) == ("CONFIRMED", None)


def test_a_fixed_sub_is_unique_in_the_pool(store: Store) -> None:
    twice = copy.deepcopy(DOCUMENT)
    twice["pools"][0]["users"].append({"Username": "eve", "Sub": SUB})
    with pytest.raises(seed.SeedError, match=r'users\[3\] \(Username "eve"\): the same Sub as pools\[0\].users\[0\]'):
        seed.apply(store.rt, twice)
    seed.apply(store.rt, DOCUMENT)
    taken = {"pools": [{"Id": POOL_ID, "PoolName": "app", "users": [{"Username": "eve", "Sub": SUB}]}]}
    with pytest.raises(seed.SeedError, match=rf'users\[0\] \(Username "eve"\): Sub {SUB} is the sub of user '
                                             "'alice'"):
        seed.apply(store.rt, taken)


def test_a_fixed_client_id_of_another_pool_is_refused(store: Store) -> None:
    seed.apply(store.rt, DOCUMENT)
    other = {"pools": [{"Id": "us-east-1_Another01", "PoolName": "other",
                        "clients": [{"ClientName": "web", "ClientId": CLIENT_ID}]}]}
    with pytest.raises(seed.SeedError, match=rf"ClientId {CLIENT_ID} is a client of another pool \({POOL_ID}\)"):
        seed.apply(store.rt, other)


def test_progress_is_reported_by_stage(store: Store) -> None:
    seen: list[tuple[str, int, int]] = []
    seed.apply(store.rt, DOCUMENT, lambda what, done, total: seen.append((what, done, total)))
    assert seen == [("checking users", 1, 3), ("checking users", 2, 3), ("checking users", 3, 3),
                    ("password verifiers", 1, 2), ("password verifiers", 2, 2),
                    ("writing users", 1, 3), ("writing users", 2, 3), ("writing users", 3, 3)]


def test_progress_lines() -> None:
    import io

    terminal, log = io.StringIO(), io.StringIO()
    on_terminal = seed.printer(terminal, terminal=True)
    in_a_log = seed.printer(log, terminal=False)
    for done in range(1, 5001):
        on_terminal("password verifiers", done, 5000)
        in_a_log("password verifiers", done, 5000)
    assert terminal.getvalue().count("\r") == 100 and terminal.getvalue().endswith(
        "\rseed: password verifiers 5000/5000\n")
    assert "\rseed: password verifiers 1200/5000" in terminal.getvalue()
    assert log.getvalue().splitlines() == [f"seed: password verifiers {n}/5000" for n in range(500, 5001, 500)]


def _big(n: int) -> dict[str, Any]:
    return {"pools": [{"Id": POOL_ID, "PoolName": "app", "clients": [{"ClientName": "web", "ClientId": CLIENT_ID}],
                       "users": [{"Username": f"user{i}", "Password": "Correct-Horse-9"} for i in range(n)]}]}


def _at_once(stores: list[Store], document: dict[str, Any]) -> list[seed.Applied]:
    """Applies ``document`` through each store in a thread of its own, all released together."""
    barrier = threading.Barrier(len(stores))
    results: list[Any] = [None] * len(stores)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = seed.apply(stores[index].rt, document)
        except BaseException as error:  # reported below
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


@pytest.mark.parametrize("fixed", [True, False])
def test_servers_seeding_at_once_sqlite(tmp_path: Path, fixed: bool) -> None:
    document = _big(20) if fixed else {"pools": [{"PoolName": "app", "clients": [{"ClientName": "web"}]}]}
    stores = [Store(tmp_path / "one.db", seed=n) for n in (3, 4)]
    try:
        results = _at_once(stores, document)
        assert sorted(r.pools for r in results) == [0, 1]
        with stores[0].rt.store.read() as tx:
            assert len(tx.list_pools(10)) == 1
    finally:
        for store in stores:
            store.rt.store.close()


@pytest.mark.postgres
@pytest.mark.parametrize("fixed", [True, False])
def test_servers_seeding_at_once_postgres(tmp_path: Path, postgres_database: Callable[[], str], fixed: bool) -> None:
    """Without the seed lock both would find no pool named "app" and make one each; with fixed IDs
    the later one would fail on the taken ID and its server would not start."""
    url = postgres_database()
    document = _big(20) if fixed else {"pools": [{"PoolName": "app", "clients": [{"ClientName": "web"}]}]}
    stores = [Store(tmp_path / "unused", url=url, seed=n) for n in (3, 4, 5)]
    try:
        results = _at_once(stores, document)
        assert sorted(r.pools for r in results) == [0, 0, 1]
        with stores[0].rt.store.read() as tx:
            [pool] = tx.list_pools(10)
            assert len(tx.list_clients(pool.id, 10)) == 1
    finally:
        for store in stores:
            store.rt.store.close()


def test_the_readme_example_seeds(store: Store) -> None:
    """The README's "Seed file" example is a seed this server takes as written."""
    import re

    import yaml

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("\n## Seed file\n"):]
    example = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert example is not None
    applied = seed.apply(store.rt, yaml.safe_load(example.group(1)))
    assert (applied.pools, applied.clients, applied.groups, applied.users) == (1, 1, 1, 1)
    with store.rt.store.read() as tx:
        pool = tx.get_pool("us-east-1_Example01")
        alice = tx.get_user("us-east-1_Example01", "alice")
    assert pool is not None and alice is not None and alice.password is not None
    assert alice.sub == "0b9ee3a2-5b3e-4d43-9f6b-4c1f4f3a8e21"
    assert passwords.matches(pool, "alice", "Correct-Horse-9", alice.password)
