"""CreateUserPool: see ``userpool.directory.pools.create_pool``."""

from __future__ import annotations

from typing import Any

from userpool.directory import pools
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return pools.create_pool(services.rt, request.body)
