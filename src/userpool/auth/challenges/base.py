"""What every challenge answer handler is: its ChallengeName and ``respond`` (spec §5)."""

from __future__ import annotations

from typing import Any, ClassVar

from userpool.auth.context import AuthCall, FlowContext
from userpool.auth.runtime import AuthRuntime
from userpool.auth.session import INVALID, AuthSession, open_session
from userpool.directory.client_auth import check_secret_hash
from userpool.model.entities import UserPool
from userpool.model.errors import InvalidParameterException, NotAuthorizedException
from userpool.model.ports import Tx


class Challenge:
    name: ClassVar[str]

    def preload(self, auth: AuthRuntime, tx: Tx, call: AuthCall, pool: UserPool) -> Any:
        """Runs inside the engine's read transaction (like ``AuthFlow.preload``): reads only,
        refuses nothing; what it returns is ``FlowContext.preloaded``."""
        return None

    def respond(self, ctx: FlowContext) -> dict[str, Any]:
        raise NotImplementedError

    #: Other challenges whose Session this one may answer (SELECT_CHALLENGE answers WEB_AUTHN's).
    also_answers: ClassVar[tuple[str, ...]] = ()

    def open(self, ctx: FlowContext) -> AuthSession:
        """The call's Session, checked against pool, client, expected challenge and USERNAME."""
        if not ctx.call.session:
            raise InvalidParameterException("Missing required parameter Session")
        session = open_session(ctx.auth, ctx.call.session)
        bind(ctx, session, session.challenge if session.challenge in self.also_answers else self.name)
        return session


def bind(ctx: FlowContext, session: AuthSession, challenge: str) -> None:
    """Spec §2.5: a session belongs to one pool, client and user, and expects one challenge."""
    if session.pool_id != ctx.pool.id or session.client_id != ctx.client.client_id:
        raise NotAuthorizedException(INVALID)
    if session.challenge != challenge:
        raise InvalidParameterException(f"Invalid challenge name: expected {session.challenge}")
    typed = ctx.param("USERNAME")
    check_secret_hash(ctx.client, typed, ctx.optional("SECRET_HASH"))
    if typed != session.username:
        user = ctx.find_user(typed)
        if user is None or user.username != session.username:
            raise NotAuthorizedException(INVALID)
