"""A wrong seed file changes nothing and names the entry at fault and why (issue 15 item 2): each
kind of wrong entry, against an empty store and against one the file was applied to already."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.seed.conftest import Store
from userpool import seed

POOL_ID = "us-east-1_Seeded001"
CLIENT_ID = "seededclientid000000000001"
GOOD: dict[str, Any] = {"pools": [{
    "Id": POOL_ID, "PoolName": "app", "AutoVerifiedAttributes": ["email"],
    "clients": [{"ClientName": "web", "ClientId": CLIENT_ID, "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]}],
    "groups": [{"GroupName": "admins", "Precedence": 1}],
    "users": [{"Username": "alice", "Attributes": {"email": "alice@example.com", "email_verified": "true"},
               "Password": "Correct-Horse-9", "Groups": ["admins"]},
              {"Username": "bob", "Attributes": {"email": "bob@example.com"}, "TemporaryPassword": "Temp-Horse-9"}],
}]}

Change = Callable[[dict[str, Any]], None]


def _pool(d: dict[str, Any]) -> dict[str, Any]:
    return dict(d["pools"][0])


def _set(path: str, value: Any) -> Change:
    """A change setting ``value`` at ``path`` ("pools.0.users.1.Password")."""

    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _add(path: str, item: Any) -> Change:
    def change(document: dict[str, Any]) -> None:
        node: Any = document
        for part in path.split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
        node.append(item)

    return change


WRONG: list[tuple[str, Change, str]] = [
    # the document
    ("typo at the top", lambda d: d.update(pool=d.pop("pools")),
     "unknown top-level member(s) pool; allowed: Version, Comment, pools"),
    ("another format version", _set("Version", 2), "Version must be 1"),
    ("pools not a list", _set("pools", {"Id": POOL_ID}), "pools: must be a list"),
    # pools: CreateUserPool's rules
    ("misspelt pool member", _set("pools.0.AutoVerifiedAtributes", ["email"]),
     'pools[0] (PoolName "app"): unknown member(s) AutoVerifiedAtributes (CreateUserPool has no such member)'),
    ("misspelt nested member", _set("pools.0.Policies", {"PasswordPolicy": {"MinLength": 6}}),
     'pools[0] (PoolName "app"): unknown member(s) Policies.PasswordPolicy.MinLength'),
    ("wrong type", _set("pools.0.Policies", {"PasswordPolicy": {"MinimumLength": "six"}}),
     'pools[0] (PoolName "app"): SerializationException: STRING_VALUE can not be converted to an Integer'),
    ("pool without a name", lambda d: d["pools"][0].pop("PoolName"),
     "pools[0]: InvalidParameterException: 1 validation error detected: Value null at 'poolName' failed to "
     "satisfy constraint: Member must not be null"),
    ("Id of another region", _set("pools.0.Id", "eu-west-1_Seeded001"),
     "pools[0] (PoolName \"app\"): Id must be 'us-east-1_' (this server's region) followed by letters and digits"),
    ("Id too long", _set("pools.0.Id", "us-east-1_" + "S" * 46),
     "pools[0] (PoolName \"app\") Id: InvalidParameterException: 1 validation error detected: Value "
     "'us-east-1_SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS' at 'userPoolId' failed to satisfy constraint: "
     "Member must have length less than or equal to 55"),
    ("Id with a second underscore", _set("pools.0.Id", "us-east-1_Seed_d001"), "followed by letters and digits"),
    ("Id without a region", _set("pools.0.Id", "Seeded001"), "Member must satisfy regular expression pattern"),
    ("two sign-in settings", lambda d: d["pools"][0].update(UsernameAttributes=["email"], AliasAttributes=["email"]),
     'pools[0] (PoolName "app"): InvalidParameterException: Only one of the aliasAttributes or usernameAttributes'),
    ("MFA on without a factor", _set("pools.0.MfaConfiguration", "ON"),
     "InvalidParameterException: SMS configuration and Auto verification for phone_number are required"),
    ("MfaConfig without a factor", _set("pools.0.MfaConfig", {"MfaConfiguration": "ON"}),
     "pools[0] (PoolName \"app\"): InvalidParameterException: Invalid MFA configuration given, can't disable all"),
    ("MFA mode twice", lambda d: d["pools"][0].update(MfaConfiguration="OFF", MfaConfig={
        "MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": True}}),
     "MfaConfiguration is given in the pool and in MfaConfig"),
    ("misspelt MfaConfig member", _set("pools.0.MfaConfig", {"SoftwareTokenMfaConfig": {"Enabled": True}}),
     "pools[0].MfaConfig: unknown member(s) SoftwareTokenMfaConfig (SetUserPoolMfaConfig has no such member)"),
    ("same Id twice", _add("pools", {"Id": POOL_ID, "PoolName": "other"}),
     'pools[1] (PoolName "other"): the same Id as pools[0] (PoolName "app")'),
    # clients: CreateUserPoolClient's rules
    ("unknown flow", _set("pools.0.clients.0.ExplicitAuthFlows", ["ALLOW_NOTHING"]),
     "pools[0].clients[0] (ClientName \"web\"): InvalidParameterException: 1 validation error detected: Value "
     "'ALLOW_NOTHING' at 'explicitAuthFlows.1.member' failed to satisfy constraint: Member must satisfy enum value"),
    ("mixed legacy flows", _set("pools.0.clients.0.ExplicitAuthFlows", ["USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]),
     'pools[0].clients[0] (ClientName "web"): InvalidParameterException: ExplicitAuthFlow combination is invalid'),
    ("verified flag writable", _set("pools.0.clients.0.WriteAttributes", ["email_verified"]),
     "InvalidParameterException: Invalid write attributes specified while creating a client"),
    ("token validity out of bounds", _set("pools.0.clients.0.AccessTokenValidity", 48),
     "InvalidParameterException: AccessTokenValidity must be between 5 minutes and 1 day."),
    ("ClientId with a dash", _set("pools.0.clients.0.ClientId", "web-client"),
     "pools[0].clients[0] (ClientName \"web\") ClientId: InvalidParameterException: 1 validation error detected: "
     "Value at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+]+"),
    ("ClientId a number", _set("pools.0.clients.0.ClientId", 26),
     "SerializationException: NUMBER_VALUE can not be converted to a String (at 'clientId')"),
    ("weak ClientSecret", _set("pools.0.clients.0.ClientSecret", "s3cr3t"),
     "pools[0].clients[0] (ClientName \"web\"): InvalidParameterException: 1 validation error detected: Value at "
     "'clientSecret' failed to satisfy constraint: Member must have length greater than or equal to 24"),
    ("secret given and generated", lambda d: d["pools"][0]["clients"][0].update(
        ClientSecret="x" * 40, GenerateSecret=True),
     "InvalidParameterException: GenerateSecret and ClientSecret cannot be used together."),
    ("client names its pool", _set("pools.0.clients.0.UserPoolId", POOL_ID),
     "UserPoolId comes from the pool the client is listed in"),
    ("same ClientId twice", _add("pools.0.clients", {"ClientName": "other", "ClientId": CLIENT_ID}),
     'pools[0].clients[1] (ClientName "other"): the same ClientId as pools[0].clients[0] (ClientName "web")'),
    ("same unnamed client twice", lambda d: [d["pools"][0]["clients"].append({"ClientName": "cli"}) for _ in "ab"],
     'pools[0].clients[2] (ClientName "cli"): the same ClientName (without ClientId) in the pool as '
     'pools[0].clients[1]'),
    # groups: CreateGroup's rules
    ("negative precedence", _set("pools.0.groups.0.Precedence", -1),
     'pools[0].groups[0] (GroupName "admins"): InvalidParameterException: 1 validation error detected'),
    ("group twice", _add("pools.0.groups", {"GroupName": "admins"}),
     'pools[0].groups[1] (GroupName "admins"): the same GroupName as pools[0].groups[0]'),
    # users: AdminCreateUser's rules
    ("short password", _set("pools.0.users.1.TemporaryPassword", "short"),
     'pools[0].users[1] (Username "bob"): InvalidPasswordException: Password did not conform with policy: '
     "Password not long enough"),
    ("two passwords", _set("pools.0.users.0.TemporaryPassword", "Temp-Horse-9"),
     "give Password (permanent) or TemporaryPassword, not both"),
    ("unknown user member", _set("pools.0.users.0.Colour", "red"),
     'pools[0].users[0] (Username "alice"): unknown member(s) Colour; allowed: Username, Sub, Attributes'),
    ("no username", lambda d: d["pools"][0]["users"][0].pop("Username"),
     "pools[0].users[0]: Username is required"),
    ("attribute outside the schema", _set("pools.0.users.0.Attributes", {"colour": "red"}),
     'pools[0].users[0] (Username "alice"): InvalidParameterException: Attributes did not conform to the schema: '
     "colour: Attribute does not exist in the schema."),
    ("malformed e-mail", _set("pools.0.users.0.Attributes", {"email": "alice"}),
     "email: Invalid email address format."),
    ("sub as an attribute", _set("pools.0.users.0.Attributes", {"sub": "x"}), "give a fixed sub as Sub"),
    ("attribute value a list", _set("pools.0.users.0.Attributes", {"name": ["a"]}),
     'pools[0].users[0] (Username "alice"): attribute name: the value must be a string, got list'),
    ("Sub not a UUID", _set("pools.0.users.0.Sub", "alice"), "Sub must be a UUID in lower case"),
    ("Enabled as text", _set("pools.0.users.0.Enabled", "false"), "Enabled must be true or false, got 'false'"),
    ("unknown group", _set("pools.0.users.0.Groups", ["nobody"]),
     'pools[0].users[0] (Username "alice"): no group \'nobody\' in the pool (list it under groups)'),
    ("SMS MFA without a phone", _set("pools.0.users.0.MfaPreference", {"SMSMfaSettings": {"Enabled": True}}),
     'pools[0].users[0] (Username "alice"): InvalidParameterException: User does not have delivery config set to '
     "turn on SMS_MFA"),
    ("misspelt MFA member", _set("pools.0.users.0.MfaPreference", {"SmsMfaSettings": {"Enabled": True}}),
     "pools[0].users[0].MfaPreference: unknown member(s) SmsMfaSettings"),
    ("same username twice", _set("pools.0.users.1.Username", "alice"),
     'pools[0].users[1] (Username "alice"): the same Username as pools[0].users[0]'),
    ("same user in another case", lambda d: d["pools"][0].update(UsernameConfiguration={"CaseSensitive": False})
     or d["pools"][0]["users"][1].update(Username="ALICE"),
     'pools[0].users[1] (Username "ALICE"): matches the user pools[0].users[0] (Username "alice") creates'),
    ("verified e-mail taken", lambda d: d["pools"][0].update(AliasAttributes=["email"]) or d["pools"][0]["users"][1][
        "Attributes"].update(email="alice@example.com", email_verified="true"),
     'pools[0].users[1] (Username "bob"): AliasExistsException: An account with the given email already exists.'),
]


@pytest.mark.parametrize(("change", "message"), [pytest.param(c, m, id=i) for i, c, m in WRONG])
def test_a_wrong_entry_is_named_and_changes_nothing(store: Store, change: Change, message: str) -> None:
    document = copy.deepcopy(GOOD)
    change(document)
    with pytest.raises(seed.SeedError) as refused:
        seed.apply(store.rt, document)
    assert message in str(refused.value)
    where = message.split(":")[0].removesuffix(" Id").removesuffix(" ClientId")
    if where.startswith("pools["):
        assert str(refused.value).startswith(where), str(refused.value)
    with store.rt.store.read() as tx:
        assert tx.list_pools(10) == []


#: Wrong only through a pool setting the file changes: a pool that exists keeps its own settings.
_NEEDS_NEW_POOL = ("same user in another case", "verified e-mail taken")


@pytest.mark.parametrize(("change", "message"), [pytest.param(c, m, id=i) for i, c, m in WRONG
                                                 if i not in ("typo at the top", "pools not a list", *_NEEDS_NEW_POOL)])
def test_a_wrong_file_is_refused_where_its_entries_exist(store: Store, change: Change, message: str) -> None:
    """A restart with a broken file is refused too, and adds nothing of what the file adds."""
    seed.apply(store.rt, GOOD)
    before = seed.export(store.rt, with_secrets=True)
    document = copy.deepcopy(GOOD)
    change(document)
    if isinstance(document.get("pools"), list) and document["pools"]:
        document["pools"][0].setdefault("users", []).append({"Username": "carol", "Password": "Correct-Horse-9"})
        document["pools"][0].setdefault("groups", []).append({"GroupName": "new"})
    with pytest.raises(seed.SeedError) as refused:
        seed.apply(store.rt, document)
    assert message in str(refused.value)
    assert seed.export(store.rt, with_secrets=True) == before


def test_an_alias_of_a_stored_user_is_refused(store: Store) -> None:
    """A new user may not take a verified e-mail another user signs in with (AdminCreateUser's rule)."""
    document = copy.deepcopy(GOOD)
    document["pools"][0]["AliasAttributes"] = ["email"]
    seed.apply(store.rt, document)
    document["pools"][0]["users"].append({"Username": "mallory", "Attributes": {
        "email": "alice@example.com", "email_verified": "true"}})
    with pytest.raises(seed.SeedError, match=r"users\[2\] \(Username \"mallory\"\): AliasExistsException"):
        seed.apply(store.rt, document)


def test_an_email_username_pool_takes_addresses_only(store: Store) -> None:
    document = {"pools": [{"PoolName": "mail", "UsernameAttributes": ["email"], "users": [
        {"Username": "a@example.com"}, {"Username": "A@EXAMPLE.COM"}, {"Username": "bob"}]}]}
    with pytest.raises(seed.SeedError) as refused:
        seed.apply(store.rt, document)
    assert str(refused.value).startswith('pools[0].users[1] (Username "A@EXAMPLE.COM"): matches the user '
                                         'pools[0].users[0]'), str(refused.value)
    del document["pools"][0]["users"][1]
    with pytest.raises(seed.SeedError, match=r"users\[1\] \(Username \"bob\"\): InvalidParameterException: "
                                             "Username should be an email."):
        seed.apply(store.rt, document)


def test_a_pool_named_twice_in_the_store_needs_its_id(store: Store) -> None:
    from userpool.directory import pools

    for _ in range(2):
        pools.create_pool(store.rt, {"PoolName": "twin"})
    with pytest.raises(seed.SeedError, match=r"pools\[0\] \(PoolName \"twin\"\): 2 pools are named 'twin'; give "):
        seed.apply(store.rt, {"pools": [{"PoolName": "twin"}]})


@pytest.mark.parametrize(("name", "text", "message"), [
    ("seed.yaml", "pools:\n  - PoolName: a\n    PoolName: b\n", "member 'PoolName' given twice"),
    ("seed.yaml", "pools:\n  - PoolName: a\n    PoolName: b\n", "line 3, column 5: member 'PoolName' given twice"),
    ("seed.yml", "pools: [\n", "not valid YAML"),
    ("seed.json", '{"pools": [{"PoolName": "a", "PoolName": "b"}]}', "not valid JSON: member 'PoolName' given twice"),
    ("seed.json", '{"pools": [{"PoolName": NaN}]}', "NaN is not a JSON value"),
    ("seed.json", "[]", "the document must be an object with a list 'pools'"),
])
def test_unreadable_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(seed.SeedError) as refused:
        seed.parse(seed.load(path), "us-east-1")
    assert message in str(refused.value)
    assert str(refused.value).startswith(str(path)) or message.startswith("the document")


def test_yaml_and_json_read_alike(tmp_path: Path) -> None:
    """YAML's booleans, numbers and dates in attributes become the strings Cognito holds."""
    (tmp_path / "a.yaml").write_text(
        "pools:\n- PoolName: app\n  Schema: [{Name: level, AttributeDataType: Number}]\n  users:\n  - Username: u\n"
        "    Attributes: {email_verified: true, birthdate: 1990-01-31, custom:level: 3, email: u@example.com}\n")
    (tmp_path / "a.json").write_text(json.dumps({"pools": [{
        "PoolName": "app", "Schema": [{"Name": "level", "AttributeDataType": "Number"}], "users": [{
            "Username": "u", "Attributes": [{"Name": "email_verified", "Value": "true"},
                                            {"Name": "birthdate", "Value": "1990-01-31"},
                                            {"Name": "custom:level", "Value": "3"},
                                            {"Name": "email", "Value": "u@example.com"}]}]}]}))
    from_yaml = seed.parse(seed.load(tmp_path / "a.yaml"), "us-east-1")
    from_json = seed.parse(seed.load(tmp_path / "a.json"), "us-east-1")
    assert from_yaml == from_json
    assert dict(from_yaml.pools[0].users[0].attributes) == {
        "email_verified": "true", "birthdate": "1990-01-31", "custom:level": "3", "email": "u@example.com"}


@pytest.mark.parametrize("libyaml", [True, False])
def test_a_yaml_error_does_not_quote_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, libyaml: bool) -> None:
    """PyYAML's pure-Python loader quotes the line at fault; the line may hold a password, and the
    message ends up in a server's log."""
    import yaml

    if not libyaml:
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    path = tmp_path / "seed.yaml"
    for text in ('pools:\n- PoolName: a\n  users:\n  - Username: u\n    Password: "hunter2-Secret\n',
                 "pools:\n- PoolName: a\n  users:\n  - {Username: u, Password: hunter2-Secret, Password: x}\n"):
        path.write_text(text)
        with pytest.raises(seed.SeedError) as refused:
            seed.load(path)
        assert "hunter2" not in str(refused.value) and "line " in str(refused.value)
