"""SELECT_CHALLENGE (spec §5.4, §11.3): the answer to USER_AUTH's choice of first factor.

``ANSWER`` must be one of the challenges the session offered (``InvalidParameterException``
otherwise); the rest of the answer is the chosen factor's first step: PASSWORD with ``PASSWORD``,
PASSWORD_SRP with ``SRP_A``, EMAIL_OTP / SMS_OTP (a code is sent). The session is spent by the
step that follows (``user_auth.begin``), and stays usable when that step fails before it starts
(a missing parameter, a code that cannot be delivered).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from userpool.auth import lockout
from userpool.auth.challenges.base import Challenge
from userpool.auth.context import AuthCall, FlowContext
from userpool.auth.flows.user_auth import SELECT_CHALLENGE, begin
from userpool.auth.runtime import AuthRuntime
from userpool.auth.session import INVALID
from userpool.directory import first_factors, usernames
from userpool.model.entities import LockoutState, UserPool
from userpool.model.errors import InvalidParameterException, NotAuthorizedException
from userpool.model.ports import Tx


class SelectChallenge(Challenge):
    name = SELECT_CHALLENGE
    #: a user waiting for a passkey may pick another factor instead (spec §11.3)
    also_answers = (first_factors.WEB_AUTHN,)

    def preload(self, auth: AuthRuntime, tx: Tx, call: AuthCall, pool: UserPool) -> LockoutState | None:
        """The counter of the named user (or name) for ANSWER=PASSWORD, read with the pool."""
        typed = call.parameters.get("USERNAME")
        if call.parameters.get("ANSWER") != "PASSWORD" or not typed:
            return None
        user = usernames.resolve(tx, pool, typed)
        return tx.get_lockout(pool.id, user.username if user else lockout.key_for_unknown(typed))

    def respond(self, ctx: FlowContext) -> dict[str, Any]:
        session = self.open(ctx)
        answer = ctx.param("ANSWER")
        choices = list(session.data.get("choices") or [])
        if answer not in choices:
            raise InvalidParameterException(f"The challenge {answer} is not one of the available challenges.")
        with ctx.auth.rt.store.read() as tx:
            if tx.is_consumed(session.id):
                raise NotAuthorizedException(INVALID)
        user = None if session.data.get("unknown") else ctx.named
        if not session.data.get("unknown") and (user is None or user.username != session.username):
            raise NotAuthorizedException(INVALID)
        ctx = replace(ctx, lockout=ctx.preloaded if isinstance(ctx.preloaded, LockoutState) else None)
        return begin(ctx, user, str(session.data.get("typed") or session.username), answer, choices, session)
