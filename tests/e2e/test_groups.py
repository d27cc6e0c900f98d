"""Groups through boto3: CreateGroup, GetGroup, UpdateGroup, ListGroups, DeleteGroup,
AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup, and the
``cognito:groups`` claim (spec §2.3, §6.2, §6.3)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from tests.e2e.conftest import PASSWORD, raises_code


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_group_lifecycle(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool()
    role = "arn:aws:iam::123456789012:role/readers"
    group = idp.create_group(UserPoolId=pool_id, GroupName="readers", Description="Read only",
                             Precedence=5, RoleArn=role)["Group"]
    assert group["GroupName"] == "readers" and group["UserPoolId"] == pool_id
    assert group["Description"] == "Read only" and group["Precedence"] == 5 and group["RoleArn"] == role
    assert group["CreationDate"] and group["LastModifiedDate"]
    with raises_code("GroupExistsException"):
        idp.create_group(UserPoolId=pool_id, GroupName="readers")

    fetched = idp.get_group(UserPoolId=pool_id, GroupName="readers")["Group"]
    assert fetched["Description"] == "Read only" and fetched["Precedence"] == 5

    updated = idp.update_group(UserPoolId=pool_id, GroupName="readers", Description="Readers",
                               Precedence=1)["Group"]
    assert updated["Description"] == "Readers" and updated["Precedence"] == 1
    fetched = idp.get_group(UserPoolId=pool_id, GroupName="readers")["Group"]
    assert fetched["Description"] == "Readers" and fetched["Precedence"] == 1 and fetched["RoleArn"] == role

    idp.delete_group(UserPoolId=pool_id, GroupName="readers")
    with raises_code("ResourceNotFoundException"):
        idp.get_group(UserPoolId=pool_id, GroupName="readers")
    with raises_code("ResourceNotFoundException"):
        idp.delete_group(UserPoolId=pool_id, GroupName="readers")
    with raises_code("ResourceNotFoundException"):
        idp.update_group(UserPoolId=pool_id, GroupName="readers", Description="x")
    with raises_code("ResourceNotFoundException"):
        idp.create_group(UserPoolId="us-east-1_NoSuchOne", GroupName="readers")


def test_list_groups_paginates(idp: Any, make_pool: Callable[..., str]) -> None:
    pool_id = make_pool()
    names = ["g1", "g2", "g3", "g4", "g5"]
    for name in names:
        idp.create_group(UserPoolId=pool_id, GroupName=name)
    seen: list[str] = []
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "Limit": 2}
    while True:
        page = idp.list_groups(**kwargs)
        assert len(page["Groups"]) <= 2
        seen += [g["GroupName"] for g in page["Groups"]]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert sorted(seen) == names and len(seen) == len(names)
    paged = idp.get_paginator("list_groups").paginate(UserPoolId=pool_id, PaginationConfig={"PageSize": 3})
    assert sorted(g["GroupName"] for page in paged for g in page["Groups"]) == names


def test_membership(idp: Any, make_pool: Callable[..., str], make_user: Callable[..., str]) -> None:
    pool_id = make_pool()
    for name in ("admins", "staff"):
        idp.create_group(UserPoolId=pool_id, GroupName=name)
    make_user(pool_id, "ann")
    make_user(pool_id, "ben")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="ann", GroupName="admins")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="ann", GroupName="staff")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="ann", GroupName="staff")  # idempotent
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="ben", GroupName="staff")

    groups = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="ann")["Groups"]
    assert sorted(g["GroupName"] for g in groups) == ["admins", "staff"]
    first = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="ann", Limit=1)
    assert len(first["Groups"]) == 1 and "NextToken" in first
    rest = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="ann", Limit=1,
                                          NextToken=first["NextToken"])
    assert {first["Groups"][0]["GroupName"], rest["Groups"][0]["GroupName"]} == {"admins", "staff"}

    members = idp.list_users_in_group(UserPoolId=pool_id, GroupName="staff")["Users"]
    assert sorted(u["Username"] for u in members) == ["ann", "ben"]
    assert all(u["UserStatus"] == "CONFIRMED" for u in members)

    idp.admin_remove_user_from_group(UserPoolId=pool_id, Username="ann", GroupName="staff")
    assert [u["Username"] for u in idp.list_users_in_group(UserPoolId=pool_id, GroupName="staff")["Users"]] == [
        "ben"]
    assert [g["GroupName"] for g in idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="ann")[
        "Groups"]] == ["admins"]

    with raises_code("ResourceNotFoundException"):
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="ann", GroupName="nope")
    with raises_code("ResourceNotFoundException"):
        idp.list_users_in_group(UserPoolId=pool_id, GroupName="nope")
    with raises_code("UserNotFoundException"):
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="nobody", GroupName="admins")

    # Deleting a group drops its memberships; deleting a user drops theirs.
    idp.delete_group(UserPoolId=pool_id, GroupName="admins")
    assert idp.admin_list_groups_for_user(UserPoolId=pool_id, Username="ann")["Groups"] == []
    idp.admin_delete_user(UserPoolId=pool_id, Username="ben")
    assert idp.list_users_in_group(UserPoolId=pool_id, GroupName="staff")["Users"] == []


def test_groups_claim_in_tokens(
    idp: Any, make_pool: Callable[..., str], make_client: Callable[..., dict[str, Any]],
    make_user: Callable[..., str],
) -> None:
    pool_id = make_pool()
    client_id = make_client(pool_id)["ClientId"]
    make_user(pool_id, "gia")

    def sign_in() -> dict[str, Any]:
        result = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "gia", "PASSWORD": PASSWORD})
        return dict(result["AuthenticationResult"])

    before = sign_in()
    assert "cognito:groups" not in claims(before["IdToken"])
    assert "cognito:groups" not in claims(before["AccessToken"])

    idp.create_group(UserPoolId=pool_id, GroupName="editors", Precedence=2)
    idp.create_group(UserPoolId=pool_id, GroupName="admins", Precedence=1)
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="gia", GroupName="editors")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="gia", GroupName="admins")
    after = sign_in()
    assert sorted(claims(after["IdToken"])["cognito:groups"]) == ["admins", "editors"]
    assert sorted(claims(after["AccessToken"])["cognito:groups"]) == ["admins", "editors"]
