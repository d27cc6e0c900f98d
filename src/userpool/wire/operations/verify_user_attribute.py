"""VerifyUserAttribute: see ``userpool.auth.account.verify_user_attribute``."""

from __future__ import annotations

from typing import Any

from userpool.auth import account
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return account.verify_user_attribute(services.auth, request.body)
