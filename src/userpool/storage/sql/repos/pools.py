"""PoolRepo and ClientRepo: user pools and their app clients (secrets sealed at rest)."""

from __future__ import annotations

import dataclasses
from collections import namedtuple
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, select, update

from userpool.model.entities import AppClient, SchemaAttribute, UserPool
from userpool.model.errors import StoreConflict
from userpool.storage.sql.repos.base import Prepared, TxBase, dump_json, load_json
from userpool.storage.sql.schema import POOL_TABLES_CHILD_FIRST, clients, pools, refresh_tokens

_POOL_ROW: Any = namedtuple("_POOL_ROW", [column.name for column in pools.columns])  # type: ignore[misc]
_CLIENT_ROW: Any = namedtuple("_CLIENT_ROW", [column.name for column in clients.columns])  # type: ignore[misc]
_GET_POOL = Prepared(select(pools).where(pools.c.id == bindparam("id")))
_GET_CLIENT = Prepared(select(clients).where(clients.c.client_id == bindparam("client_id")))
_GET_CLIENT_WITH_POOL = Prepared(
    select(*clients.columns, *(column.label(f"pool__{column.name}") for column in pools.columns))
    .join_from(clients, pools, pools.c.id == clients.c.pool_id)
    .where(clients.c.client_id == bindparam("client_id"))
)
_CLIENT_WIDTH = len(clients.columns)


class PoolRepoMixin(TxBase):
    """User pools: config and schema as JSON; ``delete_pool`` removes everything in the pool."""

    def insert_pool(self, pool: UserPool) -> None:
        if not self._insert_ignore(pools, _pool_row(pool)):
            raise StoreConflict("pool")

    def get_pool(self, pool_id: str) -> UserPool | None:
        row = self._first(_GET_POOL, {"id": pool_id})
        return None if row is None else _pool_from(row)

    def update_pool(self, pool: UserPool) -> None:
        values = _pool_row(pool)
        del values["id"]
        self._conn.execute(update(pools).where(pools.c.id == pool.id).values(values))

    def delete_pool(self, pool_id: str) -> None:
        # Explicit deletes, children first: no reliance on ON DELETE CASCADE.
        for table in POOL_TABLES_CHILD_FIRST:
            self._conn.execute(delete(table).where(table.c.pool_id == pool_id))
        self._conn.execute(delete(pools).where(pools.c.id == pool_id))

    def list_pools(self, limit: int, after: str | None = None) -> list[UserPool]:
        query = select(pools).order_by(pools.c.id).limit(limit)
        if after is not None:
            query = query.where(pools.c.id > after)
        return [_pool_from(row) for row in self._conn.execute(query)]


class ClientRepoMixin(TxBase):
    """App clients; ``secret`` is sealed with the store's SecretBox."""

    def insert_client(self, client: AppClient) -> None:
        if not self._insert_ignore(clients, self._client_row(client)):
            raise StoreConflict("client")

    def get_client(self, client_id: str) -> AppClient | None:
        row = self._first(_GET_CLIENT, {"client_id": client_id})
        return None if row is None else self._client_from(row)

    def get_client_with_pool(self, client_id: str) -> tuple[AppClient, UserPool] | None:
        """The client and its pool in one statement (every sign-in request starts with both)."""
        row = self._first(_GET_CLIENT_WITH_POOL, {"client_id": client_id})
        if row is None:
            return None
        values = tuple(row)
        return self._client_from(values[:_CLIENT_WIDTH]), _pool_from_values(values[_CLIENT_WIDTH:])

    def update_client(self, client: AppClient) -> None:
        values = self._client_row(client)
        del values["client_id"], values["pool_id"]
        self._conn.execute(
            update(clients)
            .where(clients.c.client_id == client.client_id, clients.c.pool_id == client.pool_id)
            .values(values)
        )

    def delete_client(self, pool_id: str, client_id: str) -> None:
        """Deletes the client and its refresh tokens: their families are gone, so access tokens
        carrying their ``origin_jti`` count as revoked too (``is_family_revoked``)."""
        self._conn.execute(delete(clients).where(clients.c.client_id == client_id, clients.c.pool_id == pool_id))
        self._conn.execute(
            delete(refresh_tokens).where(refresh_tokens.c.pool_id == pool_id, refresh_tokens.c.client_id == client_id)
        )

    def list_clients(self, pool_id: str, limit: int, after: str | None = None) -> list[AppClient]:
        query = select(clients).where(clients.c.pool_id == pool_id).order_by(clients.c.client_id).limit(limit)
        if after is not None:
            query = query.where(clients.c.client_id > after)
        return [self._client_from(row) for row in self._conn.execute(query)]

    def _client_row(self, client: AppClient) -> dict[str, Any]:
        return {
            "client_id": client.client_id,
            "pool_id": client.pool_id,
            "name": client.name,
            "secret": None if client.secret is None else self._box.seal(client.secret.encode()),
            "config": dump_json(dict(client.config)),
            "created": client.created,
            "last_modified": client.last_modified,
        }

    def _client_from(self, row: Any) -> AppClient:
        return _client_from(self._box, tuple(row))  # type: ignore[arg-type]  # boxes hash by identity


# Every request reads its pool and client; parsing their JSON (and opening a sealed client
# secret) costs more than reading them. Rows are immutable values, so the entity parsed from a
# row is reused for an identical row: any change to the pool or client changes the row, and a
# changed row simply misses. Entities are frozen and typed read-only (``config`` is a
# ``Mapping``: mypy refuses writes to it), so sharing one between requests is safe. A parsed
# pool with its schema is some tens of KiB: the sizes bound each worker's memory, and a server
# with more pools or clients than this in steady use parses the rest, as it did before.
_POOLS_CACHED = 256
_CLIENTS_CACHED = 1024


@lru_cache(maxsize=_CLIENTS_CACHED)
def _client_from(box: Any, values: tuple[Any, ...]) -> AppClient:
    row: Any = _CLIENT_ROW._make(values)
    return AppClient(
        pool_id=row.pool_id,
        client_id=row.client_id,
        name=row.name,
        created=row.created,
        last_modified=row.last_modified,
        secret=None if row.secret is None else box.open(bytes(row.secret)).decode(),
        config=load_json(row.config),
    )


def _pool_row(pool: UserPool) -> dict[str, Any]:
    return {
        "id": pool.id,
        "name": pool.name,
        "created": pool.created,
        "last_modified": pool.last_modified,
        "config": dump_json(dict(pool.config)),
        "schema": dump_json([dataclasses.asdict(attribute) for attribute in pool.schema]),
    }


def _pool_from(row: Any) -> UserPool:
    return _pool_from_values(tuple(row))


@lru_cache(maxsize=_POOLS_CACHED)
def _pool_from_values(values: tuple[Any, ...]) -> UserPool:
    row: Any = _POOL_ROW._make(values)
    return UserPool(
        id=row.id,
        name=row.name,
        created=row.created,
        last_modified=row.last_modified,
        config=load_json(row.config),
        schema=tuple(SchemaAttribute(**attribute) for attribute in load_json(row.schema)),
    )
