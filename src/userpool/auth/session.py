"""Challenge sessions (spec §2.5): the state between two sign-in steps, sealed with AEAD
into the opaque ``Session`` string (or SECRET_BLOCK), so any server instance can continue
the flow. Each is bound to pool, client, user and the challenge it expects, expires after
the client's AuthSessionValidity, and is single use (its ``id`` is recorded in the store
when it is spent).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from userpool.auth.runtime import AuthRuntime
from userpool.crypto.sealing import SealError
from userpool.model.errors import NotAuthorizedException
from userpool.model.ports import Tx

_AAD = b"userpool/auth-session/v1"
INVALID = "Invalid session for the user."
EXPIRED = "Invalid session for the user, session is expired."


@dataclass(frozen=True)
class AuthSession:
    id: str
    pool_id: str
    client_id: str
    username: str
    challenge: str
    flow: str
    expires_at: float
    data: dict[str, Any] = field(default_factory=dict)


def new_session(
    auth: AuthRuntime, *, pool_id: str, client_id: str, username: str, challenge: str, flow: str,
    lifetime: float, data: dict[str, Any] | None = None,
) -> AuthSession:
    return AuthSession(
        id=auth.rt.random.bytes(16).hex(), pool_id=pool_id, client_id=client_id, username=username,
        challenge=challenge, flow=flow, expires_at=auth.rt.clock.now() + lifetime,
        data=dict(data or {}),
    )


def seal(auth: AuthRuntime, session: AuthSession, *, aad: bytes = _AAD) -> str:
    payload = json.dumps(asdict(session), separators=(",", ":")).encode()
    return auth.sealer.seal_text(payload, aad=aad, nonce=auth.rt.random.bytes(12))


def open_session(auth: AuthRuntime, text: str, *, aad: bytes = _AAD) -> AuthSession:
    """Opens and checks expiry; any forgery or tampering is "Invalid session for the user."."""
    try:
        raw = json.loads(auth.sealer.open_text(text, aad=aad))
        session = AuthSession(**raw)
    except (SealError, ValueError, TypeError):
        raise NotAuthorizedException(INVALID) from None
    if session.expires_at <= auth.rt.clock.now():
        raise NotAuthorizedException(EXPIRED)
    return session


def spend(tx: Tx, session: AuthSession) -> None:
    """Marks the session used inside the caller's transaction; a replay is refused."""
    if not tx.consume_once(session.id, session.expires_at):
        raise NotAuthorizedException(INVALID)


def open_block(auth: AuthRuntime, block: str, aad: bytes, wrong: str) -> AuthSession:
    """The SRP state sealed in a SECRET_BLOCK (the password's or a device's, told apart by
    ``aad``): an expired one says so; any other that does not open is the proof's refusal,
    ``wrong`` (a forged block tells an attacker nothing more than a wrong proof)."""
    try:
        return open_session(auth, block, aad=aad)
    except NotAuthorizedException as refused:
        if refused.message == EXPIRED:
            raise
        raise NotAuthorizedException(wrong) from None
