"""AdminDisableUser: see ``userpool.directory.users.admin_disable_user``."""

from __future__ import annotations

from typing import Any

from userpool.directory import users
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return users.admin_disable_user(services.rt, request.body)
