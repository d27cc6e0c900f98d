"""A seed file read and checked as far as it can be without a database.

Every entry is checked against botocore's model through ``wire.validation``, the API's own
request check (CreateUserPool, SetUserPoolMfaConfig, CreateUserPoolClient, CreateGroup,
AdminCreateUser, AdminSetUserPassword, AdminSetUserMFAPreference): a broken entry gets the
Cognito error the API would answer. Unlike the API, which drops members the model does not
define, a seed file naming one is refused: in a file it is a typo that would silently change
nothing. Fixed IDs follow the model's patterns (the ones Cognito's clients check); a pool's is
this server's region, one underscore, letters and digits (``directory/ids.py`` makes 9).
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from userpool.directory import clients
from userpool.model.errors import CognitoError
from userpool.wire import validation

FORMAT_VERSION = 1
TOP_LEVEL = ("Version", "Comment", "pools")
POOL_EXTRA = ("Id", "MfaConfig", "clients", "groups", "users")
USER_MEMBERS = ("Username", "Sub", "Attributes", "Password", "TemporaryPassword", "Enabled", "Groups",
                "MfaPreference")
#: Stands in for the pool's ID where an operation's shape needs one (only its pattern is checked).
_ANY_POOL = "us-east-1_seedcheck"
_POOL_SUFFIX = re.compile(r"^[0-9A-Za-z]+$")
_SUB = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class SeedError(ValueError):
    """A seed file that cannot be applied: the message starts with the entry at fault
    (``pools[0].users[3] (Username "alice")``) and says why."""


@dataclass(frozen=True)
class ClientEntry:
    where: str
    body: dict[str, Any]  # CreateUserPoolClient's members (ClientSecret / GenerateSecret included), no UserPoolId
    fixed_id: str | None


@dataclass(frozen=True)
class GroupEntry:
    where: str
    body: dict[str, Any]  # CreateGroup's members, no UserPoolId


@dataclass(frozen=True)
class UserEntry:
    where: str
    username: str
    attributes: tuple[tuple[str, str], ...]
    password: str | None
    temporary: bool  # the password is a TemporaryPassword (FORCE_CHANGE_PASSWORD)
    enabled: bool
    groups: tuple[str, ...]
    sub: str | None
    mfa: dict[str, Any] | None  # AdminSetUserMFAPreference's settings members


@dataclass(frozen=True)
class PoolEntry:
    where: str
    body: dict[str, Any]  # CreateUserPool's members
    fixed_id: str | None
    mfa_config: dict[str, Any] | None  # SetUserPoolMfaConfig's members, no UserPoolId
    clients: tuple[ClientEntry, ...]
    groups: tuple[GroupEntry, ...]
    users: tuple[UserEntry, ...]


@dataclass(frozen=True)
class Document:
    pools: tuple[PoolEntry, ...]

    @property
    def user_count(self) -> int:
        return sum(len(pool.users) for pool in self.pools)


# --- reading ---------------------------------------------------------------------------------


def load(path: str | Path) -> Any:
    """A seed file's document: YAML for .yaml / .yml, else JSON. A member given twice in one
    object is refused (both parsers would silently keep the last); ``parse`` checks the rest."""
    name = str(path)
    text = Path(path).read_text(encoding="utf-8")
    if name.endswith((".yaml", ".yml")):
        document = _yaml(text, name)
    else:
        try:
            document = json.loads(text, object_pairs_hook=_unique_members, parse_constant=_no_constant)
        except (ValueError, SeedError) as error:
            raise SeedError(f"{name}: not valid JSON: {error}") from None
    return document


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise SeedError(f"member {key!r} given twice in one object")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise SeedError(f"{name} is not a JSON value")


def _yaml(text: str, name: str) -> Any:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if key in seen:
                    raise yaml.MarkedYAMLError("while reading a mapping", node.start_mark,
                                               f"member {key!r} given twice", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        # Line and column only: PyYAML's own text may quote the line, and the line may hold a password.
        mark = error.problem_mark or error.context_mark
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise SeedError(f"{name}: not valid YAML: {at}{error.problem or error.context}") from None
    except yaml.YAMLError:
        raise SeedError(f"{name}: not valid YAML") from None


# --- checking --------------------------------------------------------------------------------


def parse(raw: Any, region: str) -> Document:
    """The document's entries, each checked as the API would check it; SeedError names the first
    entry at fault."""
    if not isinstance(raw, dict):
        raise SeedError("the document must be an object with a list 'pools'")
    raw = _without_nulls(raw)
    unknown = sorted(set(raw) - set(TOP_LEVEL))
    if unknown:
        raise SeedError(f"unknown top-level member(s) {', '.join(unknown)}; allowed: {', '.join(TOP_LEVEL)}")
    version = raw.get("Version", FORMAT_VERSION)
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise SeedError(f"Version must be {FORMAT_VERSION} (this server's seed format), got {version!r}")
    entries = _list(raw.get("pools"), "pools")
    pools = tuple(_pool(item, f"pools[{i}]", region) for i, item in enumerate(entries))
    _no_twins(pools)
    return Document(pools)


def _without_nulls(value: Any) -> Any:
    """Members whose value is null are absent, as in a request (``wire.protocol``); null list
    elements stay and are refused where they are not allowed."""
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SeedError(f"{where}: must be a list")
    return value


def _object(value: Any, where: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SeedError(f"{where}: {what} must be an object")
    return value


def _label(where: str, item: Mapping[str, Any], key: str) -> str:
    name = item.get(key)
    return f"{where} ({key} {json.dumps(name, ensure_ascii=False)})" if isinstance(name, str) else where


def _checked(operation: str, body: dict[str, Any], where: str) -> None:
    """``body`` as ``operation`` takes it: the API's validation, and no member it does not define."""
    checked = copy.deepcopy(body)
    refusal: CognitoError | None = None
    try:
        validation.validate_input(operation, checked)
    except CognitoError as error:
        refusal = error
    dropped = list(_dropped(body, checked, ""))
    if dropped:  # first: a misspelt member explains a "must not be null" of the real one
        raise SeedError(f"{where}: unknown member(s) {', '.join(dropped)} ({operation} has no such member)")
    if refusal is not None:
        raise failure(where, refusal)


