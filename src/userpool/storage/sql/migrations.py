"""Schema migrations, applied when a store opens; safe when several processes open at once.

A fresh database gets the current schema (``schema.metadata``) in one step and is stamped
``LATEST_VERSION``. An existing database runs the ordered ``STEPS`` above its recorded version.
Whoever changes ``schema.py`` adds the step that brings an older database to the same shape and
bumps ``LATEST_VERSION``; every step runs in the one migration transaction.

Concurrent starts serialize on a lock held for that transaction: ``pg_advisory_xact_lock`` on
PostgreSQL, the write lock of ``BEGIN IMMEDIATE`` on SQLite. DDL is transactional on both, so a
failed migration leaves the database as it was.

Steps that rewrite secrets at rest (4: seal password verifiers) need the store's ``SecretBox``:
``migrate(engine, box)`` lends it to them through ``secret_box(conn)``; without one, such a step
raises ``BoxRequired`` and nothing changes.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, inspect, or_, select, text, tuple_, update

from userpool.model.ports import SecretBox
from userpool.storage.sql.engine import MODE_OPTION
from userpool.storage.sql.repos.base import dump_json
from userpool.storage.sql.repos.verifiers import PASSWORD, PASSWORD_HISTORY, seal_verifier
from userpool.storage.sql.schema import (
    INDEXED_VALUE_CHARS,
    codes,
    devices,
    ix_lockout_last_attempt,
    metadata,
    passkeys,
    refresh_tokens,
    schema_version,
    user_attribute_index,
    user_limits,
    users,
)

Step = Callable[[Connection], None]

LATEST_VERSION = 9

_BOX_INFO = "userpool_secret_box"
#: Progress of migrations on the terminal (the server's log): each step, and every
#: ``PROGRESS_EVERY`` rows of a step that rewrites rows.
log = logging.getLogger("userpool.migrations")
PROGRESS_EVERY = 10_000


class BoxRequired(RuntimeError):
    """A migration step must rewrite secrets at rest but ``migrate`` was given no ``SecretBox``."""


def secret_box(conn: Connection) -> SecretBox:
    """The ``SecretBox`` ``migrate`` was given, for steps that seal or open secrets at rest."""
    box: SecretBox | None = conn.info.get(_BOX_INFO)
    if box is None:
        raise BoxRequired("this migration seals secrets at rest: open the store with the server key")
    return box


def _cut_indexed_values(conn: Connection) -> None:
    """2: attribute values in ``user_attribute_index`` are kept to ``INDEXED_VALUE_CHARS``
    (PostgreSQL refused longer multibyte values; SQLite may hold some from version 1)."""
    idx, cut = user_attribute_index, INDEXED_VALUE_CHARS
    conn.execute(
        update(idx)
        .where(or_(func.length(idx.c.value) > cut, func.length(idx.c.value_fold) > cut))
        .values(value=func.substr(idx.c.value, 1, cut), value_fold=func.substr(idx.c.value_fold, 1, cut))
    )


def _add_user_limits(conn: Connection) -> None:
    """3: the ``user_limits`` table of per-user hourly limits (spec §2.6)."""
    user_limits.create(conn, checkfirst=True)


def _seal_verifiers_and_index_lockout(conn: Connection) -> None:
    """4: password verifiers (current and in the history) are sealed with the store's box and
    bound to their user (``repos.verifiers``); ``lockout.last_attempt`` is indexed for the purge
    of stale counters. Version 3 kept verifiers in the clear, so every one is sealed here."""
    box = secret_box(conn)
    total = int(conn.execute(select(func.count()).select_from(users)).scalar() or 0)
    for count, row in enumerate(_all_users(conn), start=1):
        if count % PROGRESS_EVERY == 0 or (count == total >= PROGRESS_EVERY):
            log.warning("schema 4: sealed the verifiers of %d of %d users", count, total)
        values: dict[str, object] = {}
        if row.password_salt is not None:
            values["password_verifier"] = seal_verifier(
                box, bytes(row.password_verifier), PASSWORD, row.pool_id, row.username, salt=bytes(row.password_salt))
        history = json.loads(row.password_history)
        if history:
            values["password_history"] = dump_json([_seal_history_entry(box, row.pool_id, row.username, old)
                                                    for old in history])
        if values:
            conn.execute(
                update(users).where(users.c.pool_id == row.pool_id, users.c.username == row.username).values(values)
            )
    ix_lockout_last_attempt.create(conn, checkfirst=True)


def _all_users(conn: Connection, batch: int = 1000) -> Iterator[Any]:
    """Every user's password columns, in keyset-paged batches (a large pool never sits in memory)."""
    columns = (users.c.pool_id, users.c.username, users.c.password_salt, users.c.password_verifier,
               users.c.password_history)
    after: tuple[str, str] | None = None
    while True:
        query = select(*columns).order_by(users.c.pool_id, users.c.username).limit(batch)
        if after is not None:
            query = query.where(tuple_(users.c.pool_id, users.c.username) > tuple_(*after))
        rows = conn.execute(query).all()
        yield from rows
        if len(rows) < batch:
            return
        after = (rows[-1].pool_id, rows[-1].username)


