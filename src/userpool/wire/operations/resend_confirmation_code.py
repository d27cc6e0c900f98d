"""ResendConfirmationCode: see ``userpool.directory.signup.resend_confirmation_code``."""

from __future__ import annotations

from typing import Any

from userpool.directory import signup
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return signup.resend_confirmation_code(services.rt, request.body)
