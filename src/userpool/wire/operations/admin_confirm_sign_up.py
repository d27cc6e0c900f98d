"""AdminConfirmSignUp: see ``userpool.directory.users.admin_confirm_sign_up``."""

from __future__ import annotations

from typing import Any

from userpool.directory import users
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return users.admin_confirm_sign_up(services.rt, request.body)
