"""PASSWORD_VERIFIER (spec §3.2 step 2, §4.6–4.9, §5.1): the client's SRP proof.

The state comes from the sealed SECRET_BLOCK (a Session is accepted but not required:
pycognito sends none). The proof is recomputed and compared in constant time; TIMESTAMP
must be in Cognito's exact format and within the allowed skew. Every failure is the
generic "Incorrect username or password." and counts toward lockout; success spends the
block, so it can never be used twice.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

from userpool.auth import lockout
from userpool.auth.challenges.base import Challenge, bind
from userpool.auth.context import FlowContext
from userpool.auth.first_factor import WRONG, check_user_state, conclude
from userpool.auth.flows.user_srp_auth import PASSWORD_VERIFIER, SRP_AAD
from userpool.auth.session import EXPIRED, AuthSession, open_session
from userpool.crypto import srp
from userpool.model.errors import NotAuthorizedException, ResourceNotFoundException


class PasswordVerifierChallenge(Challenge):
    name = PASSWORD_VERIFIER

    def _state(self, ctx: FlowContext, block: str) -> AuthSession:
        try:
            return open_session(ctx.auth, block, aad=SRP_AAD)
        except NotAuthorizedException as refused:
            if refused.message == EXPIRED:
                raise
            raise NotAuthorizedException(WRONG) from None

    def respond(self, ctx: FlowContext) -> dict[str, Any]:
        block = ctx.param("PASSWORD_CLAIM_SECRET_BLOCK")
        signature = ctx.param("PASSWORD_CLAIM_SIGNATURE")
        timestamp = ctx.param("TIMESTAMP")
        state = self._state(ctx, block)
        bind(ctx, state, self.name)
        if ctx.optional("DEVICE_KEY"):
            # No device of this user exists (device tracking is not implemented yet); the SRP
            # state stays usable so clients can retry without the key (spec §2.4).
            raise ResourceNotFoundException("Device does not exist.")
        now = ctx.auth.rt.clock.now()
        if state.data.get("decoy"):
            lockout.reserve(ctx.auth.rt.store, ctx.pool.id, lockout.key_for_unknown(state.data["typed"]), now)
            raise NotAuthorizedException(WRONG)
        user = ctx.find_user(state.username)
        if user is not None and user.username != state.username:  # an alias that is another user's name
            user = None
        if user is None or user.password is None:
            raise NotAuthorizedException(WRONG)
        check_user_state(ctx, user)
        correct = _timestamp_ok(timestamp, now, ctx.auth.srp_timestamp_skew) and _proof_ok(
            ctx, state, user.password.verifier, user.username, block, timestamp, signature)
        return conclude(ctx, user, user.username, correct, spent=state)


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


def _timestamp_ok(value: str, now: float, skew: float) -> bool:
    moment = srp.parse_timestamp(value)
    if moment is None:
        return False
    return abs(moment.timestamp() - datetime.fromtimestamp(now, UTC).timestamp()) <= skew
