"""User migration (spec §3.1.1 corrected by §11.8, §7.3): a name no user has, a UserMigration
trigger that finds the user in an old system, and the user created here from its answer — at
sign-in with the password just proven to the old system, at ForgotPassword without one.

The answer's attributes are trusted as an administrator's (they may set ``*_verified``); the
pool's password policy is not applied to the migrated password (Cognito's rule); an alias
another user holds is refused unless ``forceAliasCreation``. Two sign-ins migrating the same
name at once create one user: the second reads the first's.
"""

from __future__ import annotations

from dataclasses import replace

from userpool.directory import attributes, lifecycle_triggers, usernames
from userpool.directory.ids import new_uuid
from userpool.directory.passwords import make_credential
from userpool.directory.runtime import Runtime
from userpool.directory.users import claim_aliases, ensure_sign_in_name_free, sign_in_name
from userpool.model.entities import User, UserPool
from userpool.model.errors import StoreConflict


def migrate_user(rt: Runtime, pool: UserPool, client_id: str, typed: str, *, password: str | None,
                 metadata: dict[str, str] | None, source: str) -> User | None:
    """The user UserMigration created for ``typed``, or None when the pool has no such function
    or it found nobody. Call outside any transaction (the trigger runs first)."""
    migrated = lifecycle_triggers.migrate(rt, pool, source, typed, client_id, password, metadata)
    if migrated is None:
        return None
    attrs = attributes.check_writes(pool, migrated.attributes, creating=True, admin=True)
    username = sign_in_name(pool, typed, attrs, rt)
    attrs.setdefault("sub", new_uuid(rt.random))
    now = rt.clock.now()
    user = User(pool.id, username, attrs, migrated.status, True, now, now)
    if password is not None:
        user = replace(user, password=make_credential(pool, username, password, rt.random, now))
    with rt.store.transaction() as tx:
        existing = usernames.resolve(tx, pool, typed)
        if existing is not None:  # migrated meanwhile by a concurrent call
            return existing
        ensure_sign_in_name_free(tx, pool, attrs)
        claim_aliases(tx, pool, user, force=migrated.force_alias, now=now)
        try:
            tx.insert_user(user)
        except StoreConflict:
            return tx.get_user(pool.id, username)
    return user
