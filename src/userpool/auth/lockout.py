"""Failed sign-in lockout, as Cognito does it (spec §9.1).

After 5 failures the user is locked for 1 s, doubling with each further failure up to
15 minutes; during a lockout every attempt — the right password included — is refused
with "Password attempts exceeded" and is not counted. The counter resets after a
successful sign-in and after 15 idle minutes.

Concurrency — N concurrent wrong attempts, from any number of processes, can test at most
as many passwords as the schedule allows. Two ways to get there:

- ``attempt`` / ``failed`` / ``succeeded`` (through ``first_factor.settle``): the proof is
  checked first, without any lock, but its result is only acted on inside a write transaction
  that holds the user's lockout row lock and records the outcome: verdicts are reached one at
  a time, and none is given while the user is locked out. One transaction per sign-in, and a
  clean success writes nothing to the lockout table. Used by the plaintext flows and SRP.
- ``refuse_if_locked`` on a counter read without a lock (``Tx.get_lockout``, in the engine's
  read transaction): an early, cheap refusal of a locked-out user before the expensive proof
  check, so a locked-out account costs no exponentiation. It is only an early answer — the
  verdict is still the one reached under the lock.

Every path settles this way: ChangePassword (``account.change_password``) calls ``attempt`` /
``failed`` / ``succeeded`` itself, counting only a wrong previous password, and SRP answers for
unknown users go through ``settle`` like everyone else's, so they cost the same work.
"""

from __future__ import annotations

import hashlib

from userpool.model.entities import LockoutState
from userpool.model.errors import NotAuthorizedException
from userpool.model.ports import Metrics, Tx

THRESHOLD = 5
CAP_SECONDS = 900.0
IDLE_RESET_SECONDS = 900.0
EXCEEDED = "Password attempts exceeded"


def backoff(failures: int) -> float:
    """Seconds locked after failure number ``failures`` (0 before the threshold)."""
    if failures < THRESHOLD:
        return 0.0
    return min(2.0 ** (failures - THRESHOLD), CAP_SECONDS)


def attempt(tx: Tx, pool_id: str, key: str, now: float) -> LockoutState:
    """Takes the user's lockout row lock for the rest of ``tx`` and returns the counter;
    refuses the attempt (uncounted) while the user is locked out."""
    state = tx.lock_lockout(pool_id, key)
    if state.locked_until > now:
        raise NotAuthorizedException(EXCEEDED)
    return state


def refuse_if_locked(state: LockoutState | None, now: float) -> None:
    """Refuses (uncounted) an attempt whose counter, read without a lock before the proof is
    checked, shows the user locked out (spec §9.1). ``None``: nothing was read."""
    if state is not None and state.locked_until > now:
        raise NotAuthorizedException(EXCEEDED)


def failed(tx: Tx, pool_id: str, key: str, state: LockoutState, now: float, metrics: Metrics) -> None:
    """Counts a failed attempt (``state`` from ``attempt``, in the same transaction); one that
    locks the user out is counted in ``metrics`` too."""
    failures = state.failures
    if failures and now - state.last_attempt >= IDLE_RESET_SECONDS:
        failures = 0
    failures += 1
    locks = failures >= THRESHOLD
    tx.save_lockout(pool_id, key, LockoutState(failures, now + backoff(failures) if locks else 0.0, now))
    if locks:
        metrics.lockout()


def succeeded(tx: Tx, pool_id: str, key: str, state: LockoutState) -> None:
    """A successful attempt forgives earlier failures (writes only if there were any)."""
    if state != LockoutState():
        clear(tx, pool_id, key)


def clear(tx: Tx, pool_id: str, key: str) -> None:
    """After a successful check: earlier failures are forgiven."""
    tx.save_lockout(pool_id, key, LockoutState())


def key_for_unknown(typed: str) -> str:
    """Unknown users (ENABLED pools) get a counter of their own, keyed by a hash of the typed
    name: any text (a NUL, 128 KiB) fits the column, and the space makes it impossible to
    collide with a real username (usernames have no whitespace)."""
    return "unknown user " + hashlib.sha256(typed.encode("utf-8", "surrogatepass")).hexdigest()
