"""The one place that decides what follows a successful first factor (spec §3.6):

1. NEW_PASSWORD_REQUIRED when the user signed in with a temporary password;
2. MFA (``mfa_step``), unless this call answered it: SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP,
   SELECT_MFA_TYPE or MFA_SETUP, the code stored in the transaction and sent after it commits;
3. device authentication (``device_step``, spec §11.1): DEVICE_SRP_AUTH when the call presents a
   confirmed device of the user — a remembered one skips step 2 when the pool says so;
4. tokens: refresh-token family stored, any spent session recorded and, with device tracking on
   and no device authenticated, a new device minted (``NewDeviceMetadata``) — in one
   transaction, the one in which the first factor's lockout verdict was recorded — then, after
   it commits, the PreTokenGeneration trigger (``token_customization``) and the ID and access
   tokens signed.

``proceed`` does it all. A flow that already has a write transaction open (the plaintext
password flows check the password in it) calls ``record`` inside it and ``finish`` after it
commits: signing and sealing never happen while a transaction holds locks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from userpool.auth import device_step, housekeeping, mfa_step, sign_in_triggers, token_customization, tokens
from userpool.auth.context import FlowContext
from userpool.auth.session import INVALID, AuthSession, new_session, seal, spend
from userpool.directory import custom_senders
from userpool.directory.codes import DELIVERY_FAILURE_TEXT
from userpool.directory.ids import new_uuid
from userpool.directory.schema import is_developer_only
from userpool.model.entities import Device, User, UserStatus
from userpool.model.errors import CodeDeliveryFailureException, CognitoError, NotAuthorizedException
from userpool.model.ports import DeliveryFailed, Tx

NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
#: The member of an MFA session's carried data holding a CUSTOM_AUTH history (``custom_auth``).
CUSTOM_HISTORY = "custom_history"


@dataclass(frozen=True)
class Completed:
    """What the finished step leaves to record: the user it changed and the session it spent."""

    user: User
    spent: AuthSession | None = None
    updated_user: bool = False
    mfa_done: bool = False  # this call answered the MFA challenge (or MFA does not apply: custom auth)
    new_password: bool = True  # a FORCE_CHANGE_PASSWORD user answers NEW_PASSWORD_REQUIRED next
    device: Device | None = None  # this call passed device authentication with this device


@dataclass(frozen=True)
class Outcome:
    """What ``record`` decided inside the transaction: tokens to sign (``grant`` and the stored
    ``refresh`` token), an MFA challenge (``step``) or, with neither, the NEW_PASSWORD_REQUIRED
    challenge for ``user``."""

    user: User
    grant: tokens.TokenGrant | None = None
    refresh: str | None = None
    step: mfa_step.Step | None = None
    new_device: Device | None = None  # minted with the tokens: NewDeviceMetadata
    #: CUSTOM_AUTH resumes (``custom_auth.finish_mfa``): the history its MFA step carried, and
    #: the MFA challenge just answered, for DefineAuthChallenge's ``session``.
    custom: tuple[str, str] | None = None


def proceed(ctx: FlowContext, done: Completed) -> dict[str, Any]:
    with ctx.auth.rt.store.transaction() as tx:
        outcome = record(ctx, tx, done)
    return finish(ctx, outcome)


def record(ctx: FlowContext, tx: Tx, done: Completed) -> Outcome:
    """The database half of the next step, inside the caller's write transaction."""
    user = done.user
    _record(tx, ctx, done)
    if user.status == UserStatus.FORCE_CHANGE_PASSWORD and done.new_password:
        return Outcome(user)
    resumed = _custom_history(done)
    if resumed is not None:
        return Outcome(user, custom=resumed)
    device, new_device = done.device, None
    if device is None:
        presented = device_step.presented(ctx, user) if ctx.device is not None else None
        skip_mfa = presented is not None and device_step.skips_mfa(ctx.pool, presented)
        if not done.mfa_done and not skip_mfa and ctx.pool.config.get("MfaConfiguration", "OFF") != "OFF":
            step = mfa_step.begin(ctx, tx, user, flow_of(ctx, done), token_customization.carried(done.spent))
            if step is not None:
                return Outcome(user, step=step)
        if presented is not None and device_step.allowed_after(done.spent):
            return Outcome(user, step=device_step.challenge(ctx, tx, user, presented, flow_of(ctx, done)))
        if presented is None and device_step.tracking(ctx.pool):
            new_device = device_step.mint(ctx, tx, user)
    bound = device or new_device
    grant = tokens.TokenGrant(ctx.pool, ctx.client, user, tokens.user_groups(tx, user),
                              int(ctx.auth.rt.clock.now()), new_uuid(ctx.auth.rt.random), ctx.issuer,
                              device_key=bound.key if bound is not None else None,
                              source=token_customization.source_of(done.spent))
    return Outcome(user, grant, tokens.new_refresh_token(ctx.auth, tx, grant), new_device=new_device)


def finish(ctx: FlowContext, outcome: Outcome) -> dict[str, Any]:
    """The response, after the transaction of ``record`` committed: signed tokens or a sealed session."""
    if outcome.grant is not None:
        result = token_customization.sign(ctx, outcome.grant, outcome.refresh)
        if outcome.new_device is not None:
            result["NewDeviceMetadata"] = device_step.metadata(outcome.new_device)
        sign_in_triggers.post_authentication(ctx, outcome.user, new_device=outcome.new_device is not None)
        return {"ChallengeParameters": {}, "AuthenticationResult": result}
    if outcome.step is not None:
        return issue(ctx, outcome.step)
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


def issue(ctx: FlowContext, step: mfa_step.Step) -> dict[str, Any]:
    """A challenge's response, after the transaction that stored its state committed: its code
    is delivered first; if it cannot be, the challenge is withdrawn (its state row deleted, the
    send not counted) and the caller gets CodeDeliveryFailureException."""
    if step.custom is not None:
        try:
            step = replace(step, message=step.custom())
        except CognitoError:  # the CustomMessage function failed: no code stays stored or counted
            with ctx.auth.rt.store.transaction() as tx:
                mfa_step.withdraw(tx, step)
            raise
    if step.message is not None:
        try:
            custom_senders.deliver(ctx.auth.rt, step.message, step.call)
        except DeliveryFailed:
            with ctx.auth.rt.store.transaction() as tx:
                mfa_step.withdraw(tx, step)
            raise CodeDeliveryFailureException(DELIVERY_FAILURE_TEXT[step.message.medium]) from None
    return {"ChallengeName": step.name, "ChallengeParameters": step.parameters,
            "Session": seal(ctx.auth, step.session)}


def flow_of(ctx: FlowContext, done: Completed) -> str:
    """The sign-in's AuthFlow: the call's, or the one the answered session carried."""
    return ctx.call.flow or (done.spent.flow if done.spent is not None else "")


def _custom_history(done: Completed) -> tuple[str, str] | None:
    """A CUSTOM_AUTH sign-in whose MFA step (after its password proof, spec §11.6) was just
    answered goes back to DefineAuthChallenge instead of on to tokens."""
    if not done.mfa_done or done.spent is None or done.device is not None:
        return None
    packed = (done.spent.data.get(mfa_step.CARRIED) or {}).get(CUSTOM_HISTORY)
    return (str(packed), done.spent.challenge) if packed is not None else None


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
    current = {k: v for k, v in user.attributes.items() if k != "sub" and not is_developer_only(k)}
    return {
        "USER_ID_FOR_SRP": user.username,
        "requiredAttributes": json.dumps(required),
        "userAttributes": json.dumps(current),
    }
