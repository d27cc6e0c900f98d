"""ListUserPoolClients: see ``userpool.directory.clients.list_clients``."""

from __future__ import annotations

from typing import Any

from userpool.directory import clients
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return clients.list_clients(services.rt, request.body)
