"""The tables: one SQLAlchemy Core schema for SQLite and PostgreSQL.

Conventions that make both databases behave the same:

- Key columns (IDs, usernames, names, attribute values) compare and sort bytewise: SQLite's
  default BINARY collation, ``COLLATE "C"`` on PostgreSQL. Listing order and prefix ranges are
  therefore identical on both, and prefix filters can use a plain B-tree index.
- Timestamps are epoch seconds in ``DOUBLE`` columns; bytes are ``LargeBinary``; structured
  values (pool config, schema, user attributes, password history) are JSON in ``TEXT``.
- ``clients.secret`` and ``signing_keys.private_pem`` hold ``SecretBox``-sealed bytes, as do
  ``users.password_verifier`` and the verifiers in ``password_history`` (bound to their user), and
  ``users.totp_secret`` / ``users.totp_pending``.
- Children reference their pool or user with ``ON DELETE CASCADE``; the repositories also delete
  children explicitly, so correctness never depends on SQLite's per-connection FK pragma.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
)
from sqlalchemy.types import TypeEngine

metadata = MetaData()

#: Text compared bytewise on both databases (see the module docstring).
Key: TypeEngine[str] = Text().with_variant(Text(collation="C"), "postgresql")


def _pool_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["pool_id"], ["pools.id"], ondelete="CASCADE")


def _user_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["pool_id", "username"], ["users.pool_id", "users.username"], ondelete="CASCADE")


schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", Double, nullable=False),
)

pools = Table(
    "pools",
    metadata,
    Column("id", Key, primary_key=True),
    Column("name", Text, nullable=False),
    Column("created", Double, nullable=False),
    Column("last_modified", Double, nullable=False),
    Column("config", Text, nullable=False),
    Column("schema", Text, nullable=False),
)

clients = Table(
    "clients",
    metadata,
    Column("client_id", Key, primary_key=True),
    Column("pool_id", Key, nullable=False),
    Column("name", Text, nullable=False),
    Column("secret", LargeBinary, nullable=True),
    Column("config", Text, nullable=False),
    Column("created", Double, nullable=False),
    Column("last_modified", Double, nullable=False),
    _pool_fk(),
    Index("ix_clients_pool", "pool_id", "client_id"),
)

users = Table(
    "users",
    metadata,
    Column("pool_id", Key, nullable=False),
    Column("username", Key, nullable=False),
    Column("status", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created", Double, nullable=False),
    Column("last_modified", Double, nullable=False),
    Column("password_salt", LargeBinary, nullable=True),
    Column("password_verifier", LargeBinary, nullable=True),
    Column("password_set_at", Double, nullable=True),
    Column("password_temporary", Boolean, nullable=True),
    Column("password_expires_at", Double, nullable=True),
    Column("password_history", Text, nullable=False),
    Column("tokens_revoked_at", Double, nullable=True),
    Column("attributes", Text, nullable=False),
    # MFA factors and preference as JSON (NULL: none); the verified TOTP secret and the one
    # AssociateSoftwareToken handed out, each sealed like a verifier.
    Column("mfa", Text, nullable=True),
    Column("totp_secret", LargeBinary, nullable=True),
    Column("totp_pending", LargeBinary, nullable=True),
    PrimaryKeyConstraint("pool_id", "username"),
    _pool_fk(),
)

#: Characters of an attribute value kept in ``user_attribute_index``. PostgreSQL refuses a
#: B-tree entry over 2704 bytes, and a custom attribute may hold 2048 four-byte characters; the
#: index row's other key columns (pool, name, username of up to 128 characters) leave room for
#: 400 characters of four bytes. A lookup of a value shorter than this is exact on the index
#: (a longer stored value is cut to exactly this length, so it cannot equal a shorter one); a
#: longer lookup value is matched on its first characters and checked against the user's row.
#: ListUsers filters are at most 256 characters (the model's limit), so their ``=`` and ``^=``
#: are exact on the index too.
INDEXED_VALUE_CHARS = 400

# One row per (user, attribute): the lookup path for aliases, ``sub`` and ListUsers filters.
# ``value`` is the attribute's value cut to ``INDEXED_VALUE_CHARS``; ``value_fold`` is
# ``value.lower()`` cut the same way, for case-insensitive lookups.
user_attribute_index = Table(
    "user_attribute_index",
    metadata,
    Column("pool_id", Key, nullable=False),
    Column("username", Key, nullable=False),
    Column("name", Key, nullable=False),
    Column("value", Key, nullable=False),
    Column("value_fold", Key, nullable=False),
    PrimaryKeyConstraint("pool_id", "username", "name"),
    _user_fk(),
    Index("ix_user_attribute_value", "pool_id", "name", "value", "username"),
    Index("ix_user_attribute_value_fold", "pool_id", "name", "value_fold", "username"),
)

groups = Table(
    "groups",
    metadata,
    Column("pool_id", Key, nullable=False),
    Column("name", Key, nullable=False),
    Column("description", Text, nullable=True),
    Column("role_arn", Text, nullable=True),
    Column("precedence", Integer, nullable=True),
    Column("created", Double, nullable=False),
    Column("last_modified", Double, nullable=False),
    PrimaryKeyConstraint("pool_id", "name"),
    _pool_fk(),
)

memberships = Table(
    "memberships",
    metadata,
    Column("pool_id", Key, nullable=False),
    Column("group_name", Key, nullable=False),
    Column("username", Key, nullable=False),
    Column("created", Double, nullable=False),
    PrimaryKeyConstraint("pool_id", "group_name", "username"),
    ForeignKeyConstraint(["pool_id", "group_name"], ["groups.pool_id", "groups.name"], ondelete="CASCADE"),
    _user_fk(),
    Index("ix_memberships_user", "pool_id", "username"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", LargeBinary, primary_key=True),
    Column("pool_id", Key, nullable=False),
    Column("client_id", Key, nullable=False),
    Column("username", Key, nullable=False),
    Column("origin_jti", Key, nullable=False),
    Column("auth_time", BigInteger, nullable=False),
    Column("issued_at", Double, nullable=False),
    Column("expires_at", Double, nullable=False),
    Column("device_key", Text, nullable=True),
    Column("revoked", Boolean, nullable=False),
    # Rotation (version 8): the end of a rotated token's grace period; NULL until it is rotated.
    Column("grace_until", Double, nullable=True),
    _user_fk(),
    Index("ix_refresh_tokens_family", "pool_id", "origin_jti"),
    Index("ix_refresh_tokens_user", "pool_id", "username"),
    Index("ix_refresh_tokens_expires", "expires_at"),
)

lockout = Table(
    "lockout",
    metadata,
    Column("pool_id", Key, nullable=False),
    Column("key", Key, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("locked_until", Double, nullable=False),
    Column("last_attempt", Double, nullable=False),
    PrimaryKeyConstraint("pool_id", "key"),
    _pool_fk(),
)
#: Serves the purge of stale counters (``LockoutRepo.purge_stale_lockouts``).
ix_lockout_last_attempt = Index("ix_lockout_last_attempt", lockout.c.last_attempt)

used_sessions = Table(
    "used_sessions",
    metadata,
    Column("session_id", Key, primary_key=True),
    Column("expires_at", Double, nullable=False),
    Index("ix_used_sessions_expires", "expires_at"),
)

codes = Table(
    "codes",
    metadata,
    Column("pool_id", Key, nullable=False),
    Column("username", Key, nullable=False),
    Column("purpose", Key, nullable=False),
    Column("code_hash", LargeBinary, nullable=False),
    Column("created", Double, nullable=False),
    Column("expires_at", Double, nullable=False),
    Column("attempts", Integer, nullable=False),
    # The address a VERIFY_* code was sent to, the only value it verifies (version 5).
    Column("value", Text, nullable=True),
    PrimaryKeyConstraint("pool_id", "username", "purpose"),
    _user_fk(),
)

# Per-user hourly limits (spec §2.6): ``key`` is the username, or a hash of the typed name for
# an unknown user; ``action`` the limited operation, or a code purpose for wrong guesses.
user_limits = Table(
    "user_limits",
    metadata,
    Column("pool_id", Key, nullable=False),
    Column("key", Key, nullable=False),
    Column("action", Key, nullable=False),
    Column("window_start", Double, nullable=False),
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("pool_id", "key", "action"),
    _pool_fk(),
    Index("ix_user_limits_window_start", "window_start"),
)

# Tracked devices (spec §2.4; version 7). ``verifier`` is sealed (``repos.verifiers``, kind
# "device", bound to pool, user, key and salt); ``salt`` and ``verifier`` are NULL until ConfirmDevice.
devices = Table(
    "devices",
    metadata,
    Column("pool_id", Key, nullable=False),
    Column("device_key", Key, nullable=False),
    Column("username", Key, nullable=False),
    Column("group_key", Text, nullable=False),
    Column("created", Double, nullable=False),
    Column("last_modified", Double, nullable=False),
    Column("last_authenticated", Double, nullable=True),
    Column("salt", LargeBinary, nullable=True),
    Column("verifier", LargeBinary, nullable=True),
    Column("remembered", Boolean, nullable=False),
    Column("name", Text, nullable=True),
    Column("last_ip", Text, nullable=True),
    PrimaryKeyConstraint("pool_id", "device_key"),
    _user_fk(),
    Index("ix_devices_user", "pool_id", "username", "device_key"),
    Index("ix_devices_created", "created"),
)

# Passkeys (spec §5.15; version 9): the COSE public key and the signature counter of each.
passkeys = Table(
    "passkeys",
    metadata,
    Column("pool_id", Key, nullable=False),
    Column("credential_id", Key, nullable=False),
    Column("username", Key, nullable=False),
    Column("public_key", LargeBinary, nullable=False),
    Column("sign_count", BigInteger, nullable=False),
    Column("relying_party_id", Text, nullable=False),
    Column("created", Double, nullable=False),
    Column("friendly_name", Text, nullable=True),
    Column("attachment", Text, nullable=True),
    Column("transports", Text, nullable=False),
    PrimaryKeyConstraint("pool_id", "credential_id"),
    _user_fk(),
    Index("ix_passkeys_user", "pool_id", "username", "credential_id"),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("pool_id", Key, nullable=False),
    Column("kid", Key, nullable=False),
    Column("use", Text, nullable=False),
    Column("private_pem", LargeBinary, nullable=False),
    Column("created", Double, nullable=False),
    PrimaryKeyConstraint("pool_id", "kid"),
    _pool_fk(),
)

#: Tables holding a pool's data, children before parents (the order ``delete_pool`` uses).
POOL_TABLES_CHILD_FIRST = (
    memberships,
    user_attribute_index,
    refresh_tokens,
    devices,
    passkeys,
    codes,
    lockout,
    user_limits,
    signing_keys,
    groups,
    users,
    clients,
)
