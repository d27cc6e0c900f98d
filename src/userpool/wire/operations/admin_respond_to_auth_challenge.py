"""AdminRespondToAuthChallenge: the admin entry to the sign-in engine
(``userpool.auth.engine.respond``); public and admin variants share every flow."""

from __future__ import annotations

from typing import Any

from userpool.auth import engine
from userpool.wire.registry import Request
from userpool.wire.services import Services, auth_call


def handle(services: Services, request: Request) -> dict[str, Any]:
    return engine.respond(services.auth, auth_call(request, admin=True, respond=True))
