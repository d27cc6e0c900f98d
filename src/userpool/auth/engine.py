"""The sign-in state machine's entry points: InitiateAuth / AdminInitiateAuth and
RespondToAuthChallenge / AdminRespondToAuthChallenge (spec §3.0, §5).

The public and admin operations call the same code; they differ only in which flows they
may start and in the pool check of the admin variants. Adding a flow or a challenge is
adding one file under ``flows/`` or ``challenges/`` and one line in the tables below.
"""

from __future__ import annotations

from typing import Any

from userpool.auth import device_step, lockout
from userpool.auth.challenges.base import Challenge
from userpool.auth.challenges.custom_challenge import CustomChallenge
from userpool.auth.challenges.device_password_verifier import DevicePasswordVerifierChallenge
from userpool.auth.challenges.device_srp_auth import DeviceSrpAuthChallenge
from userpool.auth.challenges.email_otp import EmailOtpChallenge
from userpool.auth.challenges.mfa_setup import MfaSetupChallenge
from userpool.auth.challenges.new_password_required import NewPasswordRequiredChallenge
from userpool.auth.challenges.password_verifier import PasswordVerifierChallenge
from userpool.auth.challenges.select_challenge import SelectChallenge
from userpool.auth.challenges.select_mfa_type import SelectMfaTypeChallenge
from userpool.auth.challenges.sms_mfa import SmsMfaChallenge
from userpool.auth.challenges.sms_otp import SmsOtpChallenge
from userpool.auth.challenges.software_token_mfa import SoftwareTokenMfaChallenge
from userpool.auth.challenges.web_authn import WebAuthnChallenge
from userpool.auth.context import AuthCall, FlowContext
from userpool.auth.flows.admin_user_password_auth import AdminUserPasswordAuthFlow
from userpool.auth.flows.base import AuthFlow
from userpool.auth.flows.custom_auth import CustomAuthFlow
from userpool.auth.flows.refresh_token_auth import RefreshTokenAuthFlow, rotation_enabled
from userpool.auth.flows.user_auth import UserAuthFlow
from userpool.auth.flows.user_password_auth import UserPasswordAuthFlow
from userpool.auth.flows.user_srp_auth import UserSrpAuthFlow
from userpool.auth.runtime import AuthRuntime
from userpool.directory import request_scope, usernames
from userpool.directory.client_auth import check_client_secret
from userpool.directory.clients import LEGACY_FLOWS, get_client
from userpool.directory.pools import get_pool
from userpool.model.entities import AppClient
from userpool.model.errors import InvalidParameterException, NotAuthorizedException, ResourceNotFoundException

FLOWS: dict[str, AuthFlow] = {
    name: flow
    for flow in (UserPasswordAuthFlow(), AdminUserPasswordAuthFlow(), RefreshTokenAuthFlow(), UserSrpAuthFlow(),
                 CustomAuthFlow(), UserAuthFlow())
    for name in flow.names
}
CHALLENGES: dict[str, Challenge] = {
    c.name: c for c in (
        NewPasswordRequiredChallenge(), PasswordVerifierChallenge(), SmsMfaChallenge(), SoftwareTokenMfaChallenge(),
        EmailOtpChallenge(), SelectMfaTypeChallenge(), MfaSetupChallenge(), CustomChallenge(),
        DeviceSrpAuthChallenge(), DevicePasswordVerifierChallenge(), SelectChallenge(), SmsOtpChallenge(),
        WebAuthnChallenge(),
    )
}

# Every AuthFlowType of the model is above, and every ChallengeNameType either above or listed
# here with the reason; a test keeps them in step with botocore's model.
NOT_YET_CHALLENGES: dict[str, str] = {}
#: The device steps check DEVICE_KEY themselves: it is what they answer for.
DEVICE_CHALLENGES = frozenset({device_step.DEVICE_SRP_AUTH, device_step.DEVICE_PASSWORD_VERIFIER})
NEVER_ISSUED = {
    "ADMIN_NO_SRP_AUTH": "a legacy challenge name Cognito never issues (spec §5)",
    # USER_AUTH's PASSWORD and PASSWORD_SRP are answered through SELECT_CHALLENGE (spec §11.3)
    "PASSWORD": "chosen with SELECT_CHALLENGE's ANSWER, never issued (spec §11.3)",
    "PASSWORD_SRP": "chosen with SELECT_CHALLENGE's ANSWER, never issued (spec §11.3)",
}


