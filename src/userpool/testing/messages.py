"""The codes and messages a server sent (its development outbox, ``delivery/outbox.py``, read with
the outbox's own reader): sign-up and attribute-verification codes, password-reset codes,
invitations with their temporary passwords, MFA and one-time sign-in codes — without parsing files
by hand.

The server writes a message before the API call that sends it answers (``directory.codes.Outbox``
delivers after the commit, inside the request), so what a call sent is readable as soon as it
returns; ``last`` and ``last_code`` still wait a little, for a server a test drives from another
thread or process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from userpool.delivery.outbox import Mark, mark, read_outbox

#: The ``purpose`` of each message the server sends. The MFA_* ones (an MFA code, or a one-time
#: sign-in code of USER_AUTH) all match the purpose "MFA" in ``Messages.last``.
PURPOSES = ("SIGN_UP", "FORGOT_PASSWORD", "VERIFY_EMAIL", "VERIFY_PHONE_NUMBER", "ADMIN_CREATE_USER",
            "MFA_SMS_MFA", "MFA_EMAIL_OTP", "MFA_SMS_OTP")


@dataclass(frozen=True)
class Message:
    """One message. ``purpose``: one of ``PURPOSES`` (ADMIN_CREATE_USER is an invitation, whose
    ``code`` is the temporary password); ``medium`` EMAIL or SMS; ``destination`` the address or
    phone number; ``body`` the rendered text (HTML for an HTML template, ``text`` then holding the
    plain alternative); ``raw`` the outbox record as written."""

    pool_id: str
    username: str
    purpose: str
    medium: str
    destination: str
    code: str | None
    body: str
    subject: str | None
    text: str | None
    raw: dict[str, Any]

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Message:
        def optional(name: str) -> str | None:
            value = record.get(name)
            return None if value is None else str(value)

        return cls(pool_id=str(record.get("pool_id", "")), username=str(record.get("username", "")),
                   purpose=str(record.get("purpose", "")), medium=str(record.get("medium", "")),
                   destination=str(record.get("destination", "")), code=optional("code"),
                   body=str(record.get("body", "")), subject=optional("subject"), text=optional("text"),
                   raw=record)


class Messages:
    """The messages of one server's outbox, oldest first. ``clear()`` sets a cursor: later reads
    see only what was sent after it (the pytest fixture clears before each test). The cursor
    survives the outbox's rotation."""

    def __init__(self, outbox_path: str | Path) -> None:
        self.path = str(outbox_path)
        self._since: Mark | None = None

    def clear(self) -> None:
        """Forget everything sent so far."""
        self._since = mark(self.path)

    def all(self) -> list[Message]:
        """Every message sent since the last ``clear()``."""
        return [Message.from_record(record) for record in read_outbox(self.path, since=self._since)]

    def to(self, destination: str) -> list[Message]:
        """The messages sent to an e-mail address or phone number (exactly as the user's attribute
        holds it), oldest first."""
        return [m for m in self.all() if m.destination == destination]

    def last(self, username: str | None = None, purpose: str | None = None, *, destination: str | None = None,
             pool_id: str | None = None, timeout: float = 5.0) -> Message:
        """The newest message matching every filter given, waiting up to ``timeout`` seconds for
        one; AssertionError (listing what was sent) when none comes. ``purpose``: one of
        ``PURPOSES``, or its first word(s): "MFA" matches every MFA_* code, "VERIFY" both
        VERIFY_*."""

        def wanted(m: Message) -> bool:
            return ((username is None or m.username == username)
                    and (purpose is None or m.purpose == purpose or m.purpose.startswith(purpose + "_"))
                    and (destination is None or m.destination == destination)
                    and (pool_id is None or m.pool_id == pool_id))

        deadline = time.monotonic() + timeout
        while True:
            sent = self.all()
            found = [m for m in sent if wanted(m)]
            if found:
                return found[-1]
            if time.monotonic() >= deadline:
                seen = ", ".join(f"{m.purpose} to {m.destination} ({m.username})" for m in sent) or "nothing"
                raise AssertionError(f"no message with username={username!r} purpose={purpose!r} "
                                     f"destination={destination!r} pool_id={pool_id!r}; sent: {seen}")
            time.sleep(0.05)

    def last_code(self, username: str | None = None, purpose: str | None = None, *,
                  destination: str | None = None, pool_id: str | None = None, timeout: float = 5.0) -> str:
        """The code (an invitation's temporary password) of ``last``'s message."""
        message = self.last(username, purpose, destination=destination, pool_id=pool_id, timeout=timeout)
        if message.code is None:
            raise AssertionError(f"the {message.purpose} message to {message.destination} carries no code")
        return message.code
