"""USER_PASSWORD_AUTH (InitiateAuth): the password sent in clear over TLS (spec §3.1)."""

from __future__ import annotations

from typing import Any, ClassVar

from userpool.auth.context import FlowContext
from userpool.auth.first_factor import conclude, password_holder, password_matches
from userpool.auth.flows.base import AuthFlow


class UserPasswordAuthFlow(AuthFlow):
    names: ClassVar[tuple[str, ...]] = ("USER_PASSWORD_AUTH",)
    admin = False
    enabled_by = ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH")
    checks_password = True

    def start(self, ctx: FlowContext) -> dict[str, Any]:
        """The password checked, then one write transaction: the verdict under the user's lockout
        lock, its outcome counted and, on success, the next step recorded (the refresh token)."""
        typed, password = ctx.param("USERNAME"), ctx.param("PASSWORD")
        user = password_holder(ctx, typed, password)
        return conclude(ctx, user, typed, password_matches(ctx, user, typed, password))
