"""The one place that decides what follows a successful first factor (spec §3.6):

1. NEW_PASSWORD_REQUIRED when the user signed in with a temporary password;
2. device authentication (not yet: no device tracking in this server);
3. MFA (not yet: a pool with MfaConfiguration ON is refused rather than signed in without
   its second factor; OPTIONAL pools have no enrolled factors yet, so none applies);
4. tokens: refresh-token family stored and any spent session recorded — in one transaction,
   the one in which the first factor's lockout verdict was recorded — then the ID and access
   tokens are signed.

``proceed`` does it all. A flow that already has a write transaction open (the plaintext
password flows check the password in it) calls ``record`` inside it and ``finish`` after it
commits: signing and sealing never happen while a transaction holds locks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from userpool.auth import housekeeping, tokens
from userpool.auth.context import FlowContext
from userpool.auth.session import INVALID, AuthSession, new_session, seal, spend
from userpool.directory.ids import new_uuid
from userpool.model.entities import User, UserStatus
from userpool.model.errors import InvalidUserPoolConfigurationException, NotAuthorizedException
from userpool.model.ports import Tx

NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"


@dataclass(frozen=True)
class Completed:
    """What the finished step leaves to record: the user it changed and the session it spent."""

    user: User
    spent: AuthSession | None = None
    updated_user: bool = False


@dataclass(frozen=True)
class Outcome:
    """What ``record`` decided inside the transaction: tokens to sign (``grant`` and the stored
    ``refresh`` token) or, without a grant, the NEW_PASSWORD_REQUIRED challenge for ``user``."""

    user: User
    grant: tokens.TokenGrant | None = None
    refresh: str | None = None


def proceed(ctx: FlowContext, done: Completed) -> dict[str, Any]:
    with ctx.auth.rt.store.transaction() as tx:
        outcome = record(ctx, tx, done)
    return finish(ctx, outcome)


def record(ctx: FlowContext, tx: Tx, done: Completed) -> Outcome:
    """The database half of the next step, inside the caller's write transaction."""
    user = done.user
    if user.status == UserStatus.FORCE_CHANGE_PASSWORD:
        _record(tx, ctx, done)
        return Outcome(user)
    if ctx.pool.mfa_configuration == "ON":
        raise InvalidUserPoolConfigurationException(
            "This user pool requires MFA, which this server does not implement yet; "
            "set MfaConfiguration to OFF or OPTIONAL."
        )
    _record(tx, ctx, done)
    grant = tokens.TokenGrant(ctx.pool, ctx.client, user, tokens.group_names(tx, user),
                              int(ctx.auth.rt.clock.now()), new_uuid(ctx.auth.rt.random), ctx.issuer)
    return Outcome(user, grant, tokens.new_refresh_token(ctx.auth, tx, grant))


def finish(ctx: FlowContext, outcome: Outcome) -> dict[str, Any]:
    """The response, after the transaction of ``record`` committed: signed tokens or a sealed session."""
    if outcome.grant is not None:
        return {"ChallengeParameters": {},
                "AuthenticationResult": tokens.sign_tokens(ctx.auth, outcome.grant, outcome.refresh)}
    user = outcome.user
    session = new_session(
        ctx.auth, pool_id=ctx.pool.id, client_id=ctx.client.client_id, username=user.username,
        challenge=NEW_PASSWORD_REQUIRED, flow=ctx.call.flow or NEW_PASSWORD_REQUIRED,
        lifetime=ctx.client.auth_session_validity_seconds,
    )
    return {
        "ChallengeName": NEW_PASSWORD_REQUIRED,
        "ChallengeParameters": new_password_parameters(ctx, user),
        "Session": seal(ctx.auth, session),
    }


def _record(tx: Tx, ctx: FlowContext, done: Completed) -> None:
    if done.spent is not None:
        spend(tx, done.spent)
    if done.updated_user:
        _still_enabled(tx, done.user)
        tx.update_user(done.user)
    if housekeeping.due(ctx.auth.rt.random):
        housekeeping.purge(tx, ctx.auth.rt.clock.now())


def _still_enabled(tx: Tx, user: User) -> None:
    """The step read ``user`` in an earlier transaction: lock the row and refuse a user disabled
    (or deleted) since, so no tokens outlive AdminDisableUser's revocation."""
    current = tx.lock_user(user.pool_id, user.username)
    if current is None or not current.enabled:
        raise NotAuthorizedException("User is disabled." if current is not None else INVALID)


def new_password_parameters(ctx: FlowContext, user: User) -> dict[str, str]:
    """USER_ID_FOR_SRP, requiredAttributes and userAttributes (spec §5.5, §10.20)."""
    required = [
        f"userAttributes.{a.name}" for a in ctx.pool.schema
        if a.required and a.name != "sub" and not user.attributes.get(a.name)
    ]
    current = {k: v for k, v in user.attributes.items() if k != "sub"}
    return {
        "USER_ID_FOR_SRP": user.username,
        "requiredAttributes": json.dumps(required),
        "userAttributes": json.dumps(current),
    }
