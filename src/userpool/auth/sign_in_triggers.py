"""The Lambda triggers around a sign-in (spec §7.3, §7.4, §3.6 step 4): PreAuthentication before
the first factor is checked, PostAuthentication once the tokens are made.

- PreAuthentication (``PreAuthentication_Authentication``): at InitiateAuth / AdminInitiateAuth of
  every flow that authenticates a user (password, SRP, custom), before the password or proof is
  checked; ``request.validationData`` is the call's ClientMetadata (spec §7.4), ``userNotFound``
  is present for clients that hide unknown users. An error refuses the sign-in:
  UserLambdaValidationException "PreAuthentication failed with error <message>." (§10.17).
- PostAuthentication (``PostAuthentication_Authentication``): after the tokens are made and
  before they are returned; ``clientMetadata`` only when the call is a RespondToAuthChallenge
  (InitiateAuth passes none, §7.4). An error fails the sign-in: no tokens are returned (the
  refresh token stored for them is never handed out).

A pool without the trigger costs one dictionary lookup.
"""

from __future__ import annotations

from typing import Any

from userpool.auth.context import FlowContext
from userpool.directory import triggers
from userpool.model.entities import User


def pre_authentication(ctx: FlowContext, user: User | None, typed: str) -> None:
    if triggers.function_arn(ctx.pool, "PreAuthentication") is None:
        return
    request: dict[str, Any] = {"userAttributes": triggers.user_attributes(ctx.pool, user) if user else {}}
    if ctx.call.client_metadata:
        request["validationData"] = dict(ctx.call.client_metadata)
    if ctx.client.prevent_user_existence_errors:
        request["userNotFound"] = user is None
    event = triggers.event(ctx.auth.rt, ctx.pool, "PreAuthentication_Authentication",
                           user.username if user else typed, ctx.client.client_id, request, {})
    triggers.invoke(ctx.auth.rt, ctx.pool, "PreAuthentication", event)


def post_authentication(ctx: FlowContext, user: User, *, new_device: bool = False) -> None:
    """PostAuthentication_Authentication; ``newDeviceUsed`` (with device tracking on): whether the
    sign-in minted a new device (``NewDeviceMetadata``)."""
    if triggers.function_arn(ctx.pool, "PostAuthentication") is None:
        return
    request: dict[str, Any] = {"userAttributes": triggers.user_attributes(ctx.pool, user)}
    if ctx.pool.config.get("DeviceConfiguration") is not None:
        request["newDeviceUsed"] = new_device
    if ctx.call.challenge_name and ctx.call.client_metadata:
        request["clientMetadata"] = dict(ctx.call.client_metadata)
    event = triggers.event(ctx.auth.rt, ctx.pool, "PostAuthentication_Authentication", user.username,
                           ctx.client.client_id, request, {})
    triggers.invoke(ctx.auth.rt, ctx.pool, "PostAuthentication", event)
