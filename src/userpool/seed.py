"""Declarative seed files (``userpool serve --seed FILE``) and ``userpool export`` (issue 15).

A seed file (JSON, or YAML when it ends in .yaml / .yml) lists pools in Cognito's own shapes::

    pools:
      - Id: us-east-1_Example01          # optional: a fixed ID (the server's region)
        PoolName: app                    # CreateUserPool's members, as the API takes them
        AutoVerifiedAttributes: [email]
        clients:                         # CreateUserPoolClient's members, + optional ClientId / ClientSecret
          - ClientName: web
            ClientId: 4example4client4id4fixed4  # optional: fixed
            ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
        groups:                          # CreateGroup's members
          - GroupName: admins
            Precedence: 1
        users:
          - Username: alice
            Attributes: {email: alice@example.com, email_verified: "true"}   # or Name/Value pairs
            Password: Correct-Horse-9    # permanent; or TemporaryPassword (FORCE_CHANGE_PASSWORD)
            Groups: [admins]
            Enabled: true

Every entry is checked by the rules the API applies — botocore's model for the request shapes
(``wire.validation``) and the directory's own checks (pool settings, client settings, attribute
rules, password policy) — before anything is written. Then everything is written in **one
transaction**: a file with any wrong entry changes nothing, and the error names the entry
(``pools[0].users[3] (alice): InvalidPasswordException: ...``).

**Idempotent**: an entry whose pool ID, client ID, group name or username exists already is left
as it is (the file only creates what is missing; it never changes or deletes), so starting again
with the same file changes nothing. Pools and clients without fixed IDs are matched by name
(a pool by PoolName, a client by ClientName in its pool) for the same reason. A user's password
in the file is applied only when the user is created. A user with neither Password nor
TemporaryPassword is created RESET_REQUIRED (as Cognito's user import makes users): an
administrator sets a password, or the user resets it.

``export`` writes the pools, clients, groups and users of a store in the same format (client
secrets only when asked; passwords never exist in clear, so users come out without one).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from userpool.directory import attributes, clients, pools, usernames
from userpool.directory.ids import new_client_id, new_pool_id
from userpool.directory.passwords import check_policy, make_credential
from userpool.directory.runtime import Runtime
from userpool.directory.users import sign_in_name
from userpool.model.entities import AppClient, Group, User, UserPool, UserStatus
from userpool.model.errors import CognitoError, StoreConflict
from userpool.model.ports import Tx
from userpool.wire import validation

_POOL_ID = re.compile(r"^[\w-]+_[0-9a-zA-Z]+$")
_CLIENT_ID = re.compile(r"^[\w+]{1,128}$")
#: What a pool entry may hold besides CreateUserPool's members.
_POOL_EXTRA = {"Id", "clients", "groups", "users"}
_CLIENT_EXTRA = {"ClientId"}
_USER_KEYS = {"Username", "Attributes", "Password", "TemporaryPassword", "Groups", "Enabled"}

Progress = Callable[[str, int, int], None]


class SeedError(ValueError):
    """A seed file that cannot be applied: ``where`` names the entry, the message says why."""


@dataclass
class Applied:
    """What applying a seed file created (entries found existing are not counted)."""

    pools: int = 0
    clients: int = 0
    groups: int = 0
    users: int = 0


def load(path: str | Path) -> dict[str, Any]:
    """A seed file's document (JSON, or YAML for .yaml / .yml)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        if str(path).endswith((".yaml", ".yml")):
            import yaml

            document = yaml.safe_load(text)
        else:
            document = json.loads(text)
    except Exception as error:
        raise SeedError(f"{path}: not valid {'YAML' if str(path).endswith(('.yaml', '.yml')) else 'JSON'}: "
                        f"{error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("pools", []), list):
        raise SeedError(f"{path}: the document must be an object with a list 'pools'")
    return document


def apply(rt: Runtime, document: Mapping[str, Any], progress: Progress | None = None) -> Applied:
    """Creates what the document lists and the store lacks, all in one transaction, or nothing."""
    applied = Applied()
    total_users = sum(len(p.get("users") or []) for p in document.get("pools") or [] if isinstance(p, dict))
    done_users = 0
    now = rt.clock.now()
    with rt.store.transaction() as tx:
        for i, entry in enumerate(document.get("pools") or []):
            where = f"pools[{i}]"
            pool = _pool(rt, tx, entry, where, now, applied)
            _no_twins(entry, where)
            for j, client in enumerate(entry.get("clients") or []):
                _client(rt, tx, pool, client, f"{where}.clients[{j}]", now, applied)
            for j, group in enumerate(entry.get("groups") or []):
                _group(tx, pool, group, f"{where}.groups[{j}]", now, applied)
            for j, user in enumerate(entry.get("users") or []):
                _user(rt, tx, pool, user, f"{where}.users[{j}]", now, applied)
                done_users += 1
                if progress is not None:
                    progress("users", done_users, total_users)
    return applied


def _no_twins(entry: Mapping[str, Any], where: str) -> None:
    """A file that lists one client, group or user twice in a pool is a mistake, not a repeat."""
    for kind, key in (("clients", "ClientName"), ("groups", "GroupName"), ("users", "Username")):
        seen: set[str] = set()
        for j, item in enumerate(entry.get(kind) or []):
            name = str(item.get(key, "")) if isinstance(item, dict) else ""
            if name and name in seen:
                raise SeedError(f"{where}.{kind}[{j}] ({name}): listed twice in the pool")
            seen.add(name)


def _fail(where: str, error: Exception) -> SeedError:
    if isinstance(error, CognitoError):
        return SeedError(f"{where}: {error.code}: {error.message}")
    return SeedError(f"{where}: {error}")


def _checked(operation: str, body: dict[str, Any], where: str) -> None:
    try:
        validation.validate_input(operation, body)
    except CognitoError as error:
        raise _fail(where, error) from None


def _pool(rt: Runtime, tx: Tx, entry: Any, where: str, now: float, applied: Applied) -> UserPool:
    if not isinstance(entry, dict):
        raise SeedError(f"{where}: a pool entry must be an object")
    where = f"{where} ({entry.get('PoolName', '?')})"
    body = {k: v for k, v in entry.items() if k not in _POOL_EXTRA}
    _checked("CreateUserPool", body, where)
    fixed = entry.get("Id")
    if fixed is not None and (not isinstance(fixed, str) or not _POOL_ID.match(fixed)
                              or fixed.split("_")[0] != rt.region):
        raise SeedError(f"{where}: Id must be '{rt.region}_' followed by letters and digits, got {fixed!r}")
    existing = tx.get_pool(fixed) if fixed else next(
        (p for p in tx.list_pools(1000) if p.name == body["PoolName"]), None)
    if existing is not None:
        return existing
    try:
        pool = pools.new_pool(rt, body, fixed or new_pool_id(rt.random, rt.region), now)
        pools.insert_pool(tx, pool)
    except (CognitoError, StoreConflict) as error:
        raise _fail(where, error) from None
    applied.pools += 1
    return pool


def _client(rt: Runtime, tx: Tx, pool: UserPool, entry: Any, where: str, now: float, applied: Applied) -> None:
    if not isinstance(entry, dict):
        raise SeedError(f"{where}: a client entry must be an object")
    where = f"{where} ({entry.get('ClientName', '?')})"
    body = {k: v for k, v in entry.items() if k not in _CLIENT_EXTRA and k != "ClientSecret"}
    body["UserPoolId"] = pool.id
    _checked("CreateUserPoolClient", body, where)
    fixed, secret = entry.get("ClientId"), entry.get("ClientSecret")
    if fixed is not None and (not isinstance(fixed, str) or not _CLIENT_ID.match(fixed)):
        raise SeedError(f"{where}: ClientId must be 1-128 letters, digits, '_' or '+', got {fixed!r}")
    if secret is not None and (not isinstance(secret, str) or not 1 <= len(secret) <= 64):
        raise SeedError(f"{where}: ClientSecret must be a string of 1 to 64 characters")
    if fixed is not None:
        found = tx.get_client(fixed)
        if found is not None:
            if found.pool_id != pool.id:
                raise SeedError(f"{where}: ClientId {fixed} belongs to another pool")
            return
    elif any(c.name == body["ClientName"] for c in tx.list_clients(pool.id, 1000)):
        return
    if secret is None and body.get("GenerateSecret"):
        from userpool.directory.ids import new_client_secret

        secret = new_client_secret(rt.random)
    try:
        tx.insert_client(clients.new_client(pool, body, fixed or new_client_id(rt.random), secret, now))
    except (CognitoError, StoreConflict) as error:
        raise _fail(where, error) from None
    applied.clients += 1


def _group(tx: Tx, pool: UserPool, entry: Any, where: str, now: float, applied: Applied) -> None:
    if not isinstance(entry, dict):
        raise SeedError(f"{where}: a group entry must be an object")
    where = f"{where} ({entry.get('GroupName', '?')})"
    _checked("CreateGroup", {**entry, "UserPoolId": pool.id}, where)
    if tx.get_group(pool.id, entry["GroupName"]) is not None:
        return
    tx.insert_group(Group(pool.id, entry["GroupName"], now, now, entry.get("Description"), entry.get("RoleArn"),
                          entry.get("Precedence")))
    applied.groups += 1


def _user(rt: Runtime, tx: Tx, pool: UserPool, entry: Any, where: str, now: float, applied: Applied) -> None:
    if not isinstance(entry, dict):
        raise SeedError(f"{where}: a user entry must be an object")
    where = f"{where} ({entry.get('Username', '?')})"
    unknown = set(entry) - _USER_KEYS
    if unknown:
        raise SeedError(f"{where}: unknown member(s) {', '.join(sorted(unknown))}; allowed: "
                        f"{', '.join(sorted(_USER_KEYS))}")
    typed = entry.get("Username")
    if not isinstance(typed, str) or not typed:
        raise SeedError(f"{where}: Username is required")
    raw = entry.get("Attributes") or {}
    listed = raw if isinstance(raw, list) else [{"Name": k, "Value": v} for k, v in raw.items()]
    _checked("AdminCreateUser", {"UserPoolId": pool.id, "Username": typed, "UserAttributes": listed}, where)
    if usernames.resolve(tx, pool, typed) is not None:
        return
    try:
        attrs = attributes.check_writes(pool, attributes.to_map(listed), creating=True, admin=True)
        username = sign_in_name(pool, typed, attrs, rt)
        attrs.setdefault("sub", str(_uuid(rt)))
        password, temporary = entry.get("Password"), entry.get("TemporaryPassword")
        status = UserStatus.RESET_REQUIRED
        user = User(pool.id, username, attrs, status, entry.get("Enabled", True) is not False, now, now)
        if password or temporary:
            check_policy(pool.password_policy, str(password or temporary))
            user = replace(user, status=UserStatus.CONFIRMED if password else UserStatus.FORCE_CHANGE_PASSWORD,
                           password=make_credential(pool, username, str(password or temporary), rt.random, now,
                                                    temporary=not password))
        tx.insert_user(user)
    except StoreConflict:
        raise SeedError(f"{where}: a user with this sign-in name exists already") from None
    except CognitoError as error:
        raise _fail(where, error) from None
    for name in entry.get("Groups") or []:
        if tx.get_group(pool.id, str(name)) is None:
            raise SeedError(f"{where}: no group {name!r} in the pool (list it under groups)")
        tx.add_member(pool.id, str(name), username, now)
    applied.users += 1


def _uuid(rt: Runtime) -> str:
    from userpool.directory.ids import new_uuid

    return new_uuid(rt.random)


# --- export ---------------------------------------------------------------------------------


def export(rt: Runtime, *, with_secrets: bool = False) -> dict[str, Any]:
    """Every pool, client, group and user in the seed format."""
    out: list[dict[str, Any]] = []
    with rt.store.read() as tx:
        for pool in tx.list_pools(100_000):
            entry: dict[str, Any] = {"Id": pool.id, "PoolName": pool.name, **_pool_settings(pool)}
            found_clients = tx.list_clients(pool.id, 100_000)
            if found_clients:
                entry["clients"] = [_client_entry(c, with_secrets) for c in found_clients]
            found_groups = tx.list_groups(pool.id, 100_000)
            if found_groups:
                entry["groups"] = [_group_entry(g) for g in found_groups]
            found_users = tx.list_users(pool.id, 1_000_000)
            if found_users:
                entry["users"] = [_user_entry(tx, u) for u in found_users]
            out.append(entry)
    return {"pools": out}


def _pool_settings(pool: UserPool) -> dict[str, Any]:
    """The pool's CreateUserPool settings (the MFA-only ones, set by SetUserPoolMfaConfig, are not
    CreateUserPool members and are left out)."""
    from userpool.directory import pool_mfa

    settings: dict[str, Any] = json.loads(json.dumps({k: v for k, v in pool.config.items()
                                                      if k not in pool_mfa.MFA_ONLY}))
    custom = [schema_entry for schema_entry in pool.schema if schema_entry.name.startswith(("custom:", "dev:"))]
    if custom:
        from userpool.directory import schema

        settings["Schema"] = [_schema_input(schema.to_wire(a)) for a in custom]
    return settings


def _schema_input(wire: dict[str, Any]) -> dict[str, Any]:
    """A SchemaAttributes entry as CreateUserPool's Schema takes it (without the prefix)."""
    entry = dict(wire)
    entry["Name"] = str(entry["Name"]).split(":", 1)[-1] if str(entry["Name"]).startswith("custom:") else entry["Name"]
    return entry


def _client_entry(client: AppClient, with_secrets: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"ClientName": client.name, "ClientId": client.client_id, **dict(client.config)}
    if with_secrets and client.secret is not None:
        entry["ClientSecret"] = client.secret
    return entry


def _group_entry(group: Group) -> dict[str, Any]:
    entry: dict[str, Any] = {"GroupName": group.name}
    for key, value in (("Description", group.description), ("RoleArn", group.role_arn),
                       ("Precedence", group.precedence)):
        if value is not None:
            entry[key] = value
    return entry


def _user_entry(tx: Tx, user: User) -> dict[str, Any]:
    entry: dict[str, Any] = {"Username": user.username,
                             "Attributes": {k: v for k, v in user.attributes.items() if k != "sub"}}
    if not user.enabled:
        entry["Enabled"] = False
    groups = [g.name for g in tx.groups_of(user.pool_id, user.username)]
    if groups:
        entry["Groups"] = groups
    return entry


def dump(document: Mapping[str, Any], fmt: str) -> str:
    if fmt == "yaml":
        import yaml

        return str(yaml.safe_dump(dict(document), sort_keys=False, allow_unicode=True))
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def terminal_progress(stream: Any = None) -> Progress:
    """Progress lines on a terminal ("seeding users 1200/5000"), every 1 % and at the end."""
    out = stream or sys.stderr

    def report(what: str, done: int, total: int) -> None:
        step = max(1, total // 100)
        if done == total or done % step == 0:
            print(f"\rseeding {what} {done}/{total}", end="\n" if done == total else "", file=out, flush=True)

    return report
