"""The user pool and app client a request turned out to concern, for its log line.

Many operations name only a ``ClientId`` (InitiateAuth, SignUp, ...) or only an access token
(GetUser, ...): their pool, and for token operations their client, are known only once the
server has resolved them. Where that happens (``clients.get_client``, the sign-in engine's
client lookup, access-token authentication) ``note`` records them in the holder the wire put in
place for the request (``wire/app.py``); outside a request it does nothing. Only resolved IDs are
noted: an ID from a client or pool that exists, never a caller's text.
"""

from __future__ import annotations

import contextvars


class Resolved:
    """The pool and client IDs one request resolved (None: not known)."""

    __slots__ = ("client_id", "pool_id")

    def __init__(self) -> None:
        self.pool_id: str | None = None
        self.client_id: str | None = None


current: contextvars.ContextVar[Resolved | None] = contextvars.ContextVar("userpool_request_scope", default=None)


def note(pool_id: str, client_id: str | None = None) -> None:
    """Records the request's pool (and client) once they are resolved."""
    holder = current.get()
    if holder is not None:
        holder.pool_id = pool_id
        if client_id is not None:
            holder.client_id = client_id
