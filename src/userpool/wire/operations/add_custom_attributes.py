"""AddCustomAttributes: see ``userpool.directory.pools.add_custom_attributes``."""

from __future__ import annotations

from typing import Any

from userpool.directory import pools
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return pools.add_custom_attributes(services.rt, request.body)
