"""GroupRepo: groups and memberships."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, delete, select, update

from userpool.model.entities import Group, User
from userpool.model.errors import StoreConflict
from userpool.storage.sql.repos.base import Prepared, TxBase
from userpool.storage.sql.repos.users import user_from
from userpool.storage.sql.schema import groups, memberships, users

# Cognito's order for cognito:groups: by precedence (groups without one last), then name.
_GROUPS_OF = Prepared(
    select(groups)
    .join(memberships, and_(memberships.c.pool_id == groups.c.pool_id, memberships.c.group_name == groups.c.name))
    .where(memberships.c.pool_id == bindparam("pool_id"), memberships.c.username == bindparam("username"))
    .order_by(groups.c.precedence.is_(None), groups.c.precedence, groups.c.name)
)


class GroupRepoMixin(TxBase):
    """Groups of a pool and which users belong to them."""

    def insert_group(self, group: Group) -> None:
        if not self._insert_ignore(groups, _group_row(group)):
            raise StoreConflict("group")

    def get_group(self, pool_id: str, name: str) -> Group | None:
        query = select(groups).where(groups.c.pool_id == pool_id, groups.c.name == name)
        row = self._conn.execute(query).first()
        return None if row is None else _group_from(row)

    def update_group(self, group: Group) -> None:
        values = _group_row(group)
        del values["pool_id"], values["name"]
        self._conn.execute(
            update(groups).where(groups.c.pool_id == group.pool_id, groups.c.name == group.name).values(values)
        )

    def delete_group(self, pool_id: str, name: str) -> None:
        self._conn.execute(
            delete(memberships).where(memberships.c.pool_id == pool_id, memberships.c.group_name == name)
        )
        self._conn.execute(delete(groups).where(groups.c.pool_id == pool_id, groups.c.name == name))

    def list_groups(self, pool_id: str, limit: int, after: str | None = None) -> list[Group]:
        query = select(groups).where(groups.c.pool_id == pool_id).order_by(groups.c.name).limit(limit)
        if after is not None:
            query = query.where(groups.c.name > after)
        return [_group_from(row) for row in self._conn.execute(query)]

    def add_member(self, pool_id: str, group_name: str, username: str, now: float) -> None:
        self._insert_ignore(
            memberships, {"pool_id": pool_id, "group_name": group_name, "username": username, "created": now}
        )

    def remove_member(self, pool_id: str, group_name: str, username: str) -> None:
        self._conn.execute(
            delete(memberships).where(
                memberships.c.pool_id == pool_id,
                memberships.c.group_name == group_name,
                memberships.c.username == username,
            )
        )

    def groups_of(self, pool_id: str, username: str) -> list[Group]:
        return [_group_from(row) for row in self._rows(_GROUPS_OF, {"pool_id": pool_id, "username": username})]

    def list_members(self, pool_id: str, group_name: str, limit: int, after: str | None = None) -> list[User]:
        query = (
            select(users)
            .join(
                memberships,
                and_(memberships.c.pool_id == users.c.pool_id, memberships.c.username == users.c.username),
            )
            .where(memberships.c.pool_id == pool_id, memberships.c.group_name == group_name)
            .order_by(memberships.c.username)
            .limit(limit)
        )
        if after is not None:
            query = query.where(memberships.c.username > after)
        return [user_from(row, self._box) for row in self._conn.execute(query)]


def _group_row(group: Group) -> dict[str, Any]:
    return {
        "pool_id": group.pool_id,
        "name": group.name,
        "description": group.description,
        "role_arn": group.role_arn,
        "precedence": group.precedence,
        "created": group.created,
        "last_modified": group.last_modified,
    }


def _group_from(row: Any) -> Group:
    return Group(
        pool_id=row.pool_id,
        name=row.name,
        created=row.created,
        last_modified=row.last_modified,
        description=row.description,
        role_arn=row.role_arn,
        precedence=row.precedence,
    )
