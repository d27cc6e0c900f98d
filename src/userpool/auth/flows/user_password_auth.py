"""USER_PASSWORD_AUTH (InitiateAuth): the password sent in clear over TLS (spec §3.1)."""

from __future__ import annotations

from typing import Any, ClassVar

from userpool.auth.context import FlowContext
from userpool.auth.first_factor import verify_password
from userpool.auth.flows.base import AuthFlow
from userpool.auth.next_step import Completed, proceed


class UserPasswordAuthFlow(AuthFlow):
    names: ClassVar[tuple[str, ...]] = ("USER_PASSWORD_AUTH",)
    admin = False
    enabled_by = ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH")

    def start(self, ctx: FlowContext) -> dict[str, Any]:
        user = verify_password(ctx, ctx.param("USERNAME"), ctx.param("PASSWORD"))
        return proceed(ctx, Completed(user, lockout_key=user.username))
