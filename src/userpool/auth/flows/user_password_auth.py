"""USER_PASSWORD_AUTH (InitiateAuth): the password sent in clear over TLS (spec §3.1)."""

from __future__ import annotations

from typing import Any, ClassVar

from userpool.auth.context import FlowContext
from userpool.auth.first_factor import WRONG, password_holder, password_matches, settle
from userpool.auth.flows.base import AuthFlow
from userpool.auth.next_step import Completed, finish, record
from userpool.model.errors import NotAuthorizedException


class UserPasswordAuthFlow(AuthFlow):
    names: ClassVar[tuple[str, ...]] = ("USER_PASSWORD_AUTH",)
    admin = False
    enabled_by = ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH")

    def start(self, ctx: FlowContext) -> dict[str, Any]:
        """The password checked, then one write transaction: the verdict under the user's lockout
        lock, its outcome counted and, on success, the next step recorded (the refresh token)."""
        typed, password = ctx.param("USERNAME"), ctx.param("PASSWORD")
        user = password_holder(ctx, typed)
        correct = password_matches(ctx, user, typed, password)
        with ctx.auth.rt.store.transaction() as tx:
            refusal = settle(ctx, tx, user, typed, correct)
            outcome = record(ctx, tx, Completed(user)) if refusal is None and user is not None else None
        if outcome is None:  # committed: the failure is counted
            raise refusal or NotAuthorizedException(WRONG)
        return finish(ctx, outcome)
