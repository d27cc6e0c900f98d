"""What every AuthFlow is: the names it answers to, the operations that may start it, the
ExplicitAuthFlows values that enable it, and ``start`` (spec §3.0 steps 3–4)."""

from __future__ import annotations

from typing import Any, ClassVar

from userpool.auth.context import FlowContext


class AuthFlow:
    names: ClassVar[tuple[str, ...]]
    public: ClassVar[bool] = True
    admin: ClassVar[bool] = True
    enabled_by: ClassVar[tuple[str, ...]]
    implicit_for_legacy_clients: ClassVar[bool] = False

    def start(self, ctx: FlowContext) -> dict[str, Any]:
        raise NotImplementedError
