"""The sign-in operations' adapters: the wire shape of InitiateAuth, AdminInitiateAuth,
RespondToAuthChallenge, AdminRespondToAuthChallenge and GetTokensFromRefreshToken turned into
the ``AuthCall`` the engine (``userpool.auth.engine``) serves. Public and admin variants share
every flow and challenge; only ``admin`` differs (spec §3.0, §5)."""

from __future__ import annotations

from typing import Any

from userpool.auth import engine
from userpool.auth.context import AuthCall
from userpool.wire.registry import Request
from userpool.wire.services import Services


def auth_call(request: Request, *, admin: bool, respond: bool) -> AuthCall:
    """An Initiate or Respond call: its parameters (AuthParameters or ChallengeResponses) as
    strings, and the base URL the request came in on (the tokens' ``iss``)."""
    body = request.body
    parameters: dict[str, Any] = body.get("ChallengeResponses" if respond else "AuthParameters") or {}
    return AuthCall(
        client_id=body["ClientId"],
        admin=admin,
        base_url=request.base_url,
        # amazon-cognito-identity-js sends "DEVICE_KEY": null when it has no device: absent
        parameters={str(k): str(v) for k, v in parameters.items() if v is not None},
        pool_id=body.get("UserPoolId"),
        flow=body.get("AuthFlow", ""),
        challenge_name=body.get("ChallengeName", ""),
        session=body.get("Session"),
        client_metadata=body.get("ClientMetadata") or {},
        source_ip=_source_ip(request, admin),
    )


def _source_ip(request: Request, admin: bool) -> str | None:
    """The signing-in user's address: an admin call's ``ContextData.IpAddress`` (the app's
    backend calls on the user's behalf), else the caller's (``Request.source_ip``)."""
    context = request.body.get("ContextData") if admin else None
    address = context.get("IpAddress") if isinstance(context, dict) else None
    return address or request.source_ip


def initiate_auth(services: Services, request: Request) -> dict[str, Any]:
    return engine.initiate(services.auth, auth_call(request, admin=False, respond=False))


def admin_initiate_auth(services: Services, request: Request) -> dict[str, Any]:
    return engine.initiate(services.auth, auth_call(request, admin=True, respond=False))


def respond_to_auth_challenge(services: Services, request: Request) -> dict[str, Any]:
    return engine.respond(services.auth, auth_call(request, admin=False, respond=True))


def admin_respond_to_auth_challenge(services: Services, request: Request) -> dict[str, Any]:
    return engine.respond(services.auth, auth_call(request, admin=True, respond=True))


def get_tokens_from_refresh_token(services: Services, request: Request) -> dict[str, Any]:
    """GetTokensFromRefreshToken: REFRESH_TOKEN_AUTH with the refresh token and device key as
    members of the request instead of AuthParameters (spec §3.3)."""
    body = request.body
    parameters = {"REFRESH_TOKEN": body["RefreshToken"]}
    if body.get("DeviceKey"):
        parameters["DEVICE_KEY"] = body["DeviceKey"]
    call = AuthCall(client_id=body["ClientId"], admin=False, base_url=request.base_url,
                    parameters=parameters, flow="REFRESH_TOKEN_AUTH", client_metadata=body.get("ClientMetadata") or {},
                    source_ip=request.source_ip)
    return engine.get_tokens_from_refresh_token(services.auth, call, body.get("ClientSecret"))