def _context(auth: AuthRuntime, call: AuthCall, flow: AuthFlow | None = None,
             challenge: Challenge | None = None) -> FlowContext:
    with auth.rt.store.read() as tx:
        both = tx.get_client_with_pool(call.client_id)
        if call.admin and (both is None or both[1].id != call.pool_id):
            # Admin calls name the pool: say which of the two is missing, pool first.
            pool = get_pool(tx, call.pool_id or "")
            client = get_client(tx, call.client_id, pool.id)
        elif both is None:
            raise ResourceNotFoundException(f"User pool client {call.client_id} does not exist.")
        else:
            client, pool = both
        request_scope.note(pool.id, client.client_id)
        typed = call.parameters.get("USERNAME")
        named = usernames.resolve(tx, pool, typed) if typed else None
        preloaded = flow.preload(tx, call.parameters, pool, client) if flow is not None else None
        if challenge is not None:
            preloaded = challenge.preload(auth, tx, call, pool)
        counter = None
        if typed and flow is not None and flow.checks_password:
            counter = tx.get_lockout(pool.id, named.username if named else lockout.key_for_unknown(typed))
        key = call.parameters.get("DEVICE_KEY")
        device = tx.get_device(pool.id, key) if key else None
    return FlowContext(auth, call, pool, client, named, preloaded, counter, device)


def _check_enabled(ctx: FlowContext, flow: AuthFlow) -> None:
    """ExplicitAuthFlows (spec §2.2, §3.0 step 4)."""
    enabled = ctx.client.explicit_auth_flows
    name = ctx.call.flow
    if "CUSTOM_AUTH_FLOW_ONLY" in enabled and name != "CUSTOM_AUTH" and not flow.implicit_for_legacy_clients:
        raise InvalidParameterException("Only custom auth (lambda driven) is enabled for this client.")
    if any(value in enabled for value in flow.enabled_by):
        return
    legacy_only = bool(enabled) and all(value in LEGACY_FLOWS for value in enabled)
    if legacy_only and flow.implicit_for_legacy_clients:
        return
    raise InvalidParameterException(f"{name} flow not enabled for this client")


def initiate(auth: AuthRuntime, call: AuthCall) -> dict[str, Any]:
    flow = FLOWS.get(call.flow)
    if flow is None:
        raise InvalidParameterException("Initiate Auth method not supported.")
    if (call.admin and not flow.admin) or (not call.admin and not flow.public):
        raise InvalidParameterException("Initiate Auth method not supported.")
    ctx = _context(auth, call, flow)
    _check_enabled(ctx, flow)
    return flow.start(ctx)


def respond(auth: AuthRuntime, call: AuthCall) -> dict[str, Any]:
    challenge = CHALLENGES.get(call.challenge_name)
    if challenge is None:
        reason = NOT_YET_CHALLENGES.get(call.challenge_name) or NEVER_ISSUED.get(call.challenge_name)
        raise InvalidParameterException(
            f"ChallengeName {call.challenge_name} is not supported by this server"
            + (f" yet ({reason})." if call.challenge_name in NOT_YET_CHALLENGES else ".")
        )
    ctx = _context(auth, call, challenge=challenge)
    if challenge.name not in DEVICE_CHALLENGES:
        # before the answer spends anything: the client may retry without the key (spec §2.4)
        device_step.refuse_unknown(ctx, ctx.named.username if ctx.named is not None else None)
    return challenge.respond(ctx)


def get_tokens_from_refresh_token(auth: AuthRuntime, call: AuthCall, client_secret: str | None) -> dict[str, Any]:
    """GetTokensFromRefreshToken (spec §3.3): the refresh flow, authenticated by ClientSecret."""
    flow = FLOWS["REFRESH_TOKEN_AUTH"]
    ctx = _context(auth, call, flow)
    _check_enabled(ctx, flow)

    def authenticate_client(client: AppClient, _username: str, _hash: str | None) -> None:
        if not check_client_secret(client, client_secret):
            raise NotAuthorizedException(f"Unable to verify secret for client {client.client_id}")

    if rotation_enabled(ctx.client):
        return {"AuthenticationResult": RefreshTokenAuthFlow.rotate(ctx, authenticate_client, ctx.call.client_metadata)}
    return {"AuthenticationResult": RefreshTokenAuthFlow.issue(ctx, authenticate_client, ctx.call.client_metadata)}
