"""The call being served, as the engine hands it to a flow or a challenge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from userpool.auth.runtime import AuthRuntime
from userpool.directory import usernames
from userpool.model.entities import AppClient, Device, LockoutState, User, UserPool
from userpool.model.errors import InvalidParameterException


@dataclass(frozen=True)
class AuthCall:
    """One InitiateAuth / RespondToAuthChallenge (public or admin) request."""

    client_id: str
    admin: bool
    base_url: str
    parameters: Mapping[str, str]
    pool_id: str | None = None
    flow: str = ""
    challenge_name: str = ""
    session: str | None = None
    client_metadata: Mapping[str, str] = field(default_factory=dict)
    source_ip: str | None = None  # the signing-in user's address (a device's ``last_ip_used``)


@dataclass(frozen=True)
class FlowContext:
    """Pool, client and — read in the same transaction — the user the call's USERNAME names."""

    auth: AuthRuntime
    call: AuthCall
    pool: UserPool
    client: AppClient
    named: User | None = None
    preloaded: Any = None  # what the flow's ``preload`` read in the same transaction
    lockout: LockoutState | None = None  # password flows: the named user's counter, read unlocked
    device: Device | None = None  # the device the call's DEVICE_KEY names, as stored (any user's)

    def find_user(self, typed: str) -> User | None:
        """The user ``typed`` refers to; no database read when it is the call's USERNAME."""
        if typed == self.call.parameters.get("USERNAME"):
            return self.named
        with self.auth.rt.store.read() as tx:
            return usernames.resolve(tx, self.pool, typed)

    @property
    def issuer(self) -> str:
        return self.auth.issuer.issuer(self.pool.id, self.call.base_url)

    def param(self, key: str) -> str:
        """A required AuthParameters / ChallengeResponses key."""
        value = self.call.parameters.get(key)
        if value is None or value == "":
            raise InvalidParameterException(f"Missing required parameter {key}")
        return value

    def optional(self, key: str) -> str | None:
        return self.call.parameters.get(key) or None
