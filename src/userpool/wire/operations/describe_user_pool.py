"""DescribeUserPool: see ``userpool.directory.pools.describe_pool``."""

from __future__ import annotations

from typing import Any

from userpool.directory import pools
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return pools.describe_pool(services.rt, request.body)
