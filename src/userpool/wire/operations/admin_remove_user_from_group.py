"""AdminRemoveUserFromGroup: see ``userpool.directory.groups.admin_remove_user_from_group``."""

from __future__ import annotations

from typing import Any

from userpool.directory import groups
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return groups.admin_remove_user_from_group(services.rt, request.body)
