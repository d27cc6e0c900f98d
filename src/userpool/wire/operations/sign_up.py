"""SignUp: see ``userpool.directory.signup.sign_up``."""

from __future__ import annotations

from typing import Any

from userpool.directory import signup
from userpool.wire.registry import Request
from userpool.wire.services import Services


def handle(services: Services, request: Request) -> dict[str, Any]:
    return signup.sign_up(services.rt, request.body)
