"""Attribute writes checked against the pool schema (spec §2.1, §2.3).

Error texts follow Cognito's "Attributes did not conform to the schema: ..." family, each
problem followed by a newline ("...: password: Attribute does not exist in the schema.\\n",
a real SignUp answer).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from userpool.directory.schema import DEVELOPER_PREFIX, VERIFIED_FLAGS, is_developer_only
from userpool.model.entities import AppClient, UserPool
from userpool.model.errors import InvalidParameterException, NotAuthorizedException

_PHONE = re.compile(r"^\+[0-9]{4,15}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
DERIVED = frozenset({"sub"})
USER_UNWRITABLE = frozenset(VERIFIED_FLAGS.values())
"""Attributes no user and no app client writes: set only by verification or by an administrator."""
UNAUTHORIZED_WRITE = "A client attempted to write unauthorized attribute"


def to_map(items: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """``[{"Name", "Value"}]`` → dict; a repeated name is refused as Cognito does."""
    out: dict[str, str] = {}
    for item in items or ():
        name = str(item["Name"])
        if name in out:
            raise InvalidParameterException(f"Duplicate attribute name: {name}")
        out[name] = str(item.get("Value", ""))
    return out


def to_list(attributes: Mapping[str, str], names: Iterable[str] | None = None) -> list[dict[str, str]]:
    wanted = set(names) if names is not None else None
    return [
        {"Name": k, "Value": v}
        for k, v in attributes.items()
        if wanted is None or k in wanted
    ]


def check_writes(
    pool: UserPool, changes: Mapping[str, str], *, creating: bool, admin: bool,
    client: AppClient | None = None,
) -> dict[str, str]:
    """The changes in their canonical form, after refusing unknown, immutable or malformed
    attribute values and writes the caller may not make. Every attribute write goes through here.

    Boolean values (``email_verified``, ``phone_number_verified``, Boolean custom attributes) are
    accepted in any case and stored as ``true`` / ``false``: Cognito takes ``"True"``.

    Developer-only attributes (``dev:custom:...``) are written only by administrators
    (AdminCreateUser, AdminUpdateUserAttributes); a user-side write of one is unauthorized
    ("A client attempted to write unauthorized attribute"), as no app client can list it.

    A user (``admin=False``: SignUp, UpdateUserAttributes, the NEW_PASSWORD_REQUIRED answer and
    every later user-side write) never writes ``email_verified`` / ``phone_number_verified``:
    only a redeemed code or an administrator verifies an address. Cognito answers such a write
    with NotAuthorizedException "A client attempted to write unauthorized attribute" (app clients
    cannot be given write access to the flags; aws/aws-sdk-js#3603, aws/aws-cdk#7607), whatever
    the client's WriteAttributes say.
    """
    problems: list[str] = []
    canonical: dict[str, str] = {}
    for name, value in changes.items():
        attribute = pool.schema_attribute(name)
        if attribute is None:
            problems.append(f"{name}: Attribute does not exist in the schema.")
            continue
        if name in DERIVED:
            problems.append(f"{name}: Attribute cannot be updated.")
            continue
        if not attribute.mutable and not creating:
            problems.append(f"{name}: Attribute cannot be updated. (changing an immutable attribute)")
            continue
        if attribute.data_type == "Boolean" and value.lower() in ("true", "false"):
            value = value.lower()
        problem = _value_problem(attribute.data_type, name, value, attribute.min_length, attribute.max_length)
        if problem:
            problems.append(f"{name}: {problem}")
        canonical[name] = value
    if problems:
        raise InvalidParameterException(schema_problems(problems))
    if admin:
        return canonical
    if any(name in USER_UNWRITABLE or is_developer_only(name) for name in changes):
        raise NotAuthorizedException(UNAUTHORIZED_WRITE)
    if client is not None and client.write_attributes is not None:
        allowed = set(client.write_attributes)
        if any(name not in allowed for name in changes):
            raise NotAuthorizedException(UNAUTHORIZED_WRITE)
    return canonical


def schema_problems(problems: Iterable[str]) -> str:
    """Cognito's "Attributes did not conform to the schema: " message, each problem ending in a newline."""
    return "Attributes did not conform to the schema: " + "".join(f"{p}\n" for p in problems)


def _value_problem(data_type: str, name: str, value: str, low: int | None, high: int | None) -> str | None:
    if len(value) > 2048:
        return "String must be no longer than 2048 characters"
    if data_type == "Boolean" and value not in ("true", "false"):
        return "Value must be a boolean (true or false)."
    if data_type == "Number" and value != "":
        try:
            float(value)
        except ValueError:
            return "Number is not a valid number."
    if data_type == "String":
        if high is not None and len(value) > high:
            return f"String must be no longer than {high} characters"
        if low is not None and value and len(value) < low:
            return f"String must be no shorter than {low} characters"
    if name == "phone_number" and value and not _PHONE.match(value):
        return "Invalid phone number format."
    if name == "email" and value and not _EMAIL.match(value):
        return "Invalid email address format."
    return None


def check_required(pool: UserPool, attributes: Mapping[str, str]) -> None:
    missing = [a.name for a in pool.schema if a.required and a.name != "sub" and not attributes.get(a.name)]
    if missing:
        raise InvalidParameterException(
            schema_problems(f"{name}: The attribute {name} is required" for name in missing))


def readable(attributes: Mapping[str, str], client: AppClient | None) -> dict[str, str]:
    """Attributes a user reads through an app client (GetUser, the ID token): the client's
    ReadAttributes (all when it has none), never a developer-only one."""
    if client is None or client.read_attributes is None:
        return {k: v for k, v in attributes.items() if not k.startswith(DEVELOPER_PREFIX)}
    allowed = set(client.read_attributes) | {"sub"}
    return {k: v for k, v in attributes.items() if k in allowed and not k.startswith(DEVELOPER_PREFIX)}


def apply_changes(current: Mapping[str, str], changes: Mapping[str, str]) -> dict[str, str]:
    """New attribute map; changing email/phone resets its verified flag unless it is also set
    (which only an administrator may do: ``check_writes``)."""
    updated = dict(current)
    for name, value in changes.items():
        updated[name] = value
        flag = VERIFIED_FLAGS.get(name)
        if flag and current.get(name) != value and flag not in changes:
            updated[flag] = "false"
    return {k: v for k, v in updated.items() if v != "" or k in DERIVED}