def _seal_history_entry(box: SecretBox, pool_id: str, username: str, old: dict[str, object]) -> dict[str, object]:
    entry = dict(old)
    salt = base64.b64decode(str(entry["salt"]))
    verifier = base64.b64decode(str(entry.pop("verifier")))
    sealed = seal_verifier(box, verifier, PASSWORD_HISTORY, pool_id, username, salt=salt)
    entry["sealed_verifier"] = base64.b64encode(sealed).decode()
    return entry


def _add_code_values(conn: Connection) -> None:
    """5: ``codes.value``, the address a verification code was sent to (the only value it
    verifies; the pending value under AttributesRequireVerificationBeforeUpdate). Codes issued
    before keep NULL and verify the attribute's current value, as they did."""
    if "value" not in {column["name"] for column in inspect(conn).get_columns(codes.name)}:
        conn.execute(text("ALTER TABLE codes ADD COLUMN value TEXT"))


def _add_user_mfa(conn: Connection) -> None:
    """6: ``users.mfa`` (factors and preference, JSON), ``users.totp_secret`` and
    ``users.totp_pending`` (sealed)."""
    present = {column["name"] for column in inspect(conn).get_columns(users.name)}
    blob = "BYTEA" if conn.dialect.name == "postgresql" else "BLOB"
    if "mfa" not in present:
        conn.execute(text("ALTER TABLE users ADD COLUMN mfa TEXT"))
    for column in ("totp_secret", "totp_pending"):
        if column not in present:
            conn.execute(text(f"ALTER TABLE users ADD COLUMN {column} {blob}"))


def _add_devices(conn: Connection) -> None:
    """7: the ``devices`` table (device tracking, spec §2.4)."""
    devices.create(conn, checkfirst=True)


def _add_refresh_grace(conn: Connection) -> None:
    """8: ``refresh_tokens.grace_until`` (refresh-token rotation, spec §3.3)."""
    if "grace_until" not in {column["name"] for column in inspect(conn).get_columns(refresh_tokens.name)}:
        conn.execute(text("ALTER TABLE refresh_tokens ADD COLUMN grace_until DOUBLE PRECISION"))


def _add_passkeys(conn: Connection) -> None:
    """9: the ``passkeys`` table (WebAuthn credentials, spec §5.15)."""
    passkeys.create(conn, checkfirst=True)


#: ``STEPS[n]`` brings a database at version ``n - 1`` to version ``n`` (n >= 2).
STEPS: dict[int, Step] = {2: _cut_indexed_values, 3: _add_user_limits, 4: _seal_verifiers_and_index_lockout,
                         5: _add_code_values, 6: _add_user_mfa, 7: _add_devices,
                         8: _add_refresh_grace, 9: _add_passkeys}

#: Arbitrary constant naming the migration lock ("userpool" in ASCII).
_PG_LOCK_KEY = int.from_bytes(b"userpool", "big")


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer version of the server."""


def migrate(engine: Engine, box: SecretBox | None = None) -> int:
    """Brings the database to ``LATEST_VERSION`` and returns it. Idempotent.

    ``box`` is the store's ``SecretBox``, needed when a step seals secrets at rest (see above).
    """
    with engine.connect() as conn:
        conn.execution_options(**{MODE_OPTION: "write"})
        conn.info[_BOX_INFO] = box
        try:
            return _migrate(conn)
        finally:
            conn.info.pop(_BOX_INFO, None)


def _migrate(conn: Connection) -> int:
    with conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        current = _current_version(conn)
        if current is None:
            metadata.create_all(conn)
            _stamp(conn, LATEST_VERSION)
            return LATEST_VERSION
        if current > LATEST_VERSION:
            raise SchemaTooNew(f"database schema version {current} is newer than this server ({LATEST_VERSION})")
        for version in range(current + 1, LATEST_VERSION + 1):
            log.warning("migrating the database schema to version %d of %d: %s", version, LATEST_VERSION,
                        (STEPS[version].__doc__ or "").split(":", 1)[-1].strip().splitlines()[0])
            STEPS[version](conn)
            _stamp(conn, version)
    return LATEST_VERSION


def _current_version(conn: Connection) -> int | None:
    if not inspect(conn).has_table(schema_version.name):
        return None
    version = conn.execute(select(func.max(schema_version.c.version))).scalar()
    return None if version is None else int(version)


def _stamp(conn: Connection, version: int) -> None:
    conn.execute(insert(schema_version).values(version=version, applied_at=time.time()))
