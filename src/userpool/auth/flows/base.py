"""What every AuthFlow is: the names it answers to, the operations that may start it, the
ExplicitAuthFlows values that enable it, and ``start`` (spec §3.0 steps 3–4).

``preload`` runs inside the engine's read of the pool, client and named user, so a flow that
needs more from the database (the refresh token) gets it in that one read. It only reads:
every check and refusal stays in ``start``, in Cognito's order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from userpool.auth.context import FlowContext
from userpool.model.entities import AppClient, UserPool
from userpool.model.ports import Tx


class AuthFlow:
    names: ClassVar[tuple[str, ...]]
    public: ClassVar[bool] = True
    admin: ClassVar[bool] = True
    enabled_by: ClassVar[tuple[str, ...]]
    implicit_for_legacy_clients: ClassVar[bool] = False
    # The flow checks a password: the engine reads the lockout counter of the named user (or of
    # the unknown name) in its read transaction, so a locked-out user is refused before the check.
    checks_password: ClassVar[bool] = False

    def preload(self, tx: Tx, parameters: Mapping[str, str], pool: UserPool, client: AppClient) -> Any:
        return None

    def start(self, ctx: FlowContext) -> dict[str, Any]:
        raise NotImplementedError
