"""NEW_PASSWORD_REQUIRED (spec §5.5): a user with a temporary password chooses a new one,
and supplies any required attributes that have no value yet.

The attributes are a user-side write like UpdateUserAttributes and go through the same rule,
``directory.users.write_attributes``: no ``*_verified`` flags from the user, a changed email /
phone number becomes unverified, an alias another user holds is refused (AliasExistsException).
The user is read again, and its aliases claimed, inside the transaction that stores it and
spends the session (``next_step.record``), so no check runs on a stale copy.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from userpool.auth.challenges.base import Challenge
from userpool.auth.context import FlowContext
from userpool.auth.next_step import Completed, finish, record
from userpool.auth.session import INVALID
from userpool.directory import attributes, users
from userpool.directory.passwords import new_password
from userpool.model.entities import User, UserStatus
from userpool.model.errors import InvalidParameterException, NotAuthorizedException

_PREFIX = "userAttributes."


class NewPasswordRequiredChallenge(Challenge):
    name = "NEW_PASSWORD_REQUIRED"

    def respond(self, ctx: FlowContext) -> dict[str, Any]:
        session = self.open(ctx)
        password = ctx.param("NEW_PASSWORD")
        rt = ctx.auth.rt
        with rt.store.read() as tx:
            user = _awaiting_new_password(tx.get_user(ctx.pool.id, session.username))
        changes = {k[len(_PREFIX):]: v for k, v in ctx.call.parameters.items() if k.startswith(_PREFIX)}
        for name in changes:
            schema_attribute = ctx.pool.schema_attribute(name)
            if schema_attribute is not None and schema_attribute.required and user.attributes.get(name):
                raise InvalidParameterException(f"Cannot modify an already provided required attribute: {name}")
        # Refused writes fail before the costly verifier is made; write_attributes checks again.
        attributes.check_writes(ctx.pool, changes, creating=False, admin=False, client=ctx.client)
        attributes.check_required(ctx.pool, attributes.apply_changes(user.attributes, changes))
        now = rt.clock.now()
        credential, history = new_password(ctx.pool, user, password, rt.random, now)
        with rt.store.transaction() as tx:
            current = _awaiting_new_password(tx.lock_user(ctx.pool.id, session.username))
            if current.password != user.password:  # the temporary password changed meanwhile
                raise NotAuthorizedException(INVALID)
            updated = users.write_attributes(tx, ctx.pool, current, changes, admin=False, client=ctx.client,
                                             now=now)
            updated = replace(updated, password=credential, password_history=history,
                              status=UserStatus.CONFIRMED, last_modified=now)
            outcome = record(ctx, tx, Completed(updated, spent=session, updated_user=True))
        return finish(ctx, outcome)


def _awaiting_new_password(user: User | None) -> User:
    if user is None or user.status != UserStatus.FORCE_CHANGE_PASSWORD or not user.enabled:
        raise NotAuthorizedException(INVALID)
    return user
