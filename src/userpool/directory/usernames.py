"""Who a typed sign-in name refers to (spec §3.0 step 7, §2.1).

- the internal username itself (lower-cased in case-insensitive pools, which store it so);
- in ``UsernameAttributes`` pools, the email or phone number the user signed up with;
- in ``AliasAttributes`` pools, a *verified* email or phone number, or a preferred_username.
``sub`` is never a sign-in name unless it is the username.
"""

from __future__ import annotations

from userpool.directory.schema import VERIFIED_FLAGS
from userpool.model.entities import User, UserPool
from userpool.model.ports import Tx


def normalize(pool: UserPool, username: str) -> str:
    """The stored form of a username: case-insensitive pools keep it lower-cased."""
    return username if pool.case_sensitive else username.lower()


def resolve(tx: Tx, pool: UserPool, typed: str) -> User | None:
    """The user a sign-in name refers to, or None."""
    if "\x00" in typed:  # no name can hold a NUL, and PostgreSQL text cannot even be asked about one
        return None
    user = tx.get_user(pool.id, normalize(pool, typed))
    if user is not None:
        return user
    fold = not pool.case_sensitive
    for attribute in pool.username_attributes:
        found = tx.find_users_by_attribute(pool.id, attribute, typed, case_insensitive=fold or attribute == "email")
        if len(found) == 1:
            return found[0]
    for attribute in pool.alias_attributes:
        found = tx.find_users_by_attribute(
            pool.id, attribute, typed, case_insensitive=fold and attribute != "phone_number"
        )
        flag = VERIFIED_FLAGS.get(attribute)
        for candidate in found:
            if flag is None or candidate.attributes.get(flag) == "true":
                return candidate
    return None


def alias_owner(tx: Tx, pool: UserPool, attribute: str, value: str, *, exclude: str | None) -> User | None:
    """Another user who holds ``value`` as a usable alias (verified where that matters).

    Matches case exactly as ``resolve`` does, so no second user can hold a variant of a sign-in
    e-mail that ``resolve`` would find too (``Victim@x`` beside ``victim@x``)."""
    if attribute in pool.username_attributes:
        fold = not pool.case_sensitive or attribute == "email"
    else:
        fold = not pool.case_sensitive and attribute != "phone_number"
    flag = VERIFIED_FLAGS.get(attribute)
    for candidate in tx.find_users_by_attribute(pool.id, attribute, value, case_insensitive=fold):
        if candidate.username == exclude:
            continue
        if attribute in pool.username_attributes or flag is None or candidate.attributes.get(flag) == "true":
            return candidate
    return None
