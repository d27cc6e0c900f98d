"""GetUserAttributeVerificationCode: see ``userpool.auth.account.get_user_attribute_verification_code``."""

from __future__ import annotations

from typing import Any

from userpool.auth import account
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return account.get_user_attribute_verification_code(services.auth, request.body)
