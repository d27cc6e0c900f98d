"""Groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups, AdminAddUserToGroup,
AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from userpool.directory import pagination
from userpool.directory.pools import get_pool
from userpool.directory.runtime import Runtime
from userpool.directory.user_records import find_for_admin, user_type
from userpool.model.entities import Group
from userpool.model.errors import GroupExistsException, ResourceNotFoundException, StoreConflict
from userpool.model.ports import Tx


def group_type(group: Group) -> dict[str, Any]:
    return {
        "GroupName": group.name, "UserPoolId": group.pool_id, "Description": group.description,
        "RoleArn": group.role_arn, "Precedence": group.precedence,
        "LastModifiedDate": group.last_modified, "CreationDate": group.created,
    }


def _get(tx: Tx, pool_id: str, name: str) -> Group:
    group = tx.get_group(pool_id, name)
    if group is None:
        raise ResourceNotFoundException("Group not found.")
    return group


def create_group(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    now = rt.clock.now()
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        group = Group(pool.id, body["GroupName"], now, now, body.get("Description"), body.get("RoleArn"),
                      body.get("Precedence"))
        try:
            tx.insert_group(group)
        except StoreConflict:
            raise GroupExistsException("A group with the name already exists.") from None
    return {"Group": group_type(group)}


def get_group(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.read() as tx:
        get_pool(tx, body["UserPoolId"])
        return {"Group": group_type(_get(tx, body["UserPoolId"], body["GroupName"]))}


def update_group(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        get_pool(tx, body["UserPoolId"])
        group = _get(tx, body["UserPoolId"], body["GroupName"])
        changes = {"Description": "description", "RoleArn": "role_arn", "Precedence": "precedence"}
        updated = replace(group, last_modified=rt.clock.now(),
                          **{field: body[key] for key, field in changes.items() if key in body})
        tx.update_group(updated)
    return {"Group": group_type(updated)}


def delete_group(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        get_pool(tx, body["UserPoolId"])
        _get(tx, body["UserPoolId"], body["GroupName"])
        tx.delete_group(body["UserPoolId"], body["GroupName"])
    return {}


def list_groups(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    limit = pagination.page_limit(body.get("Limit"), 60, 60)
    with rt.store.read() as tx:
        get_pool(tx, body["UserPoolId"])
        groups = tx.list_groups(body["UserPoolId"], limit + 1, pagination.decode(body.get("NextToken")))
    return pagination.page(groups, limit, lambda g: g.name, "Groups", "NextToken", group_type)


def admin_add_user_to_group(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        user = find_for_admin(tx, pool, body["Username"])
        _get(tx, pool.id, body["GroupName"])
        tx.add_member(pool.id, body["GroupName"], user.username, rt.clock.now())
    return {}


def admin_remove_user_from_group(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    with rt.store.transaction() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        user = find_for_admin(tx, pool, body["Username"])
        _get(tx, pool.id, body["GroupName"])
        tx.remove_member(pool.id, body["GroupName"], user.username)
    return {}


def admin_list_groups_for_user(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    limit = pagination.page_limit(body.get("Limit"), 60, 60)
    after = pagination.decode(body.get("NextToken"))
    with rt.store.read() as tx:
        pool = get_pool(tx, body["UserPoolId"])
        user = find_for_admin(tx, pool, body["Username"])
        groups = sorted(tx.groups_of(pool.id, user.username), key=lambda g: g.name)
    groups = [g for g in groups if after is None or g.name > after][: limit + 1]
    return pagination.page(groups, limit, lambda g: g.name, "Groups", "NextToken", group_type)


def list_users_in_group(rt: Runtime, body: Mapping[str, Any]) -> dict[str, Any]:
    limit = pagination.page_limit(body.get("Limit"), 60, 60)
    with rt.store.read() as tx:
        get_pool(tx, body["UserPoolId"])
        _get(tx, body["UserPoolId"], body["GroupName"])
        users = tx.list_members(body["UserPoolId"], body["GroupName"], limit + 1,
                                pagination.decode(body.get("NextToken")))
    return pagination.page(users, limit, lambda u: u.username, "Users", "NextToken", user_type)
