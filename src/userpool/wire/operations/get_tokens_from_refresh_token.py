"""GetTokensFromRefreshToken: see ``userpool.auth.engine.get_tokens_from_refresh_token``."""

from __future__ import annotations

from typing import Any

from userpool.auth import engine
from userpool.auth.context import AuthCall
from userpool.wire.registry import Request
from userpool.wire.services import Services, base_url


def handle(services: Services, request: Request) -> dict[str, Any]:
    body = request.body
    parameters = {"REFRESH_TOKEN": body["RefreshToken"]}
    if body.get("DeviceKey"):
        parameters["DEVICE_KEY"] = body["DeviceKey"]
    call = AuthCall(client_id=body["ClientId"], admin=False, base_url=base_url(request),
                    parameters=parameters, flow="REFRESH_TOKEN_AUTH", client_metadata=body.get("ClientMetadata") or {})
    return engine.get_tokens_from_refresh_token(services.auth, call, body.get("ClientSecret"))
