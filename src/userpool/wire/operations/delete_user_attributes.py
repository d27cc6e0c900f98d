"""DeleteUserAttributes: see ``userpool.auth.account.delete_user_attributes``."""

from __future__ import annotations

from typing import Any

from userpool.auth import account
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return account.delete_user_attributes(services.auth, request.body)
