"""The password as first factor, shared by USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH /
ADMIN_NO_SRP_AUTH (and later USER_AUTH's PASSWORD): spec §3.0 steps 6–10 and §3.1.

Order: SECRET_HASH, user resolution (hidden under PreventUserExistenceErrors), status
refusals that real Cognito makes before the password check (UNCONFIRMED, RESET_REQUIRED,
disabled), lockout reservation, then the constant-time verifier check.
"""

from __future__ import annotations

from userpool.auth import lockout
from userpool.auth.context import FlowContext
from userpool.crypto import srp
from userpool.directory import passwords
from userpool.directory.client_auth import check_secret_hash
from userpool.model.entities import User, UserStatus
from userpool.model.errors import (
    NotAuthorizedException,
    PasswordResetRequiredException,
    UserNotConfirmedException,
    UserNotFoundException,
)

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


def unknown_user(ctx: FlowContext, typed: str) -> NotAuthorizedException | UserNotFoundException:
    """LEGACY reveals the unknown user; ENABLED answers like a wrong password, after the
    same work and lockout accounting a real user would cost (spec §9.3)."""
    if not ctx.client.prevent_user_existence_errors:
        return UserNotFoundException()
    lockout.reserve(ctx.auth.rt.store, ctx.pool.id, lockout.key_for_unknown(typed), ctx.auth.rt.clock.now())
    srp.check_password(ctx.pool.name_part, typed, typed, _DECOY_SALT, _DECOY_VERIFIER)
    return NotAuthorizedException(WRONG)


def verify_password(ctx: FlowContext, typed: str, password: str) -> User:
    """Returns the user whose password this is, or raises Cognito's refusal."""
    check_secret_hash(ctx.client, typed, ctx.optional("SECRET_HASH"))
    user = ctx.find_user(typed)
    if user is None:
        raise unknown_user(ctx, typed)
    check_user_state(ctx, user)
    now = ctx.auth.rt.clock.now()
    lockout.reserve(ctx.auth.rt.store, ctx.pool.id, user.username, now)
    credential = user.password
    if credential is None or not passwords.matches(ctx.pool, user.username, password, credential):
        raise NotAuthorizedException(WRONG)
    if credential.temporary and credential.expires_at is not None and credential.expires_at <= now:
        raise NotAuthorizedException(TEMPORARY_EXPIRED)
    return user
