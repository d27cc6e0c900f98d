"""AssociateSoftwareToken and VerifySoftwareToken called with a sign-in ``Session`` instead of an
access token: the TOTP path of MFA_SETUP (spec §5.10, §11.5).

The calls carry no ClientId: the session alone names pool, client and user, and must be an
MFA_SETUP session that offered SOFTWARE_TOKEN_MFA. Each success spends the session and returns a
new one: AssociateSoftwareToken → stage "associated" (with the ``SecretCode``);
VerifySoftwareToken with a right code → stage "verified", which the MFA_SETUP answer
(``challenges/mfa_setup.py``) turns into an enabled factor and the rest of the sign-in. A wrong
code is EnableSoftwareTokenMFAException and spends nothing: clients retry with the same session.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from userpool.auth.mfa_step import MFA_SETUP
from userpool.auth.runtime import AuthRuntime
from userpool.auth.session import INVALID, AuthSession, new_session, open_session, seal, spend
from userpool.directory import mfa
from userpool.model.entities import SOFTWARE_TOKEN_MFA, User
from userpool.model.errors import EnableSoftwareTokenMFAException, NotAuthorizedException
from userpool.model.ports import Tx

ASSOCIATED = "associated"
VERIFIED = "verified"


def associate(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    session = _setup_session(auth, body["Session"], stages=(None, ASSOCIATED))
    with auth.rt.store.transaction() as tx:
        spend(tx, session)
        user, lifetime = _user_and_lifetime(tx, session)
        user, secret_code = mfa.associate(auth.rt.random, user)
        tx.update_user(user)
    return {"SecretCode": secret_code, "Session": _next(auth, session, ASSOCIATED, lifetime)}


def verify(auth: AuthRuntime, body: Mapping[str, Any]) -> dict[str, Any]:
    session = _setup_session(auth, body["Session"], stages=(ASSOCIATED,))
    with auth.rt.store.transaction() as tx:
        spend(tx, session)  # a wrong code rolls this back: the session stays usable for a retry
        user, lifetime = _user_and_lifetime(tx, session)
        verified = mfa.verify_pending(user, body["UserCode"], auth.rt.clock.now(), body.get("FriendlyDeviceName"))
        if verified is None:
            raise EnableSoftwareTokenMFAException()
        tx.update_user(verified)
    return {"Status": "SUCCESS", "Session": _next(auth, session, VERIFIED, lifetime)}


def _setup_session(auth: AuthRuntime, text: str, *, stages: tuple[str | None, ...]) -> AuthSession:
    """The MFA_SETUP session of a TOTP set-up at one of ``stages``; anything else is "Invalid
    session for the user." (a session of another challenge, or one that offered no TOTP)."""
    session = open_session(auth, text)
    if (session.challenge != MFA_SETUP or SOFTWARE_TOKEN_MFA not in session.data.get("can_setup", ())
            or session.data.get("stage") not in stages):
        raise NotAuthorizedException(INVALID)
    return session


def _user_and_lifetime(tx: Tx, session: AuthSession) -> tuple[User, int]:
    """The session's user, row-locked, and its client's AuthSessionValidity (seconds)."""
    both = tx.get_client_with_pool(session.client_id)
    user = tx.lock_user(session.pool_id, session.username)
    if both is None or both[1].id != session.pool_id or user is None:
        raise NotAuthorizedException(INVALID)
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    return user, both[0].auth_session_validity_seconds


def _next(auth: AuthRuntime, session: AuthSession, stage: str, lifetime: int) -> str:
    following = new_session(
        auth, pool_id=session.pool_id, client_id=session.client_id, username=session.username,
        challenge=MFA_SETUP, flow=session.flow, lifetime=lifetime, data={**session.data, "stage": stage},
    )
    return seal(auth, following)
