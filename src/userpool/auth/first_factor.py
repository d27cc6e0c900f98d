"""The password as first factor, shared by USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH /
ADMIN_NO_SRP_AUTH (and later USER_AUTH's PASSWORD): spec §3.0 steps 6–10 and §3.1.

Order: SECRET_HASH, user resolution (hidden under PreventUserExistenceErrors), status
refusals that real Cognito makes before the password check (UNCONFIRMED, RESET_REQUIRED,
disabled), an early "Password attempts exceeded" from the counter the engine read (so a
locked-out user, known or not, costs no exponentiation), the constant-time verifier check
(the same work for an unknown user or one without a password), then — in one write transaction, under the
user's lockout row lock — the lockout check and the recording of the outcome (``settle``).
"""

from __future__ import annotations

from typing import Any

from userpool.auth import lockout, sign_in_triggers
from userpool.auth.context import FlowContext
from userpool.auth.next_step import Completed, finish, record
from userpool.auth.session import AuthSession, spend
from userpool.crypto import srp
from userpool.directory import migration, passwords
from userpool.directory.client_auth import check_secret_hash
from userpool.model.entities import User, UserStatus
from userpool.model.errors import (
    NotAuthorizedException,
    PasswordResetRequiredException,
    UserNotConfirmedException,
    UserNotFoundException,
)
from userpool.model.ports import Tx

WRONG = "Incorrect username or password."
TEMPORARY_EXPIRED = "Temporary password has expired and must be reset by an administrator."
_DECOY_SALT = b"\x00" * 16
_DECOY_VERIFIER = b"\x01" * 384


def check_user_state(ctx: FlowContext, user: User) -> None:
    """Refusals made before any password is checked (spec §3.7)."""
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    if user.status == UserStatus.UNCONFIRMED:
        raise UserNotConfirmedException()
    if user.status == UserStatus.RESET_REQUIRED:
        raise PasswordResetRequiredException()


def password_holder(ctx: FlowContext, typed: str, password: str | None = None) -> User | None:
    """The checks before the password: SECRET_HASH, the user (None: unknown, in a pool that
    hides it; with ``password``, an unknown name goes to the pool's UserMigration trigger first,
    spec §11.8), the user's state. Raises Cognito's refusal."""
    check_secret_hash(ctx.client, typed, ctx.optional("SECRET_HASH"))
    user = ctx.find_user(typed)
    if user is None and password is not None:
        user = migration.migrate_user(ctx.auth.rt, ctx.pool, ctx.client.client_id, typed, password=password,
                                      metadata=dict(ctx.call.client_metadata) or None,
                                      source="UserMigration_Authentication")
    if user is None:
        if not ctx.client.prevent_user_existence_errors:
            raise UserNotFoundException()
    else:
        check_user_state(ctx, user)
    lockout.refuse_if_locked(ctx.lockout, ctx.auth.rt.clock.now())
    sign_in_triggers.pre_authentication(ctx, user, typed)
    return user


def password_matches(ctx: FlowContext, user: User | None, typed: str, password: str) -> bool:
    """The constant-time verifier check of ``password_holder``'s user; an unknown user costs the
    same work (spec §9.3): one verifier recomputed through the same fixed-base table (x is a
    SHA-256 output whatever the salt), one constant-time comparison. Its result must only be
    acted on through ``settle``."""
    if user is None or user.password is None:
        srp.check_password(ctx.pool.name_part, typed, password, _DECOY_SALT, _DECOY_VERIFIER)
        return False
    return passwords.matches(ctx.pool, user.username, password, user.password)


def settle(ctx: FlowContext, tx: Tx, user: User | None, typed: str, correct: bool) -> NotAuthorizedException | None:
    """Decides an attempt whose proof was already checked (``correct``), inside the caller's
    write transaction and under the user's lockout row lock: refused while locked out whatever
    the proof, otherwise the failure or success is counted in the same transaction. Attempts
    may check their proofs concurrently, but their verdicts are reached one at a time, so no
    more of them get an answer than the lockout schedule allows (spec §9.1).

    Returns the refusal to raise *after* the transaction commits (so the failure is counted),
    or None. An unknown user has a counter of its own, keyed by the typed name.
    """
    now = ctx.auth.rt.clock.now()
    key = user.username if user is not None else lockout.key_for_unknown(typed)
    state = lockout.attempt(tx, ctx.pool.id, key, now)
    if user is None or user.password is None or not correct:
        lockout.failed(tx, ctx.pool.id, key, state, now, ctx.auth.rt.metrics)
        return NotAuthorizedException(WRONG)
    credential = user.password
    if credential.temporary and credential.expires_at is not None and credential.expires_at <= now:
        lockout.failed(tx, ctx.pool.id, key, state, now, ctx.auth.rt.metrics)
        return NotAuthorizedException(TEMPORARY_EXPIRED)
    lockout.succeeded(tx, ctx.pool.id, key, state)
    return None


def settle_and_spend(ctx: FlowContext, user: User | None, typed: str, correct: bool, spent: AuthSession) -> None:
    """``conclude`` for a proof that does not end the first factor (CUSTOM_WITH_SRP: Define
    decides what follows): the attempt settled and the SRP block spent, in one transaction; the
    refusal raised once the failure is committed."""
    with ctx.auth.rt.store.transaction() as tx:
        refusal = settle(ctx, tx, user, typed, correct)
        spend(tx, spent)
    if refusal is not None or user is None:
        raise refusal or NotAuthorizedException(WRONG)


def conclude(ctx: FlowContext, user: User | None, typed: str, correct: bool,
             spent: AuthSession | None = None) -> dict[str, Any]:
    """The end of a first factor whose proof was checked: one write transaction settles the
    attempt and, on success, records the next step (the refresh token, the spent session);
    then the tokens are signed, or the refusal is raised once the failure is committed.

    A failure spends ``spent`` (the SRP SECRET_BLOCK) in the same transaction, so a block is
    worth one proof, right or wrong; if it was spent meanwhile by a concurrent answer, the
    whole transaction rolls back and the replay is "Invalid session for the user." uncounted."""
    with ctx.auth.rt.store.transaction() as tx:
        refusal = settle(ctx, tx, user, typed, correct)
        if refusal is not None and spent is not None:
            spend(tx, spent)
        outcome = record(ctx, tx, Completed(user, spent=spent)) if refusal is None and user is not None else None
    if outcome is None:
        raise refusal or NotAuthorizedException(WRONG)
    return finish(ctx, outcome)
