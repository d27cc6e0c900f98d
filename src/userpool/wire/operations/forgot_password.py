"""ForgotPassword: see ``userpool.directory.signup.forgot_password``."""

from __future__ import annotations

from typing import Any

from userpool.directory import signup
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return signup.forgot_password(services.rt, request.body)
