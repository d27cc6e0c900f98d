"""UpdateGroup: see ``userpool.directory.groups.update_group``."""

from __future__ import annotations

from typing import Any

from userpool.directory import groups
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return groups.update_group(services.rt, request.body)
