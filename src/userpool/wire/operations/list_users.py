"""ListUsers: see ``userpool.directory.users.list_users``."""

from __future__ import annotations

from typing import Any

from userpool.directory import users
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return users.list_users(services.rt, request.body)
