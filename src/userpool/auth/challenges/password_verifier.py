"""PASSWORD_VERIFIER (spec §3.2 step 2, §4.6–4.9, §5.1): the client's SRP proof.

The state comes from the sealed SECRET_BLOCK (a Session is accepted but not required:
pycognito sends none). The proof is recomputed and compared in constant time; TIMESTAMP
must be in Cognito's exact format and within the allowed skew. Every failure is the
generic "Incorrect username or password." and counts toward lockout; success and failure
both spend the block, so each block is worth one proof computation: a replay is "Invalid
session for the user." and computes nothing. A locked-out user is refused before the proof
is computed, and an unknown user costs exactly what a known one does (issue 9, items 6–7).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from userpool.auth import custom_auth, lockout
from userpool.auth.challenges.base import Challenge, bind
from userpool.auth.context import AuthCall, FlowContext
from userpool.auth.first_factor import WRONG, check_user_state, conclude, settle_and_spend
from userpool.auth.flows.user_srp_auth import PASSWORD_VERIFIER, SRP_AAD, decoy_credential
from userpool.auth.runtime import AuthRuntime
from userpool.auth.session import INVALID, AuthSession, open_block, open_session
from userpool.crypto import srp
from userpool.model.entities import LockoutState, UserPool
from userpool.model.errors import NotAuthorizedException
from userpool.model.ports import Tx


@dataclass(frozen=True)
class _Preloaded:
    """Read with the pool and client, before any exponentiation: the opened block, whether it
    was spent already, and the lockout counter it would be settled on (read without a lock)."""

    state: AuthSession
    spent: bool
    counter: LockoutState


def _lockout_key(state: AuthSession) -> str:
    """The counter a block's attempts are settled on: the user's, or the typed name's when the
    block is a decoy (an unknown user, or one without a password, under PreventUserExistenceErrors)."""
    return lockout.key_for_unknown(state.data["typed"]) if state.data.get("decoy") else state.username


class PasswordVerifierChallenge(Challenge):
    name = PASSWORD_VERIFIER

    def preload(self, auth: AuthRuntime, tx: Tx, call: AuthCall, pool: UserPool) -> _Preloaded | None:
        """Two indexed reads in the engine's read transaction; None if the block does not open
        (``respond`` then gives the refusal)."""
        block = call.parameters.get("PASSWORD_CLAIM_SECRET_BLOCK")
        if not block:
            return None
        try:
            state = open_session(auth, block, aad=SRP_AAD)
        except NotAuthorizedException:
            return None
        return _Preloaded(state, tx.is_consumed(state.id), tx.get_lockout(pool.id, _lockout_key(state)))

    def respond(self, ctx: FlowContext) -> dict[str, Any]:
        """Every answer whose block is valid, unspent and whose user is not locked out costs the
        same: one session key and claim check (against the decoy verifier for an unknown user,
        spec §9.3), then one write transaction that settles the attempt under the lockout row
        lock and, right or wrong, spends the block. A spent block or a locked-out user is
        refused before the session key, from reads made with the pool and client."""
        block = ctx.param("PASSWORD_CLAIM_SECRET_BLOCK")
        signature = ctx.param("PASSWORD_CLAIM_SIGNATURE")
        timestamp = ctx.param("TIMESTAMP")
        preloaded = ctx.preloaded if isinstance(ctx.preloaded, _Preloaded) else None
        state = preloaded.state if preloaded is not None else open_block(ctx.auth, block, SRP_AAD, WRONG)
        bind(ctx, state, self.name)
        now = ctx.auth.rt.clock.now()
        if preloaded is not None:
            if preloaded.spent:
                raise NotAuthorizedException(INVALID)  # docs/decisions.md 10.4: reuse
            lockout.refuse_if_locked(preloaded.counter, now)
        typed = str(state.data.get("typed", state.username))
        user = None if state.data.get("decoy") else ctx.find_user(state.username)
        if user is not None and user.username != state.username:  # an alias that is another user's name
            user = None
        if user is not None:
            check_user_state(ctx, user)
        if user is None or user.password is None:
            user, verifier = None, decoy_credential(ctx, typed)[2]
        else:
            verifier, typed = user.password.verifier, user.username
        correct = timestamp_ok(timestamp, now, ctx.auth.srp_timestamp_skew) and _proof_ok(
            ctx, state, verifier, state.username, block, timestamp, signature)
        custom = state.data.get("custom")
        if custom is not None:  # CUSTOM_WITH_SRP: DefineAuthChallenge decides what follows
            settle_and_spend(ctx, user, typed, correct, state)
            assert user is not None
            return custom_auth.after_password(ctx, user, list(custom.get("history", [])), None)
        return conclude(ctx, user, typed, correct, spent=state)


def _proof_ok(ctx: FlowContext, state: AuthSession, verifier: bytes, username: str, block: str, timestamp: str,
              signature: str) -> bool:
    """The client's proof of the password (two 3072-bit exponentiations): checked before the
    lockout lock is taken, and only acted on under it (``first_factor.settle``)."""
    try:
        key = srp.session_key(int(state.data["A"], 16), int(state.data["B"], 16), int(state.data["b"], 16), verifier)
        block_bytes = base64.b64decode(block, validate=True)
    except (srp.SrpError, binascii.Error, ValueError):
        return False
    return srp.verify_claim(key, ctx.pool.name_part, username, block_bytes, timestamp, signature)


def timestamp_ok(value: str, now: float, skew: float) -> bool:
    moment = srp.parse_timestamp(value)
    if moment is None:
        return False
    return abs(moment.timestamp() - datetime.fromtimestamp(now, UTC).timestamp()) <= skew
