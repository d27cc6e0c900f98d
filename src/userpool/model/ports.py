"""Narrow interfaces the domain rooms need; adapters (storage, delivery) implement them.

The store is transactional: ``Store.transaction()`` yields a ``Tx`` whose writes commit
together or not at all. Methods take keys already normalised by the caller (for example
the lower-cased username of a case-insensitive pool); the store compares exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from userpool.model.entities import (
    AppClient,
    CodePurpose,
    Device,
    Group,
    LimitWindow,
    LockoutState,
    Message,
    RefreshTokenRecord,
    SigningKey,
    User,
    UserPool,
    VerificationCode,
    WebAuthnCredential,
)
from userpool.model.rate_bucket import Quota


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class Random(Protocol):
    def bytes(self, n: int) -> bytes:
        """``n`` cryptographically random bytes."""
        ...


class SecretBox(Protocol):
    """Authenticated encryption of secrets at rest (client secrets, private keys, verifiers).

    ``aad`` is associated data: authenticated, not stored. A blob opens only with the ``aad`` it
    was sealed with, which binds it to its row (say, pool, username and salt of a verifier).
    """

    def seal(self, plaintext: bytes, *, aad: bytes = b"") -> bytes: ...

    def open(self, sealed: bytes, *, aad: bytes = b"") -> bytes: ...


class DeliveryFailed(Exception):
    """A ``MessageSender`` could not deliver the message (SMTP server refused or unreachable,
    webhook down or answering 4xx, SES/SNS error). Not an API error: the caller answers
    CodeDeliveryFailureException and undoes what the message was for
    (``directory.codes.Outbox``, ``auth.mfa_step.withdraw``). ``reason`` is for the server's
    log and never holds the message body (which holds a code); ``medium``: EMAIL or SMS."""

    def __init__(self, reason: str, *, medium: str | None = None) -> None:
        self.reason = reason
        self.medium = medium
        super().__init__(f"{medium} delivery failed: {reason}" if medium else reason)


class MessageSender(Protocol):
    def send(self, message: Message) -> None:
        """Hands ``message`` to its carrier (outbox, SMTP, webhook, SES, SNS), or raises
        ``DeliveryFailed`` once it cannot. Never logs the body: it holds a code."""
        ...


class TriggerInvoker(Protocol):
    """Runs a Lambda trigger function synchronously (spec §7.1): the Lambda Invoke API, or a
    Python callable in development (``triggers/``)."""

    def invoke(self, function_arn: str, event: Mapping[str, Any], *, timeout: float) -> dict[str, Any]:
        """The function's JSON answer to ``event`` (an object), each attempt limited to ``timeout``
        seconds. Raises ``TriggerFunctionError`` (the function returned an error),
        ``TriggerUnreachable`` (not invoked or no answer in time, after the retries) or
        ``TriggerBadResponse`` (not JSON, or not an object) from ``model.errors``."""
        ...

    def invoke_event(self, function_arn: str, event: Mapping[str, Any]) -> None:
        """Runs the function asynchronously (the custom sender triggers, spec §7.1): the Lambda
        Invoke API's InvocationType "Event", or the callable in a background thread. Returns
        once the invocation is handed over; what the function does is only logged."""
        ...


class CodeEncrypter(Protocol):
    """Encrypts a code for the pool's custom sender (spec §7.3; Developer Guide "Custom sender
    Lambda triggers"): an AWS Encryption SDK message under a KMS key, as Cognito makes it."""

    def encrypt(self, key_id: str, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        """The Encryption SDK message (bytes) of ``plaintext`` under KMS key ``key_id`` (an ARN),
        bound to the encryption ``context`` (Cognito's: ``{"userpool-id": <pool ID>}``). Raises
        ``DeliveryFailed`` when KMS cannot be reached or refuses."""
        ...


class RateLimiter(Protocol):
    """Request-rate buckets shared by every worker process of one server (spec §9.2).

    Not transactional and not in the database: a bucket is a few bytes read and written on every
    request, and losing them (a restart) only forgives recent traffic.
    """

    def admit(self, key: str, quota: Quota) -> bool:
        """Take one request from the bucket named ``key``; False when it is empty (throttle)."""
        ...


class Metrics(Protocol):
    """What an operator counts (``GET /metrics``; ``userpool.observability``), reported where it
    happens. Label values are always from a closed set (operation names, error codes, AuthFlow
    and ChallengeName values, trigger keys, EMAIL/SMS), never a caller's free text, so no request
    can grow the number of series. A call costs about a microsecond and never raises."""

    def request(self, operation: str, outcome: str) -> None:
        """One API call answered: ``outcome`` is "ok" or the error's ``__type``."""
        ...

    def sign_in(self, flow: str, seconds: float) -> None:
        """The latency of one sign-in request (an AuthFlow, or the ChallengeName answered)."""
        ...

    def lockout(self) -> None:
        """A failed attempt locked a user out (spec §9.1)."""
        ...

    def code_sent(self, medium: str) -> None:
        """A message with a code or temporary password was handed to its carrier (EMAIL, SMS)."""
        ...

    def trigger(self, trigger: str, outcome: str) -> None:
        """A Lambda trigger invocation (a ``LambdaConfig`` key): "ok" or the Cognito error it became."""
        ...

    def database_error(self) -> None:
        """A database statement, connection or transaction failed."""
        ...


class NoMetrics:
    """The ``Metrics`` of a server built without them (``--metrics off``, unit tests): counts nothing."""

    def request(self, operation: str, outcome: str) -> None:
        pass

    def sign_in(self, flow: str, seconds: float) -> None:
        pass

    def lockout(self) -> None:
        pass

    def code_sent(self, medium: str) -> None:
        pass

    def trigger(self, trigger: str, outcome: str) -> None:
        pass

    def database_error(self) -> None:
        pass


@dataclass(frozen=True)
class UserFilter:
    """One ListUsers filter: ``name = "value"`` or ``name ^= "value"`` (prefix).

    ``name`` is ``username``, ``cognito:user_status``, ``status`` (Enabled/Disabled) or an
    attribute name (``email``, ``phone_number``, ``sub``, ...).
    """

    name: str
    value: str
    prefix: bool = False


class PoolRepo(Protocol):
    def insert_pool(self, pool: UserPool) -> None:
        """Raises StoreConflict("pool") if the ID exists."""
        ...

    def get_pool(self, pool_id: str) -> UserPool | None: ...

    def update_pool(self, pool: UserPool) -> None: ...

    def delete_pool(self, pool_id: str) -> None:
        """Deletes the pool and everything in it (clients, users, groups, tokens, keys)."""
        ...

    def list_pools(self, limit: int, after: str | None = None) -> list[UserPool]:
        """Pools ordered by ID, starting after ``after``."""
        ...


class ClientRepo(Protocol):
    def insert_client(self, client: AppClient) -> None: ...

    def get_client(self, client_id: str) -> AppClient | None: ...

    def get_client_with_pool(self, client_id: str) -> tuple[AppClient, UserPool] | None:
        """The client and its pool, read together; None if there is no such client."""
        ...

    def update_client(self, client: AppClient) -> None: ...

    def delete_client(self, pool_id: str, client_id: str) -> None: ...

    def list_clients(self, pool_id: str, limit: int, after: str | None = None) -> list[AppClient]:
        """Clients of a pool ordered by client ID, starting after ``after``."""
        ...


class UserRepo(Protocol):
    def insert_user(self, user: User) -> None:
        """Raises StoreConflict("user") if the username exists in the pool."""
        ...

    def get_user(self, pool_id: str, username: str) -> User | None: ...

    def update_user(self, user: User) -> None:
        """Replaces the stored user (attributes, status, password, history) as given.

        Never writes ``enabled`` or ``tokens_revoked_at``: a copy read earlier cannot undo an
        AdminDisableUser or a GlobalSignOut; ``set_user_enabled`` / ``set_tokens_revoked_at``
        write those. Read the user with ``lock_user`` in the same transaction first."""
        ...

    def lock_user(self, pool_id: str, username: str) -> User | None:
        """Reads the user for update: the row stays locked until commit (SELECT ... FOR UPDATE
        on PostgreSQL; SQLite write transactions are serial already)."""
        ...

    def set_user_enabled(self, pool_id: str, username: str, enabled: bool, now: float) -> bool:
        """Writes ``enabled`` (and ``last_modified``) only; False if there is no such user."""
        ...

    def set_tokens_revoked_at(self, pool_id: str, username: str, at: float) -> None:
        """Moves the user's access-token cut-off forward to ``at``, never back."""
        ...

    def delete_user(self, pool_id: str, username: str) -> None:
        """Deletes the user with its memberships, refresh tokens, devices, passkeys, codes and lockout row."""
        ...

    def find_users_by_attribute(
        self, pool_id: str, name: str, value: str, *, case_insensitive: bool = False
    ) -> list[User]:
        """Users whose attribute ``name`` equals ``value`` (for aliases and ``sub``)."""
        ...

    def list_users(
        self, pool_id: str, limit: int, after: str | None = None, user_filter: UserFilter | None = None
    ) -> list[User]:
        """Users ordered by username, starting after ``after``, optionally filtered."""
        ...

    def count_users(self, pool_id: str) -> int: ...


class GroupRepo(Protocol):
    def insert_group(self, group: Group) -> None:
        """Raises StoreConflict("group") if the name exists in the pool."""
        ...

    def get_group(self, pool_id: str, name: str) -> Group | None: ...

    def update_group(self, group: Group) -> None: ...

    def delete_group(self, pool_id: str, name: str) -> None:
        """Deletes the group and its memberships."""
        ...

    def list_groups(self, pool_id: str, limit: int, after: str | None = None) -> list[Group]:
        """Groups ordered by name, starting after ``after``."""
        ...

    def add_member(self, pool_id: str, group_name: str, username: str, now: float) -> None:
        """Idempotent."""
        ...

    def remove_member(self, pool_id: str, group_name: str, username: str) -> None: ...

    def groups_of(self, pool_id: str, username: str) -> list[Group]:
        """The user's groups ordered by precedence (lowest first, None last), then name."""
        ...

    def list_members(
        self, pool_id: str, group_name: str, limit: int, after: str | None = None
    ) -> list[User]:
        """Members ordered by username, starting after ``after``."""
        ...


class TokenRepo(Protocol):
    def insert_refresh_token(self, record: RefreshTokenRecord) -> None: ...

    def get_refresh_token(self, token_hash: bytes) -> RefreshTokenRecord | None: ...

    def lock_refresh_token(self, token_hash: bytes) -> RefreshTokenRecord | None:
        """Reads the token for update: the row stays locked until commit (rotation)."""
        ...

    def set_refresh_grace(self, token_hash: bytes, grace_until: float) -> None:
        """Marks the token rotated: it works until ``grace_until`` (``RefreshTokenRecord``)."""
        ...

    def revoke_family(self, pool_id: str, origin_jti: str) -> None:
        """Revokes every refresh token of the family (RevokeToken)."""
        ...

    def revoke_user_tokens(self, pool_id: str, username: str) -> None:
        """Revokes every refresh token of the user (GlobalSignOut)."""
        ...

    def is_family_revoked(self, pool_id: str, origin_jti: str) -> bool:
        """True if the family exists and is revoked, or if it does not exist any more."""
        ...

    def purge_expired_tokens(self, now: float) -> int: ...


class DeviceRepo(Protocol):
    """Tracked devices (spec §2.4). Keys are unique per pool; a device row goes with its user."""

    def insert_device(self, device: Device) -> None:
        """Raises StoreConflict("device") if the key exists in the pool."""
        ...

    def get_device(self, pool_id: str, key: str) -> Device | None: ...

    def lock_device(self, pool_id: str, key: str) -> Device | None:
        """Reads the device for update: the row stays locked until commit."""
        ...

    def update_device(self, device: Device) -> None:
        """Replaces the stored device's secret, status, name and dates as given (lock it first)."""
        ...

    def delete_device(self, pool_id: str, key: str) -> bool:
        """Deletes the device; False if there was none."""
        ...

    def list_devices(self, pool_id: str, username: str, limit: int, after: str | None = None, *,
                     confirmed_only: bool = True) -> list[Device]:
        """The user's devices ordered by key, starting after ``after``; only confirmed ones unless
        ``confirmed_only`` is False."""
        ...

    def purge_unconfirmed_devices(self, created_before: float) -> int:
        """Deletes devices (of every pool) never confirmed and minted before ``created_before``."""
        ...


class PasskeyRepo(Protocol):
    """Users' passkeys (WebAuthn credentials); a credential ID is unique in a pool."""

    def insert_passkey(self, credential: WebAuthnCredential) -> None:
        """Raises StoreConflict("passkey") if the credential ID exists in the pool."""
        ...

    def get_passkey(self, pool_id: str, credential_id: str) -> WebAuthnCredential | None: ...

    def list_passkeys(self, pool_id: str, username: str, limit: int,
                      after: str | None = None) -> list[WebAuthnCredential]:
        """The user's passkeys ordered by credential ID, starting after ``after``."""
        ...

    def set_passkey_sign_count(self, pool_id: str, credential_id: str, sign_count: int) -> None: ...

    def delete_passkey(self, pool_id: str, credential_id: str) -> bool:
        """Deletes the passkey; False if there was none."""
        ...


class LockoutRepo(Protocol):
    def lock_lockout(self, pool_id: str, key: str) -> LockoutState:
        """Reads the lockout row for update (creating a zero row), holding its lock until commit."""
        ...

    def save_lockout(self, pool_id: str, key: str, state: LockoutState) -> None: ...

    def get_lockout(self, pool_id: str, key: str) -> LockoutState:
        """Reads the counter without locking or creating a row (zero if there is none)."""
        ...

    def purge_stale_lockouts(self, before: float) -> int:
        """Deletes counters (of every pool) whose last attempt and lockout both ended before
        ``before``; returns how many. Never waits for a row another transaction holds."""
        ...


class LimitRepo(Protocol):
    """Per-user hourly limit counters (spec §2.6), one row per (pool, key, action); shared by
    every worker and instance because they live in the database."""

    def lock_limit(self, pool_id: str, key: str, action: str) -> LimitWindow:
        """The counter (zero if there is none), row-locked until the transaction ends."""
        ...

    def save_limit(self, pool_id: str, key: str, action: str, window: LimitWindow) -> None: ...

    def purge_expired_limits(self, started_before: float) -> int:
        """Deletes counters whose window started before ``started_before``; returns how many."""
        ...


class SessionRepo(Protocol):
    def consume_once(self, session_id: str, expires_at: float) -> bool:
        """Records that a single-use session was used; False if it was used before."""
        ...

    def release(self, session_id: str) -> None:
        """Forgets that the session was used: only to undo a step whose effect was withdrawn
        in the same transaction (a challenge whose code could not be delivered)."""
        ...

    def is_consumed(self, session_id: str) -> bool:
        """Whether the single-use session was used already (a read; ``consume_once`` decides)."""
        ...

    def purge_expired_sessions(self, now: float) -> int: ...


class CodeRepo(Protocol):
    def put_code(self, code: VerificationCode) -> None:
        """Stores the code, replacing the user's previous code of the same purpose."""
        ...

    def get_code(self, pool_id: str, username: str, purpose: CodePurpose) -> VerificationCode | None: ...

    def delete_code(self, pool_id: str, username: str, purpose: CodePurpose) -> None: ...


class KeyRepo(Protocol):
    def insert_signing_key(self, key: SigningKey) -> None: ...

    def signing_keys(self, pool_id: str) -> list[SigningKey]:
        """The pool's keys, oldest first."""
        ...


class Tx(PoolRepo, ClientRepo, UserRepo, GroupRepo, TokenRepo, LockoutRepo, LimitRepo, SessionRepo, CodeRepo,
         KeyRepo, DeviceRepo, PasskeyRepo, Protocol):
    """Everything one transaction can read and write."""

    def hold_lock(self, name: str) -> None:
        """Holds the lock ``name`` until this write transaction ends: transactions that take the
        same lock run one after the other, and each sees what the one before it committed (two
        servers applying one seed file at once)."""
        ...


@dataclass(frozen=True)
class StoreHealth:
    """What ``Store.health`` found: the kind of database, the schema version it is at (None: not
    stamped) and the version this server needs (``GET /health``)."""

    backend: str  # "sqlite" or "postgresql"
    schema: int | None
    needed: int

    @property
    def current(self) -> bool:
        return self.schema == self.needed


class Store(Protocol):
    def health(self) -> StoreHealth:
        """Reads the schema version with one trivial query; raises whatever the database raised
        when it cannot be reached."""
        ...

    def transaction(self) -> AbstractContextManager[Tx]:
        """A read-write transaction; commits on normal exit, rolls back on an exception."""
        ...

    def read(self) -> AbstractContextManager[Tx]:
        """A read-only transaction (may run concurrently with writers)."""
        ...

    def close(self) -> None: ...

