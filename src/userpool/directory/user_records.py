"""Finding users for the admin API and rendering them as ``UserType`` and friends."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from userpool.directory import mfa, usernames
from userpool.directory.attributes import to_list
from userpool.model.entities import User, UserPool
from userpool.model.errors import UserNotFoundException
from userpool.model.ports import Tx


def find_for_admin(tx: Tx, pool: UserPool, username: str) -> User:
    """Admin operations accept the username, an alias, or the user's ``sub``."""
    user = usernames.resolve(tx, pool, username)
    if user is None:
        by_sub = tx.find_users_by_attribute(pool.id, "sub", username)
        user = by_sub[0] if len(by_sub) == 1 else None
    if user is None:
        raise UserNotFoundException()
    return user


def user_type(user: User, attributes_to_get: Iterable[str] | None = None) -> dict[str, Any]:
    """``UserType`` (ListUsers, AdminCreateUser, ListUsersInGroup); ``MFAOptions`` for a user with
    SMS MFA, as AdminGetUser reports it (``UserType`` has no other MFA member)."""
    out = {
        "Username": user.username,
        "Attributes": to_list(user.attributes, attributes_to_get),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.last_modified,
        "Enabled": user.enabled,
        "UserStatus": user.status.value,
    }
    if user.mfa.sms:
        out["MFAOptions"] = [dict(mfa.SMS_OPTION)]
    return out


def admin_get_user_output(user: User) -> dict[str, Any]:
    return {
        "Username": user.username,
        "UserAttributes": to_list(user.attributes),
        "UserCreateDate": user.created,
        "UserLastModifiedDate": user.last_modified,
        "Enabled": user.enabled,
        "UserStatus": user.status.value,
        **mfa.settings_output(user),
    }
