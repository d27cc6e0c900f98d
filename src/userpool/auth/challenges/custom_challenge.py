"""CUSTOM_CHALLENGE (spec §5.16): the answer (``ANSWER``) to a challenge CreateAuthChallenge
made; VerifyAuthChallengeResponse judges it and DefineAuthChallenge decides what follows
(``auth/custom_auth.py``)."""

from __future__ import annotations

from typing import Any

from userpool.auth import custom_auth
from userpool.auth.challenges.base import Challenge
from userpool.auth.context import FlowContext
from userpool.auth.session import INVALID
from userpool.model.errors import NotAuthorizedException


class CustomChallenge(Challenge):
    name = custom_auth.CUSTOM_CHALLENGE

    def respond(self, ctx: FlowContext) -> dict[str, Any]:
        session = self.open(ctx)
        answer = ctx.param("ANSWER")
        user = None
        if not session.data.get("not_found"):
            user = ctx.find_user(session.username)
            if user is None or user.username != session.username:
                raise NotAuthorizedException(INVALID)
            if not user.enabled:
                raise NotAuthorizedException("User is disabled.")
        with ctx.auth.rt.store.read() as tx:
            if tx.is_consumed(session.id):
                raise NotAuthorizedException(INVALID)
        return custom_auth.verify(ctx, session, user, answer)
