"""SELECT_MFA_TYPE (spec §5.9, §10.6): the user picks one of ``MFAS_CAN_CHOOSE``; the answer
``ANSWER`` is SMS_MFA, SOFTWARE_TOKEN_MFA or EMAIL_OTP (EMAIL_MFA accepted as a synonym). The
session is spent and the chosen factor's challenge issued (its code sent) with a new one."""

from __future__ import annotations

from typing import Any

from userpool.auth import mfa_step
from userpool.auth.challenges.base import Challenge
from userpool.auth.context import FlowContext
from userpool.auth.next_step import issue
from userpool.auth.session import INVALID, spend
from userpool.directory import mfa
from userpool.model.entities import EMAIL_OTP
from userpool.model.errors import InvalidParameterException, NotAuthorizedException

SYNONYMS = {"EMAIL_MFA": EMAIL_OTP}


class SelectMfaTypeChallenge(Challenge):
    name = mfa_step.SELECT_MFA_TYPE

    def respond(self, ctx: FlowContext) -> dict[str, Any]:
        session = self.open(ctx)
        answer = ctx.param("ANSWER")
        factor = SYNONYMS.get(answer, answer)
        if factor not in session.data.get("choices", ()):
            raise InvalidParameterException(f"Invalid MFA type {answer}: choose one of MFAS_CAN_CHOOSE.")
        with ctx.auth.rt.store.transaction() as tx:
            spend(tx, session)
            user = tx.lock_user(ctx.pool.id, session.username)
            if user is None or not user.enabled:
                raise NotAuthorizedException(INVALID if user is None else "User is disabled.")
            if factor not in mfa.usable_factors(ctx.pool, user):  # changed since the choice was offered
                raise InvalidParameterException(f"Invalid MFA type {answer}: choose one of MFAS_CAN_CHOOSE.")
            step = mfa_step.challenge(ctx, tx, user, factor, session.flow, answered=session)
        return issue(ctx, step)
