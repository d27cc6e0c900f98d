"""User pools and app clients through boto3 (spec §2.1, §2.2): CreateUserPool, DescribeUserPool,
UpdateUserPool, DeleteUserPool, ListUserPools, AddCustomAttributes and the UserPoolClient family."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from tests.e2e.conftest import raises_code

STANDARD = {
    "sub", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile",
    "picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale",
    "phone_number", "phone_number_verified", "address", "updated_at",
}


# --- user pools ------------------------------------------------------------------------------------
def test_create_user_pool_identifiers_and_defaults(idp: Any) -> None:
    pool = idp.create_user_pool(
        PoolName="defaults",
        Schema=[{"Name": "tenant", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]
    assert re.fullmatch(r"us-east-1_[A-Za-z0-9]{9}", pool["Id"])
    assert re.fullmatch(rf"arn:aws:cognito-idp:us-east-1:[0-9]{{12}}:userpool/{pool['Id']}", pool["Arn"])
    assert pool["Name"] == "defaults"
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 8
    assert all(policy[flag] for flag in ("RequireUppercase", "RequireLowercase", "RequireNumbers",
                                         "RequireSymbols"))
    assert policy["TemporaryPasswordValidityDays"] == 7
    assert pool["MfaConfiguration"] == "OFF"
    schema = {a["Name"]: a for a in pool["SchemaAttributes"]}
    assert set(schema) >= STANDARD
    assert schema["email_verified"]["AttributeDataType"] == "Boolean"
    assert schema["sub"]["Required"] is True and schema["sub"]["Mutable"] is False
    assert schema["custom:tenant"]["AttributeDataType"] == "String"
    assert pool["CreationDate"] and pool["LastModifiedDate"]


def test_describe_user_pool_echoes_settings(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool(
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": False, "RequireNumbers": True}},
        AutoVerifiedAttributes=["email"],
        AliasAttributes=["email", "preferred_username"],
        UsernameConfiguration={"CaseSensitive": False},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        DeletionProtection="INACTIVE",
    )
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Id"] == pool_id
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 12
    assert policy["RequireNumbers"] is True and policy["RequireSymbols"] is False
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["AliasAttributes"] == ["email", "preferred_username"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["EstimatedNumberOfUsers"] == 0
    idp.update_user_pool(UserPoolId=pool_id, MfaConfiguration="OFF")
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["AliasAttributes"] == ["email", "preferred_username"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}


def test_update_user_pool_replaces_settings_and_keeps_sign_in_ones(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool(
        Policies={"PasswordPolicy": {"MinimumLength": 10}},
        AutoVerifiedAttributes=["email"],
        UsernameAttributes=["email"],
        MfaConfiguration="OFF",
    )
    idp.update_user_pool(UserPoolId=pool_id, AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    # Omitted members go back to their defaults (Cognito's replace-the-whole-object semantics).
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert not pool.get("AutoVerifiedAttributes")
    # Sign-in settings are immutable and survive.
    assert pool["UsernameAttributes"] == ["email"]

    idp.update_user_pool(UserPoolId=pool_id, Policies={"PasswordPolicy": {"MinimumLength": 6}},
                         DeletionProtection="ACTIVE")
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 6
    assert pool["DeletionProtection"] == "ACTIVE"
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert pool["UsernameAttributes"] == ["email"]


def test_delete_user_pool_respects_deletion_protection(
    idp: Any, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
    make_user: Callable[..., str],
) -> None:
    pool_id = make_pool(DeletionProtection="ACTIVE")
    client_id = make_client(pool_id)["ClientId"]
    make_user(pool_id, "owner", email="owner@example.com")
    idp.create_group(UserPoolId=pool_id, GroupName="team")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="owner", GroupName="team")
    with raises_code("InvalidParameterException", "deletion protection"):
        idp.delete_user_pool(UserPoolId=pool_id)
    idp.update_user_pool(UserPoolId=pool_id, DeletionProtection="INACTIVE")
    idp.delete_user_pool(UserPoolId=pool_id)
    with raises_code("ResourceNotFoundException"):
        idp.describe_user_pool(UserPoolId=pool_id)
    with raises_code("ResourceNotFoundException"):
        idp.delete_user_pool(UserPoolId=pool_id)
    with raises_code("ResourceNotFoundException"):
        idp.describe_user_pool(UserPoolId="us-east-1_NoSuchOne")
    with raises_code("ResourceNotFoundException"):  # the pool's clients went with it
        idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "owner", "PASSWORD": "Correct-Horse-9"})


def test_list_user_pools_paginates(idp: Any, make_pool: Callable[..., str]) -> None:
    created = {make_pool() for _ in range(2)}
    seen: list[str] = []
    kwargs: dict[str, Any] = {"MaxResults": 1}
    for _ in range(1000):
        page = idp.list_user_pools(**kwargs)
        assert len(page["UserPools"]) <= 1
        seen += [p["Id"] for p in page["UserPools"]]
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    assert created <= set(seen)
    assert len(seen) == len(set(seen))
    pages = idp.get_paginator("list_user_pools").paginate(MaxResults=1)
    summaries = [p for page in pages for p in page["UserPools"] if p["Id"] in created]
    assert len(summaries) == 2
    assert all(p["Name"].startswith("pool-") and "CreationDate" in p for p in summaries)


def test_username_and_alias_attributes_are_exclusive(idp: Any) -> None:
    with raises_code("InvalidParameterException"):
        idp.create_user_pool(PoolName="both", UsernameAttributes=["email"], AliasAttributes=["email"])


def test_add_custom_attributes(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool()
    idp.add_custom_attributes(UserPoolId=pool_id, CustomAttributes=[
        {"Name": "plan", "AttributeDataType": "String", "Mutable": True},
        {"Name": "seats", "AttributeDataType": "Number"},
    ])
    schema = {a["Name"]: a for a in idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]}
    assert schema["custom:plan"]["AttributeDataType"] == "String"
    assert schema["custom:seats"]["AttributeDataType"] == "Number"
    with raises_code("InvalidParameterException"):
        idp.add_custom_attributes(UserPoolId=pool_id, CustomAttributes=[
            {"Name": "plan", "AttributeDataType": "String"}])
    idp.admin_create_user(UserPoolId=pool_id, Username="carol", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "custom:plan", "Value": "gold"}])
    attrs = {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pool_id, Username="carol")["UserAttributes"]}
    assert attrs["custom:plan"] == "gold"


# --- app clients -----------------------------------------------------------------------------------
def test_client_defaults_and_secrets(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool()
    client = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]
    assert client["UserPoolId"] == pool_id and client["ClientName"] == "web"
    assert re.fullmatch(r"[a-z0-9]{26}", client["ClientId"])
    assert "ClientSecret" not in client
    assert set(client["ExplicitAuthFlows"]) == {"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH",
                                                "ALLOW_CUSTOM_AUTH"}
    assert client["RefreshTokenValidity"] == 30
    assert client["TokenValidityUnits"]["RefreshToken"] == "days"
    assert client["AuthSessionValidity"] == 3
    assert client["EnableTokenRevocation"] is True
    assert client["PreventUserExistenceErrors"] == "LEGACY"

    generated = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="server", GenerateSecret=True)
    secret = generated["UserPoolClient"]["ClientSecret"]
    assert 24 <= len(secret) <= 64
    described = idp.describe_user_pool_client(UserPoolId=pool_id,
                                              ClientId=generated["UserPoolClient"]["ClientId"])
    assert described["UserPoolClient"]["ClientSecret"] == secret

    with raises_code("InvalidParameterException"):
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName="x", GenerateSecret=True,
                                    ClientSecret="a" * 32)
    given = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="x", ClientSecret="b" * 32)
    assert given["UserPoolClient"]["ClientSecret"] == "b" * 32


def test_client_validation(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool()
    out_of_range = [
        {"AccessTokenValidity": 2, "TokenValidityUnits": {"AccessToken": "minutes"}},
        {"AccessTokenValidity": 2, "TokenValidityUnits": {"AccessToken": "days"}},
        {"IdTokenValidity": 25},
        {"RefreshTokenValidity": 11 * 365},
        {"RefreshTokenValidity": 59, "TokenValidityUnits": {"RefreshToken": "minutes"}},
    ]
    for settings in out_of_range:
        with raises_code("InvalidParameterException", "Validity"):
            idp.create_user_pool_client(UserPoolId=pool_id, ClientName="x", **settings)
    client = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="x", AccessTokenValidity=5, IdTokenValidity=24,
        RefreshTokenValidity=3650,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "hours", "RefreshToken": "days"},
    )["UserPoolClient"]
    assert client["AccessTokenValidity"] == 5 and client["TokenValidityUnits"]["AccessToken"] == "minutes"
    assert client["IdTokenValidity"] == 24 and client["RefreshTokenValidity"] == 3650

    with raises_code("InvalidParameterException"):
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName="x",
                                    ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH", "ALLOW_USER_SRP_AUTH"])
    legacy = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="x",
                                         ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"])
    assert set(legacy["UserPoolClient"]["ExplicitAuthFlows"]) == {"ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"}


def test_update_user_pool_client(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool()
    created = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="before", GenerateSecret=True,
                                          PreventUserExistenceErrors="ENABLED")["UserPoolClient"]
    client_id = created["ClientId"]
    updated = idp.update_user_pool_client(
        UserPoolId=pool_id, ClientId=client_id, ClientName="after",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], AuthSessionValidity=10,
    )["UserPoolClient"]
    assert updated["ClientName"] == "after"
    described = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert described["ClientName"] == "after"
    assert set(described["ExplicitAuthFlows"]) == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert described["AuthSessionValidity"] == 10
    # Omitted settings are reset to their defaults, as in Cognito.
    assert described["PreventUserExistenceErrors"] == "LEGACY"
    assert described["ClientSecret"] == created["ClientSecret"]  # the secret is not a setting
    with raises_code("InvalidParameterException"):
        idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, RefreshTokenValidity=4000)


def test_delete_user_pool_client(
    idp: Any, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
    make_user: Callable[..., str],
) -> None:
    pool_id = make_pool()
    client_id = make_client(pool_id)["ClientId"]
    make_user(pool_id, "dora")
    idp.delete_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    with raises_code("ResourceNotFoundException"):
        idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    with raises_code("ResourceNotFoundException"):
        idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": "dora", "PASSWORD": "Correct-Horse-9"})


def test_list_user_pool_clients_paginates_and_scopes_by_pool(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool()
    created = {idp.create_user_pool_client(UserPoolId=pool_id, ClientName=f"c{i}")["UserPoolClient"]["ClientId"]
               for i in range(3)}
    seen: list[str] = []
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "MaxResults": 2}
    while True:
        page = idp.list_user_pool_clients(**kwargs)
        assert len(page["UserPoolClients"]) <= 2
        assert all(c["UserPoolId"] == pool_id for c in page["UserPoolClients"])
        seen += [c["ClientId"] for c in page["UserPoolClients"]]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert sorted(seen) == sorted(created)

    other = make_pool()
    client_id = next(iter(created))
    with raises_code("ResourceNotFoundException"):
        idp.describe_user_pool_client(UserPoolId=other, ClientId=client_id)
    with raises_code("ResourceNotFoundException"):
        idp.delete_user_pool_client(UserPoolId=other, ClientId=client_id)
    with raises_code("ResourceNotFoundException"):
        idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=uuid.uuid4().hex[:26])


def test_jwks_of_a_deleted_pool_is_gone(server: Any, idp: Any, make_pool: Any) -> None:
    pool_id = make_pool()
    url = f"{server.url}/{pool_id}/.well-known/jwks.json"
    assert len(httpx.get(url).json()["keys"]) == 2
    idp.delete_user_pool(UserPoolId=pool_id)
    assert httpx.get(url).status_code == 404
    assert httpx.get(f"{server.url}/{pool_id}/.well-known/openid-configuration").status_code == 404


