"""``export`` (issue 15 item 2): a store made through the API's own functions, exported, seeded
into an empty store and exported again gives the same file, and the copy behaves the same: the
pool's MFA and schema, e-mail sign-in with the same subs, confidential clients, groups, disabled
users, MFA preferences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.seed.conftest import Store
from userpool import seed
from userpool.directory import clients, groups, mfa_preferences, pool_mfa, pools, users


def _made_through_the_api(store: Store) -> str:
    rt = store.rt
    pool_id = str(pools.create_pool(rt, {
        "PoolName": "shop", "UsernameAttributes": ["email"], "AutoVerifiedAttributes": ["email"],
        "UsernameConfiguration": {"CaseSensitive": False},
        "Policies": {"PasswordPolicy": {"MinimumLength": 10, "RequireSymbols": False}},
        "Schema": [{"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
                   {"Name": "tenant", "AttributeDataType": "String", "Mutable": False,
                    "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "32"}},
                   {"Name": "level", "AttributeDataType": "Number", "DeveloperOnlyAttribute": True}],
        "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": True},
    })["UserPool"]["Id"])
    pool_mfa.set_pool_mfa_config(rt, {"UserPoolId": pool_id, "MfaConfiguration": "ON",
                                      "SoftwareTokenMfaConfiguration": {"Enabled": True},
                                      "WebAuthnConfiguration": {"RelyingPartyId": "shop.example.com"}})
    clients.create_client(rt, {"UserPoolId": pool_id, "ClientName": "web",
                               "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]})
    clients.create_client(rt, {"UserPoolId": pool_id, "ClientName": "backend", "GenerateSecret": True,
                               "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH"], "AccessTokenValidity": 2})
    for name, precedence in (("staff", 1), ("buyers", 5)):
        groups.create_group(rt, {"UserPoolId": pool_id, "GroupName": name, "Precedence": precedence})
    for address, phone in (("ann@example.com", "+15550101"), ("ben@example.com", None)):
        attributes = [{"Name": "email", "Value": address}, {"Name": "email_verified", "Value": "true"},
                      {"Name": "custom:tenant", "Value": "t1"}, {"Name": "dev:custom:level", "Value": "3"}]
        if phone:
            attributes.append({"Name": "phone_number", "Value": phone})
        users.admin_create_user(rt, {"UserPoolId": pool_id, "Username": address, "MessageAction": "SUPPRESS",
                                     "UserAttributes": attributes, "TemporaryPassword": "Temporary-123"})
        users.admin_set_user_password(rt, {"UserPoolId": pool_id, "Username": address,
                                           "Password": "Correct-Horse-9", "Permanent": True})
        groups.admin_add_user_to_group(rt, {"UserPoolId": pool_id, "Username": address, "GroupName": "buyers"})
    groups.admin_add_user_to_group(rt, {"UserPoolId": pool_id, "Username": "ann@example.com", "GroupName": "staff"})
    mfa_preferences.admin_set_user_mfa_preference(rt, {"UserPoolId": pool_id, "Username": "ann@example.com",
                                                       "SMSMfaSettings": {"Enabled": True, "PreferredMfa": True}})
    users.admin_disable_user(rt, {"UserPoolId": pool_id, "Username": "ben@example.com"})
    return pool_id


def _same(a: Any, b: Any) -> bool:
    return bool(json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True))


@pytest.mark.parametrize("with_secrets", [False, True])
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_seed_export_gives_the_same_file(store: Store, tmp_path: Path, with_secrets: bool, fmt: str) -> None:
    pool_id = _made_through_the_api(store)
    text = seed.dump(seed.export(store.rt, with_secrets=with_secrets), fmt)
    path = tmp_path / f"export.{fmt}"
    path.write_text(text)
    copy = Store(tmp_path / "copy.db", seed=7)
    try:
        applied = seed.apply(copy.rt, seed.load(path))
        assert (applied.pools, applied.clients, applied.groups, applied.users) == (1, 2, 2, 2)
        assert seed.dump(seed.export(copy.rt, with_secrets=with_secrets), fmt) == text
        assert seed.apply(copy.rt, seed.load(path)).differing == []  # and the copy matches its file
        _behaves_the_same(store, copy, pool_id, with_secrets)
    finally:
        copy.rt.store.close()


def _behaves_the_same(original: Store, copy: Store, pool_id: str, with_secrets: bool) -> None:
    with original.rt.store.read() as tx:
        pool, their_clients = tx.get_pool(pool_id), {c.client_id: c for c in tx.list_clients(pool_id, 10)}
        their_users = {u.username: u for u in tx.list_users(pool_id, 10)}
    with copy.rt.store.read() as tx:
        copied, our_clients = tx.get_pool(pool_id), {c.client_id: c for c in tx.list_clients(pool_id, 10)}
        our_users = {u.username: u for u in tx.list_users(pool_id, 10)}
        assert [g.name for g in tx.groups_of(pool_id, next(
            u.username for u in our_users.values() if u.attributes["email"] == "ann@example.com"))] == [
            "staff", "buyers"]
    assert pool is not None and copied is not None
    assert copied.schema == pool.schema  # email required, the custom and developer-only attributes
    assert copied.mfa_factors == pool.mfa_factors == ("SOFTWARE_TOKEN_MFA",)
    assert copied.config == pool.config or pool_mfa.describe(copied.config) == pool_mfa.describe(pool.config)
    assert copied.password_policy == pool.password_policy
    assert set(our_clients) == set(their_clients)
    for client_id, theirs in their_clients.items():
        ours = our_clients[client_id]
        assert ours.config == theirs.config
        assert (ours.secret is None) == (theirs.secret is None)  # a confidential client stays confidential
        if with_secrets:
            assert ours.secret == theirs.secret
    assert set(our_users) == set(their_users)  # the internal usernames: the same subs
    for username, theirs in their_users.items():
        ours = our_users[username]
        assert ours.attributes == theirs.attributes and ours.enabled == theirs.enabled
        assert (ours.mfa.sms, ours.mfa.preferred) == (theirs.mfa.sms, theirs.mfa.preferred)
        assert (ours.status, ours.password) == ("RESET_REQUIRED", None)  # no password is ever exported


def test_the_file_says_what_it_leaves_out(store: Store) -> None:
    _made_through_the_api(store)
    without = seed.export(store.rt)
    assert "no password" in without["Comment"] and "GenerateSecret" in without["Comment"]
    [pool] = without["pools"]
    backend = next(c for c in pool["clients"] if c["ClientName"] == "backend")
    assert backend["GenerateSecret"] is True and "ClientSecret" not in json.dumps(without)
    assert not any("Password" in user for user in pool["users"])
    assert pool["MfaConfig"]["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert "MfaConfiguration" not in pool  # given once, in MfaConfig
    assert sorted(u["Username"] for u in pool["users"]) == ["ann@example.com", "ben@example.com"]  # not the subs
    with_secrets = seed.export(store.rt, with_secrets=True)
    assert "keep it as secret" in with_secrets["Comment"]
    assert len(next(c for c in with_secrets["pools"][0]["clients"] if c["ClientName"] == "backend")[
        "ClientSecret"]) == 51


def test_an_empty_store_exports_an_empty_seed(store: Store) -> None:
    document = seed.export(store.rt)
    assert document["pools"] == [] and document["Version"] == 1
    assert seed.apply(store.rt, yaml.safe_load(seed.dump(document, "yaml"))) == seed.Applied()
