"""UserRepo: users as one row (attributes and password history as JSON) plus an attribute index.

Password verifiers, current and past, are sealed with the store's ``SecretBox`` and bound to the
user (see ``verifiers``); the row converters take the box.

``user_attribute_index`` holds one row per (user, attribute) for every attribute, kept in step
by ``insert_user`` / ``update_user`` / ``delete_user``. It serves alias and ``sub`` lookups
(``find_users_by_attribute``) and attribute filters of ``list_users``; reading a user never
touches it. Values are indexed cut to ``INDEXED_VALUE_CHARS`` (see ``schema``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, or_, select, update

from userpool.model.entities import MfaSettings, PasswordCredential, SoftwareToken, User, UserStatus
from userpool.model.errors import StoreConflict
from userpool.model.ports import SecretBox, UserFilter
from userpool.storage.sql.repos.base import Prepared, TxBase, dump_json, load_json
from userpool.storage.sql.repos.filters import user_filter_query
from userpool.storage.sql.repos.verifiers import (
    PASSWORD,
    PASSWORD_HISTORY,
    TOTP_PENDING,
    TOTP_SECRET,
    open_verifier,
    seal_verifier,
)
from userpool.storage.sql.schema import (
    INDEXED_VALUE_CHARS,
    codes,
    devices,
    lockout,
    memberships,
    passkeys,
    refresh_tokens,
    user_attribute_index,
    users,
)

_idx = user_attribute_index
_GET_USER = Prepared(
    select(users).where(users.c.pool_id == bindparam("pool_id"), users.c.username == bindparam("username"))
)
# Read-modify-write of a user locks its row first (FOR UPDATE renders as nothing on SQLite,
# whose write transactions hold the database's write lock from BEGIN IMMEDIATE).
_LOCK_USER = Prepared(
    select(users)
    .where(users.c.pool_id == bindparam("pool_id"), users.c.username == bindparam("username"))
    .with_for_update()
)
_THIS_USER = and_(users.c.pool_id == bindparam("pool_id"), users.c.username == bindparam("username"))
_SET_ENABLED = Prepared(
    update(users).where(_THIS_USER).values(enabled=bindparam("enabled"), last_modified=bindparam("now"))
)
# Monotonic: a cut-off written by a slower, earlier request never moves a later one back.
_SET_REVOKED_AT = Prepared(
    update(users)
    .where(_THIS_USER, or_(users.c.tokens_revoked_at.is_(None), users.c.tokens_revoked_at < bindparam("at")))
    .values(tokens_revoked_at=bindparam("at"))
)
_INDEXED = select(_idx.c.name, _idx.c.value).where(
    _idx.c.pool_id == bindparam("pool_id"), _idx.c.username == bindparam("username")
)


class UserRepoMixin(TxBase):
    """Users and the attribute index."""

    def insert_user(self, user: User) -> None:
        if not self._insert_ignore(users, user_row(user, self._box)):
            raise StoreConflict("user")
        self._insert_many(_idx, _index_rows(user.pool_id, user.username, user.attributes))

    def get_user(self, pool_id: str, username: str) -> User | None:
        row = self._first(_GET_USER, {"pool_id": pool_id, "username": username})
        return None if row is None else user_from(row, self._box)

    def update_user(self, user: User) -> None:
        values = user_row(user, self._box)
        del values["pool_id"], values["username"]
        del values["enabled"], values["tokens_revoked_at"]  # only their narrow writes below set them
        updated = self._conn.execute(
            update(users).where(users.c.pool_id == user.pool_id, users.c.username == user.username).values(values)
        )
        if updated.rowcount == 0:
            return
        # Touch only the index rows whose value changed: the common update changes none.
        key = {"pool_id": user.pool_id, "username": user.username}
        indexed = {row.name: row.value for row in self._conn.execute(_INDEXED, key)}
        wanted = {name: _indexed(value) for name, value in user.attributes.items()}
        stale = [name for name, value in indexed.items() if wanted.get(name) != value]
        if stale:
            self._conn.execute(
                delete(_idx).where(
                    _idx.c.pool_id == user.pool_id,
                    _idx.c.username == user.username,
                    _idx.c.name.in_(stale),
                )
            )
        changed = {name: value for name, value in user.attributes.items() if indexed.get(name) != wanted[name]}
        self._insert_many(_idx, _index_rows(user.pool_id, user.username, changed))

    def lock_user(self, pool_id: str, username: str) -> User | None:
        row = self._first(_LOCK_USER, {"pool_id": pool_id, "username": username})
        return None if row is None else user_from(row, self._box)

    def set_user_enabled(self, pool_id: str, username: str, enabled: bool, now: float) -> bool:
        return self._write(_SET_ENABLED, {"pool_id": pool_id, "username": username, "enabled": enabled,
                                          "now": now}) == 1

    def set_tokens_revoked_at(self, pool_id: str, username: str, at: float) -> None:
        self._write(_SET_REVOKED_AT, {"pool_id": pool_id, "username": username, "at": at})

    def delete_user(self, pool_id: str, username: str) -> None:
        for table in (memberships, refresh_tokens, devices, passkeys, codes, _idx):
            self._conn.execute(delete(table).where(table.c.pool_id == pool_id, table.c.username == username))
        self._conn.execute(delete(lockout).where(lockout.c.pool_id == pool_id, lockout.c.key == username))
        self._conn.execute(delete(users).where(users.c.pool_id == pool_id, users.c.username == username))

    def find_users_by_attribute(
        self, pool_id: str, name: str, value: str, *, case_insensitive: bool = False
    ) -> list[User]:
        """Exact match on the value, or on ``value.lower()`` when ``case_insensitive``."""
        query, typed = (_BY_VALUE_FOLD, value.lower()) if case_insensitive else (_BY_VALUE, value)
        params = {"pool_id": pool_id, "name": name, "value": _indexed(typed)}
        found = [user_from(row, self._box) for row in self._rows(query, params)]
        if len(typed) < INDEXED_VALUE_CHARS:
            return found  # exact on the index (see INDEXED_VALUE_CHARS)
        fold = str.lower if case_insensitive else str
        return [user for user in found if fold(user.attributes.get(name, "")) == typed]

    def list_users(
        self, pool_id: str, limit: int, after: str | None = None, user_filter: UserFilter | None = None
    ) -> list[User]:
        """Users ordered by username (bytewise), after ``after``, optionally filtered.

        Filters compare case-sensitively: ``=`` exactly, ``^=`` as a literal prefix (``%`` and
        ``_`` have no special meaning). See ``filters.user_filter_query`` for the names.
        """
        query = user_filter_query(pool_id, after, user_filter).limit(limit)
        return [user_from(row, self._box) for row in self._conn.execute(query)]

    def count_users(self, pool_id: str) -> int:
        query = select(func.count()).select_from(users).where(users.c.pool_id == pool_id)
        return int(self._conn.execute(query).scalar_one())


def _join_index(query: Select[Any]) -> Select[Any]:
    return query.join(_idx, and_(_idx.c.pool_id == users.c.pool_id, _idx.c.username == users.c.username))


def _find_by(column: Any) -> Prepared:
    return Prepared(
        _join_index(select(users))
        .where(_idx.c.pool_id == bindparam("pool_id"), _idx.c.name == bindparam("name"), column == bindparam("value"))
        .order_by(_idx.c.username)
    )


_BY_VALUE = _find_by(_idx.c.value)
_BY_VALUE_FOLD = _find_by(_idx.c.value_fold)


def _indexed(value: str) -> str:
    """What the index holds of a value (or, given ``value.lower()``, of its folded form)."""
    return value[:INDEXED_VALUE_CHARS]


def _index_rows(pool_id: str, username: str, attributes: Mapping[str, str]) -> list[dict[str, str]]:
    return [
        {"pool_id": pool_id, "username": username, "name": name, "value": _indexed(value),
         "value_fold": _indexed(value.lower())}
        for name, value in attributes.items()
    ]


def user_row(user: User, box: SecretBox) -> dict[str, Any]:
    """The ``users`` row of ``user``, its verifiers sealed with ``box``."""
    password = user.password
    pool_id, username = user.pool_id, user.username
    return {
        "pool_id": user.pool_id,
        "username": user.username,
        "status": str(user.status),
        "enabled": user.enabled,
        "created": user.created,
        "last_modified": user.last_modified,
        "password_salt": None if password is None else password.salt,
        "password_verifier": None if password is None else seal_verifier(
            box, password.verifier, PASSWORD, pool_id, username, salt=password.salt),
        "password_set_at": None if password is None else password.set_at,
        "password_temporary": None if password is None else password.temporary,
        "password_expires_at": None if password is None else password.expires_at,
        "password_history": dump_json([_credential_json(box, pool_id, username, old) for old in user.password_history]),
        "tokens_revoked_at": user.tokens_revoked_at,
        "attributes": dump_json(dict(user.attributes)),
        "mfa": _mfa_json(user.mfa),
        "totp_secret": None if user.mfa.token is None else seal_verifier(
            box, user.mfa.token.secret, TOTP_SECRET, pool_id, username, salt=b""),
        "totp_pending": None if user.mfa.pending_secret is None else seal_verifier(
            box, user.mfa.pending_secret, TOTP_PENDING, pool_id, username, salt=b""),
    }


def user_from(row: Any, box: SecretBox) -> User:
    """The user of a ``users`` row; its verifiers are opened with ``box`` (which raises if one
    was altered, moved from another user or sealed under another key)."""
    password = None
    pool_id, username = row.pool_id, row.username
    if row.password_salt is not None:
        salt = bytes(row.password_salt)
        password = PasswordCredential(
            salt=salt,
            verifier=open_verifier(box, bytes(row.password_verifier), PASSWORD, pool_id, username, salt=salt),
            set_at=row.password_set_at,
            temporary=bool(row.password_temporary),
            expires_at=row.password_expires_at,
        )
    return User(
        pool_id=row.pool_id,
        username=row.username,
        attributes=load_json(row.attributes),
        status=UserStatus(row.status),
        enabled=bool(row.enabled),
        created=row.created,
        last_modified=row.last_modified,
        password=password,
        password_history=tuple(
            _credential_from(box, pool_id, username, old) for old in load_json(row.password_history)
        ),
        tokens_revoked_at=row.tokens_revoked_at,
        mfa=_mfa_from(row, box),
    )


_NO_MFA = MfaSettings()


def _mfa_json(mfa: MfaSettings) -> str | None:
    if mfa == _NO_MFA:
        return None
    token = mfa.token
    return dump_json({
        "sms": mfa.sms, "software_token": mfa.software_token, "email": mfa.email, "preferred": mfa.preferred,
        "token": None if token is None else {"friendly_name": token.friendly_name, "last_step": token.last_step},
    })


def _mfa_from(row: Any, box: SecretBox) -> MfaSettings:
    if row.mfa is None:
        return _NO_MFA
    raw = load_json(row.mfa)
    token = pending = None
    if raw.get("token") is not None and row.totp_secret is not None:
        secret = open_verifier(box, bytes(row.totp_secret), TOTP_SECRET, row.pool_id, row.username, salt=b"")
        token = SoftwareToken(secret=secret, friendly_name=raw["token"].get("friendly_name"),
                              last_step=int(raw["token"].get("last_step", -1)))
    if row.totp_pending is not None:
        pending = open_verifier(box, bytes(row.totp_pending), TOTP_PENDING, row.pool_id, row.username, salt=b"")
    return MfaSettings(sms=bool(raw.get("sms")), software_token=bool(raw.get("software_token")),
                       email=bool(raw.get("email")), preferred=raw.get("preferred"), token=token,
                       pending_secret=pending)


def _credential_json(box: SecretBox, pool_id: str, username: str, credential: PasswordCredential) -> dict[str, Any]:
    sealed = seal_verifier(box, credential.verifier, PASSWORD_HISTORY, pool_id, username, salt=credential.salt)
    return {
        "salt": base64.b64encode(credential.salt).decode(),
        "sealed_verifier": base64.b64encode(sealed).decode(),
        "set_at": credential.set_at,
        "temporary": credential.temporary,
        "expires_at": credential.expires_at,
    }


def _credential_from(box: SecretBox, pool_id: str, username: str, raw: Mapping[str, Any]) -> PasswordCredential:
    salt = base64.b64decode(raw["salt"])
    sealed = base64.b64decode(raw["sealed_verifier"])
    return PasswordCredential(
        salt=salt,
        verifier=open_verifier(box, sealed, PASSWORD_HISTORY, pool_id, username, salt=salt),
        set_at=float(raw["set_at"]),
        temporary=bool(raw.get("temporary", False)),
        expires_at=raw.get("expires_at"),
    )