def _dropped(before: Any, after: Any, path: str) -> Iterator[str]:
    """The members validation removed (those the model does not define), as dotted paths."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key, value in before.items():
            where = f"{path}.{key}" if path else str(key)
            if key not in after:
                yield where
            else:
                yield from _dropped(value, after[key], where)
    elif isinstance(before, list) and isinstance(after, list):
        for index, (old, new) in enumerate(zip(before, after, strict=False)):
            yield from _dropped(old, new, f"{path}[{index}]")


def failure(where: str, error: Exception) -> SeedError:
    """``error`` as a SeedError naming the entry; a Cognito error keeps its code and message."""
    if isinstance(error, CognitoError):
        return SeedError(f"{where}: {error.code}: {error.message}")
    return SeedError(f"{where}: {error}")


def _pool(item: Any, where: str, region: str) -> PoolEntry:
    item = _object(item, where, "a pool entry")
    path, where = where, _label(where, item, "PoolName")
    body = {key: value for key, value in item.items() if key not in POOL_EXTRA}
    _checked("CreateUserPool", body, where)
    fixed = item.get("Id")
    if fixed is not None:
        _checked("DescribeUserPool", {"UserPoolId": fixed}, f"{where} Id")
        if not (fixed.startswith(f"{region}_") and _POOL_SUFFIX.match(fixed[len(region) + 1:])):
            raise SeedError(f"{where}: Id must be '{region}_' (this server's region) followed by letters and digits "
                            f"(Cognito makes 9), got {fixed!r}")
    mfa_config = item.get("MfaConfig")
    if mfa_config is not None:
        mfa_config = dict(_object(mfa_config, f"{path}.MfaConfig", "MfaConfig"))
        _checked("SetUserPoolMfaConfig", {**mfa_config, "UserPoolId": fixed or _ANY_POOL}, f"{path}.MfaConfig")
        mfa_config.pop("UserPoolId", None)
        if "MfaConfiguration" in body:
            raise SeedError(f"{where}: MfaConfiguration is given in the pool and in MfaConfig: give it once, in "
                            "MfaConfig (the pool is created with MFA off, then MfaConfig is applied)")
    listed = {kind: _list(item.get(kind), f"{path}.{kind}") for kind in ("clients", "groups", "users")}
    return PoolEntry(
        where, body, fixed, mfa_config,
        tuple(_client(c, f"{path}.clients[{j}]") for j, c in enumerate(listed["clients"])),
        tuple(_group(g, f"{path}.groups[{j}]") for j, g in enumerate(listed["groups"])),
        tuple(_user(u, f"{path}.users[{j}]") for j, u in enumerate(listed["users"])),
    )


def _client(item: Any, where: str) -> ClientEntry:
    item = _object(item, where, "a client entry")
    where = _label(where, item, "ClientName")
    if "UserPoolId" in item:
        raise SeedError(f"{where}: UserPoolId comes from the pool the client is listed in")
    body = {key: value for key, value in item.items() if key != "ClientId"}
    _checked("CreateUserPoolClient", {**body, "UserPoolId": _ANY_POOL}, where)
    fixed = item.get("ClientId")
    if fixed is not None:
        _checked("DescribeUserPoolClient", {"UserPoolId": _ANY_POOL, "ClientId": fixed}, f"{where} ClientId")
    try:
        clients.check_secret_request(body)
    except CognitoError as error:
        raise failure(where, error) from None
    return ClientEntry(where, body, fixed)


def _group(item: Any, where: str) -> GroupEntry:
    item = _object(item, where, "a group entry")
    where = _label(where, item, "GroupName")
    if "UserPoolId" in item:
        raise SeedError(f"{where}: UserPoolId comes from the pool the group is listed in")
    _checked("CreateGroup", {**item, "UserPoolId": _ANY_POOL}, where)
    return GroupEntry(where, dict(item))


def _user(item: Any, where: str) -> UserEntry:
    item = _object(item, where, "a user entry")
    path, where = where, _label(where, item, "Username")
    unknown = sorted(set(item) - set(USER_MEMBERS))
    if unknown:
        raise SeedError(f"{where}: unknown member(s) {', '.join(unknown)}; allowed: {', '.join(USER_MEMBERS)}")
    username = item.get("Username")
    if not isinstance(username, str):
        raise SeedError(f"{where}: Username is required (a string)")
    attributes = _attributes(item.get("Attributes"), where)
    password, temporary = item.get("Password"), item.get("TemporaryPassword")
    if password is not None and temporary is not None:
        raise SeedError(f"{where}: give Password (permanent) or TemporaryPassword, not both")
    request: dict[str, Any] = {"UserPoolId": _ANY_POOL, "Username": username,
                               "UserAttributes": [{"Name": n, "Value": v} for n, v in attributes]}
    if temporary is not None:
        request["TemporaryPassword"] = temporary
    _checked("AdminCreateUser", request, where)
    if password is not None:
        _checked("AdminSetUserPassword", {"UserPoolId": _ANY_POOL, "Username": username, "Password": password,
                                          "Permanent": True}, where)
    enabled = item.get("Enabled", True)
    if not isinstance(enabled, bool):
        raise SeedError(f"{where}: Enabled must be true or false, got {enabled!r}")
    groups = _list(item.get("Groups"), f"{path}.Groups")
    for name in groups:
        _checked("AdminAddUserToGroup", {"UserPoolId": _ANY_POOL, "Username": username, "GroupName": name}, where)
    sub = item.get("Sub")
    if sub is not None and not (isinstance(sub, str) and _SUB.match(sub)):
        raise SeedError(f"{where}: Sub must be a UUID in lower case (as Cognito makes subs), got {sub!r}")
    mfa = item.get("MfaPreference")
    if mfa is not None:
        mfa = dict(_object(mfa, f"{path}.MfaPreference", "MfaPreference"))
        _checked("AdminSetUserMFAPreference", {**mfa, "UserPoolId": _ANY_POOL, "Username": username},
                 f"{path}.MfaPreference")
    secret = password if password is not None else temporary
    return UserEntry(where, username, attributes, secret, temporary is not None, enabled, tuple(groups), sub, mfa)


def _attributes(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    """Attributes as a mapping or as Cognito's ``[{Name, Value}]``. Values are strings, as in
    Cognito; a YAML / JSON boolean, number or date is written as the string Cognito would hold
    (``true``, ``42``, ``1990-01-31``)."""
    if raw is None:
        return ()
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list):
        pairs = []
        for index, item in enumerate(raw):
            if not isinstance(item, dict) or set(item) - {"Name", "Value"} or "Name" not in item:
                raise SeedError(f"{where}: Attributes[{index}] must be {{Name, Value}}")
            pairs.append((item["Name"], item.get("Value", "")))
    else:
        raise SeedError(f"{where}: Attributes must be a mapping of names to values or a list of {{Name, Value}}")
    out: list[tuple[str, str]] = []
    for name, value in pairs:
        if name == "sub":
            raise SeedError(f"{where}: sub cannot be written as an attribute; give a fixed sub as Sub")
        out.append((str(name), _text(value, f"{where}: attribute {name}")))
    return tuple(out)


def _text(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise SeedError(f"{where}: the value must be a string, got {type(value).__name__}")


def _no_twins(pools: tuple[PoolEntry, ...]) -> None:
    """An entry listed twice is a mistake in the file, not a repeat: refused, naming both."""
    seen: dict[tuple[str, ...], str] = {}

    def once(key: tuple[str, ...], where: str, what: str) -> None:
        earlier = seen.setdefault(key, where)
        if earlier != where:
            raise SeedError(f"{where}: the same {what} as {earlier}")

    for pool in pools:
        if pool.fixed_id:
            once(("pool-id", pool.fixed_id), pool.where, "Id")
        else:
            once(("pool-name", str(pool.body.get("PoolName"))), pool.where, "PoolName (without Id)")
        for client in pool.clients:
            if client.fixed_id:
                once(("client-id", client.fixed_id), client.where, "ClientId")
            else:
                once(("client-name", pool.where, str(client.body.get("ClientName"))), client.where,
                     "ClientName (without ClientId) in the pool")
        for group in pool.groups:
            once(("group", pool.where, str(group.body.get("GroupName"))), group.where, "GroupName")
        for user in pool.users:
            once(("user", pool.where, user.username), user.where, "Username")
            if user.sub:
                once(("sub", pool.where, user.sub), user.where, "Sub")
