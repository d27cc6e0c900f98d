"""The codes and messages a server sent (its development outbox, ``delivery/outbox.py``): sign-up
and attribute-verification codes, password-reset codes, invitations with their temporary
passwords, MFA and one-time sign-in codes — read without parsing files by hand."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from userpool.delivery.outbox import read_outbox


@dataclass(frozen=True)
class Message:
    """One message: ``purpose`` is SIGN_UP, FORGOT_PASSWORD, VERIFY_EMAIL, VERIFY_PHONE_NUMBER,
    ADMIN_CREATE_USER (an invitation) or an MFA / sign-in code (MFA_SMS_MFA, MFA_EMAIL_OTP, ...);
    ``code`` the code or temporary password it carries."""

    username: str
    purpose: str
    medium: str
    destination: str
    code: str | None
    body: str
    subject: str | None
    raw: dict[str, Any]

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Message:
        return cls(username=str(record.get("username", "")), purpose=str(record.get("purpose", "")),
                   medium=str(record.get("medium", "")), destination=str(record.get("destination", "")),
                   code=record.get("code"), body=str(record.get("body", "")), subject=record.get("subject"),
                   raw=record)


class Messages:
    """The messages of one server, newest last. ``clear()`` sets a cursor: later reads see only
    what was sent after it (the pytest fixture clears it before each test)."""

    def __init__(self, outbox_path: str | Path) -> None:
        self.path = str(outbox_path)
        self._seen = 0

    def all(self) -> list[Message]:
        records = list(read_outbox(self.path))
        return [Message.from_record(r) for r in records[self._seen:]]

    def clear(self) -> None:
        self._seen = len(list(read_outbox(self.path)))

    def to(self, destination: str) -> list[Message]:
        """Messages sent to an e-mail address or phone number."""
        return [m for m in self.all() if m.destination == destination]

    def last(self, username: str | None = None, purpose: str | None = None, *,
             destination: str | None = None, timeout: float = 5.0) -> Message:
        """The newest message matching every filter given (``purpose``: exact, or a prefix such as
        "MFA"), waiting up to ``timeout`` seconds for it; AssertionError when none comes."""

        def wanted(m: Message) -> bool:
            return ((username is None or m.username == username)
                    and (purpose is None or m.purpose == purpose or m.purpose.startswith(purpose))
                    and (destination is None or m.destination == destination))

        found = _wait(lambda: [m for m in self.all() if wanted(m)], timeout)
        if not found:
            raise AssertionError(f"no message for username={username!r} purpose={purpose!r} "
                                 f"destination={destination!r} in {self.path}")
        return found[-1]

    def last_code(self, username: str | None = None, purpose: str | None = None, *,
                  destination: str | None = None, timeout: float = 5.0) -> str:
        """The code (or temporary password) of ``last``'s message."""
        message = self.last(username, purpose, destination=destination, timeout=timeout)
        if message.code is None:
            raise AssertionError(f"the {message.purpose} message to {message.destination} carries no code")
        return message.code


def _wait(find: Callable[[], list[Message]], timeout: float) -> list[Message]:
    deadline = time.monotonic() + timeout
    while True:
        found = find()
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)
