"""Sign-in straight from sign-up (spec §3.5 step 1, §11.3): ConfirmSignUp (and SignUp, for a user
confirmed by PreSignUp, when the client allows USER_AUTH) answers with a ``Session``;
InitiateAuth / AdminInitiateAuth with ``AuthFlow: USER_AUTH``, the user's USERNAME and that Session
signs the user in without another factor — the confirmation code was the first factor, so no MFA
follows, as after a one-time code (§3.5 step 7).

The Session is sealed under its own associated data (no challenge Session opens as one), bound to
pool, client and user, expires after the client's AuthSessionValidity and is single use. Any
other keys of that InitiateAuth (PREFERRED_CHALLENGE, PASSWORD) are ignored (§11.3). For a name
ConfirmSignUp hides (PreventUserExistenceErrors), the answer carries a Session all the same: one
that can never sign anyone in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.auth.context import FlowContext
from userpool.auth.next_step import Completed, proceed
from userpool.auth.runtime import AuthRuntime
from userpool.auth.session import INVALID, new_session, open_session, seal
from userpool.directory import signup
from userpool.model.entities import AppClient, UserStatus
from userpool.model.errors import NotAuthorizedException

AAD = b"userpool/sign-up-session/v1"
#: The ``challenge`` of such a session: what it is, for ``bind``-style checks.
KIND = "SIGN_UP"
USER_AUTH = "USER_AUTH"


def issue(auth: AuthRuntime, pool_id: str, client: AppClient, username: str) -> str:
    session = new_session(auth, pool_id=pool_id, client_id=client.client_id, username=username, challenge=KIND,
                          flow=USER_AUTH, lifetime=client.auth_session_validity_seconds)
    return seal(auth, session, aad=AAD)


def sign_up(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    """SignUp, with a Session when the user is confirmed already and the client allows USER_AUTH."""
    out, user, client = signup.register(auth.rt, body)
    if out["UserConfirmed"] and "ALLOW_USER_AUTH" in client.explicit_auth_flows:
        out["Session"] = issue(auth, user.pool_id, client, user.username)
    return out


def confirm_sign_up(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    """ConfirmSignUp, answered with the Session of §11.3."""
    user = signup.confirm_user(auth.rt, body)
    with auth.rt.store.read() as tx:
        both = tx.get_client_with_pool(body["ClientId"])
    if both is None:  # deleted meanwhile
        return {}
    client, pool = both
    return {"Session": issue(auth, pool.id, client, user.username if user is not None else body["Username"])}


def sign_in(ctx: FlowContext, typed: str) -> dict[str, Any]:
    """USER_AUTH with a sign-up Session: tokens (through the common pipeline) for its user."""
    assert ctx.call.session is not None
    session = open_session(ctx.auth, ctx.call.session, aad=AAD)
    if session.pool_id != ctx.pool.id or session.client_id != ctx.client.client_id or session.challenge != KIND:
        raise NotAuthorizedException(INVALID)
    user = ctx.find_user(typed)
    if user is None or user.username != session.username or user.status != UserStatus.CONFIRMED:
        raise NotAuthorizedException(INVALID)
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    return proceed(ctx, Completed(user, spent=session, mfa_done=True))
