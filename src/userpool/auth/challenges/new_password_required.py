"""NEW_PASSWORD_REQUIRED (spec §5.5): a user with a temporary password chooses a new one,
and supplies any required attributes that have no value yet."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from userpool.auth.challenges.base import Challenge
from userpool.auth.context import FlowContext
from userpool.auth.next_step import Completed, proceed
from userpool.auth.session import INVALID
from userpool.directory import attributes
from userpool.directory.passwords import new_password
from userpool.model.entities import UserStatus
from userpool.model.errors import InvalidParameterException, NotAuthorizedException

_PREFIX = "userAttributes."


class NewPasswordRequiredChallenge(Challenge):
    name = "NEW_PASSWORD_REQUIRED"

    def respond(self, ctx: FlowContext) -> dict[str, Any]:
        session = self.open(ctx)
        password = ctx.param("NEW_PASSWORD")
        with ctx.auth.rt.store.read() as tx:
            user = tx.get_user(ctx.pool.id, session.username)
        if user is None or user.status != UserStatus.FORCE_CHANGE_PASSWORD or not user.enabled:
            raise NotAuthorizedException(INVALID)
        changes = {k[len(_PREFIX):]: v for k, v in ctx.call.parameters.items() if k.startswith(_PREFIX)}
        for name in changes:
            schema_attribute = ctx.pool.schema_attribute(name)
            if schema_attribute is not None and schema_attribute.required and user.attributes.get(name):
                raise InvalidParameterException(f"Cannot modify an already provided required attribute: {name}")
        attributes.check_writes(ctx.pool, changes, creating=False, admin=False, client=ctx.client)
        updated_attributes = attributes.apply_changes(user.attributes, changes)
        attributes.check_required(ctx.pool, updated_attributes)
        now = ctx.auth.rt.clock.now()
        credential, history = new_password(ctx.pool, user, password, ctx.auth.rt.random, now)
        user = replace(user, password=credential, password_history=history, status=UserStatus.CONFIRMED,
                       attributes=updated_attributes, last_modified=now)
        return proceed(ctx, Completed(user, spent=session, updated_user=True))
