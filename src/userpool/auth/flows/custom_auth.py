"""CUSTOM_AUTH (InitiateAuth and AdminInitiateAuth, spec §3.4, §11.6): the first step of the
custom-challenge loop (``auth/custom_auth.py``), optionally starting with an SRP password check
(CUSTOM_WITH_SRP: ``SRP_A`` with ``CHALLENGE_NAME`` "SRP_A"; "ChallengeName" accepted too,
spec §10.24)."""

from __future__ import annotations

from typing import Any

from userpool.auth import custom_auth, sign_in_triggers
from userpool.auth.context import FlowContext
from userpool.auth.first_factor import check_user_state
from userpool.auth.flows.base import AuthFlow
from userpool.directory.client_auth import check_secret_hash
from userpool.model.errors import InvalidParameterException, UserNotFoundException


class CustomAuthFlow(AuthFlow):
    names = ("CUSTOM_AUTH",)
    enabled_by = ("ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY")
    implicit_for_legacy_clients = True

    def start(self, ctx: FlowContext) -> dict[str, Any]:
        typed = ctx.param("USERNAME")
        check_secret_hash(ctx.client, typed, ctx.optional("SECRET_HASH"))
        if not custom_auth.configured(ctx):
            raise InvalidParameterException(custom_auth.NOT_CONFIGURED)
        user = ctx.find_user(typed)
        if user is None and not ctx.client.prevent_user_existence_errors:
            raise UserNotFoundException()
        if user is not None:
            check_user_state(ctx, user)
        sign_in_triggers.pre_authentication(ctx, user, typed)
        srp_a = ctx.optional("SRP_A")
        asked = ctx.optional("CHALLENGE_NAME") or ctx.optional("ChallengeName")
        with_srp = srp_a is not None and asked == custom_auth.SRP_A
        history = [{"challengeName": custom_auth.SRP_A, "challengeResult": True, "challengeMetadata": None}] \
            if with_srp else []
        return custom_auth.step(ctx, user, typed, history, srp_a=srp_a if with_srp else None)
