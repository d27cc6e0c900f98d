"""DescribeUserPoolClient: see ``userpool.directory.clients.describe_client``."""

from __future__ import annotations

from typing import Any

from userpool.directory import clients
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return clients.describe_client(services.rt, request.body)
