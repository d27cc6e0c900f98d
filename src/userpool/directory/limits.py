"""Per-user hourly limits (spec §2.6) and the wrong-code allowance, counted in the database so
every worker process and every instance shares them.

Each limited operation has an allowance per user and fixed window of one hour, starting with
the first counted call; once it is spent, the operation answers ``LimitExceededException``
"Attempt limit exceeded, please try after some time." and the refusal is not counted. Cognito
publishes no number for ForgotPassword, and a range (5–20) for ConfirmForgotPassword; the
numbers chosen here are in ``HOURLY`` and recorded in docs/decisions.md.

Wrong one-time codes are counted per user and code purpose in the same table, not on the code:
a new code (ForgotPassword again, ResendConfirmationCode) does not restore guesses, so at most
``CODE_GUESSES`` codes can be tried per user, purpose and hour. A right code forgives them.

Unknown users (PreventUserExistenceErrors ENABLED) are counted under a key made from the typed
name, so they meet the same limits as real users and the answers do not tell them apart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from userpool.model.entities import CodePurpose, LimitWindow
from userpool.model.errors import LimitExceededException
from userpool.model.ports import Tx

WINDOW_SECONDS = 3600.0
HOURLY = {
    "ResendConfirmationCode": 5,
    "ForgotPassword": 5,
    "ConfirmForgotPassword": 10,
    "ConfirmSignUp": 15,
    "ChangePassword": 5,
    "GetUserAttributeVerificationCode": 5,
    # SMS / e-mail MFA codes sent (spec §2.6: every sign-in of an MFA user sends one).
    "SendMfaCode": 10,
}
CODE_GUESSES = 5


def key_for_unknown(typed: str) -> str:
    """The counter key of a name no user has: a hash of the typed name (any text fits the
    column), with a space so it can never equal a real username."""
    return "unknown user " + hashlib.sha256(typed.encode("utf-8", "surrogatepass")).hexdigest()


def _current(window: LimitWindow, now: float) -> LimitWindow:
    """The window ``now`` falls in: the stored one, or a fresh one once an hour has passed."""
    if window.count == 0 or now - window.started >= WINDOW_SECONDS:
        return LimitWindow(started=now, count=0)
    return window


@dataclass(frozen=True)
class Taken:
    """One call counted by ``take``: which counter, and the window it was counted in."""

    pool_id: str
    key: str
    action: str
    started: float


def take(tx: Tx, pool_id: str, key: str, action: str, now: float) -> Taken:
    """Counts one call of ``action`` (a key of ``HOURLY``) under the counter's row lock; raises
    ``LimitExceededException``, uncounted and writing nothing, once the hour's allowance is spent.
    The count commits with ``tx``; the record returned lets ``refund`` give it back should the
    call's code never be delivered."""
    window = _current(tx.lock_limit(pool_id, key, action), now)
    if window.count >= HOURLY[action]:
        raise LimitExceededException()
    tx.save_limit(pool_id, key, action, LimitWindow(window.started, window.count + 1))
    return Taken(pool_id, key, action, window.started)


def refund(tx: Tx, taken: Taken) -> None:
    """Gives back a call ``take`` counted in an earlier transaction (its effect was undone: a
    code that could not be delivered), while the window it was counted in is current: a newer
    window owes nothing. Never below zero."""
    window = tx.lock_limit(taken.pool_id, taken.key, taken.action)
    if window.count and window.started == taken.started:
        tx.save_limit(taken.pool_id, taken.key, taken.action, LimitWindow(window.started, window.count - 1))


def _guess_action(purpose: CodePurpose) -> str:
    return f"wrong code {purpose.value}"


def lock_guesses(tx: Tx, pool_id: str, key: str, purpose: CodePurpose, now: float) -> LimitWindow:
    """The wrong codes counted this hour for the user and purpose, row-locked until ``tx`` ends:
    code checks of one user and purpose are decided one at a time, by every process."""
    return _current(tx.lock_limit(pool_id, key, _guess_action(purpose)), now)


def guesses_spent(window: LimitWindow) -> bool:
    return window.count >= CODE_GUESSES


def wrong_guess(tx: Tx, pool_id: str, key: str, purpose: CodePurpose, window: LimitWindow) -> None:
    """Counts a wrong code (``window`` from ``lock_guesses`` in the same transaction)."""
    tx.save_limit(pool_id, key, _guess_action(purpose), LimitWindow(window.started, window.count + 1))


def forgive_guesses(tx: Tx, pool_id: str, key: str, purpose: CodePurpose, window: LimitWindow) -> None:
    """A right code forgives earlier wrong ones (writes only if there were any)."""
    if window.count:
        tx.save_limit(pool_id, key, _guess_action(purpose), LimitWindow())


def purge(tx: Tx, now: float) -> int:
    """Deletes counters whose window is over (so rows for unknown names do not pile up)."""
    return tx.purge_expired_limits(now - WINDOW_SECONDS)
